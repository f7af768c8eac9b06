#!/usr/bin/env bash
# Secure release at scale (figures printed, never asserted by tests): BENCH_HELD (default 100000) jobs held for
# release on one printer (seeded as secure release writes them: phase held, a processing task of the built-in
# definition), then the server's RSS and thread count idle and after reading pages of them, against the same
# server with none held; then the expiry aborting them all through the job door, as jobs per second, with the
# RSS at its end. A held job is a row: neither figure should grow with the number held.
# Usage: scripts/bench-held.sh   (SQLite; needs sqlite3, curl, openssl)
set -euo pipefail
cd "$(dirname "$0")/.."
HELD=${BENCH_HELD:-100000}
# shellcheck source=bench/common.sh
source scripts/bench/common.sh
RELEASE_APP=0be6e5a1-7e1f-4c1d-9a55-706c6174656e
DATA=$WORK/sqlite
mkdir -p "$DATA"
sql() { sqlite3 -cmd ".timeout 30000" "$DATA/platen.sqlite3" "$1"; }
# rss_threads LABEL: the node's resident memory now (all; anonymous, i.e. the heap; and pages of files, i.e. the
# database mapped with mmap_size, which the kernel reclaims under pressure) and its threads.
rss_threads() {
  local kib; kib() { awk -v k="$1:" '$1==k{printf "%.1f", $2/1024}' "/proc/$NODE_PID/status"; }
  printf '| %-44s | %8s | %8s | %8s | %7s |\n' "$1" "$(kib VmRSS)" "$(kib RssAnon)" "$(kib RssFile)" \
    "$(ps -o nlwp= -p "$NODE_PID" | tr -d ' ')"
}
read_pages() { # a user's first job pages and the printer's task list, 20 times each
  for _ in $(seq 20); do
    curl -sf -o /dev/null "$NODE/v1.0/print/shares/$SHARE/jobs?\$top=100" -H "Authorization: Bearer $USER"
    curl -sf -o /dev/null "$NODE/v1.0/print/printers/$PRINTER/jobs?\$top=100&\$expand=tasks" -H "Authorization: Bearer $ADMIN"
  done
}

export PLATEN_SECURE_RELEASE__EXPIRE_AFTER=30d
start_node "$DATA"
setup "$DATA" "$NODE"
curl -sf -o /dev/null -X PUT "$NODE/platen/secure-release/printers/$PRINTER" -H "Authorization: Bearer $ADMIN" \
  -H 'Content-Type: application/json' -d '{"enabled":true}'
echo "## Secure release, SQLite, $HELD held jobs ($(nproc) cores)"
echo
echo "| server | RSS MiB | anonymous MiB | file MiB | threads |"
echo "|---|---:|---:|---:|---:|"
rss_threads "none held, idle"
read_pages
rss_threads "none held, after 40 page reads"

kill "$NODE_PID"; wait "$NODE_PID" 2>/dev/null || true
seed_sqlite "$DATA/platen.sqlite3" "$HELD"
now=$(($(date +%s) * 1000000))
trigger=$(sql "SELECT id || '|' || definition_id FROM task_triggers WHERE printer_id = '$PRINTER'")
sql "UPDATE jobs SET phase = 'held', state = 'paused', is_fetchable = 0, created_at = $now, updated_at = $now" >/dev/null
sql "INSERT INTO tasks (tenant_id, id, definition_id, trigger_id, app_id, job_id, printer_id, state, description,
  created_at, updated_at) SELECT tenant_id, 'task-' || id, '${trigger#*|}', '${trigger%|*}', '$RELEASE_APP', id,
  printer_id, 'processing', '', $now, $now FROM jobs" >/dev/null
sql "ANALYZE" >/dev/null
start_node "$DATA"
rss_threads "$(sql "SELECT COUNT(*) FROM tasks WHERE state = 'processing'") held, idle"
read_pages
rss_threads "held, after 40 page reads"

# Expiry: every hold is older than 1 s; the server aborts them all, batch after batch, through the job door.
kill "$NODE_PID"; wait "$NODE_PID" 2>/dev/null || true
export PLATEN_SECURE_RELEASE__EXPIRE_AFTER=1s PLATEN_SECURE_RELEASE__CHECK_INTERVAL=1s
sleep 1
started=$(date +%s.%N)
start_node "$DATA"
peak=0
for _ in $(seq 36000); do
  left=$(sql "SELECT COUNT(*) FROM tasks WHERE state = 'processing'")
  rss=$(ps -o rss= -p "$NODE_PID" | tr -d ' ')
  (( rss > peak )) && peak=$rss
  [[ -n $left && $left -eq 0 ]] && break
  sleep 0.5
done
ended=$(date +%s.%N)
rss_threads "after the expiry"
echo "database file: $(du -m "$DATA/platen.sqlite3" | cut -f1) MiB"
echo
awk -v n="$HELD" -v s="$started" -v e="$ended" -v p="$peak" 'BEGIN{
  printf "%d held jobs expired (aborted with a reason through the job door) in %.1f s: %.0f jobs/s; peak RSS %.1f MiB\n",
    n, e - s, n / (e - s), p / 1024 }'
echo "aborted: $(sql "SELECT COUNT(*) FROM jobs WHERE phase = 'aborted'")"
