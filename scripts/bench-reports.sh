#!/usr/bin/env bash
# Report figures (printed, never asserted by tests): p50/p99 latency of GET /v1.0/reports/dailyPrintUsageByUser for
# a 30-day window (first page, 100 rows) with 10^3 finished jobs stored (the baseline) and with 10^6, in the same
# run, and their ratio. Reports read the rollups the job door writes when a job ends; to store 10^6 finished jobs
# in minutes the database is seeded in SQL with what the door would have written for them (job rows, archived
# rows, and the per-day rollups aggregated from those archived rows), then a real `platen serve` answers.
# Usage: scripts/bench-reports.sh [requests-per-size]   (PLATEN_BIN=… to time another build; default: release)
set -euo pipefail
cd "$(dirname "$0")/.."
REQUESTS=${1:-300}
command -v sqlite3 >/dev/null || { echo "bench-reports: sqlite3 is missing (apt-get install sqlite3)" >&2; exit 1; }
if [[ -z ${PLATEN_BIN:-} ]]; then
  cargo build --release -q -p platen-server
  PLATEN_BIN=$PWD/target/release/platen
fi
WORK=$(mktemp -d)
SERVER=
trap 'kill ${SERVER:-} 2>/dev/null; rm -rf "$WORK"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# seed DIR JOBS: a migrated database holding JOBS finished jobs of tenant "bench" spread over the last 90 days, by
# max(10, JOBS/500) users on max(5, JOBS/5000) printers.
seed() {
  local dir=$1 jobs=$2
  "$PLATEN_BIN" migrate --data-dir "$dir" >/dev/null
  local users=$(( jobs / 500 > 10 ? jobs / 500 : 10 )) printers=$(( jobs / 5000 > 5 ? jobs / 5000 : 5 ))
  local day=86400000000 now
  now=$(( $(date +%s) * 1000000 ))
  local start=$(( now - 90 * day ))
  sqlite3 "$dir/platen.sqlite3" >/dev/null <<SQL
PRAGMA journal_mode = WAL;
BEGIN;
WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < $jobs)
INSERT INTO jobs (id, tenant_id, printer_id, share_id, phase, state, completion, status_reason, is_fetchable, created_at,
  created_by_id, created_by_name, created_by_upn, configuration, acknowledged_at, completed_at, updated_at, version,
  counts)
SELECT i, 'bench', 'printer-' || (i % $printers), NULL, 'completed', 'completed', 'successfully', NULL, 0,
  $start + i * (90 * $day / $jobs), 'user-' || (i % $users), 'User', 'user' || (i % $users) || '@bench', '{}',
  $start + i * (90 * $day / $jobs) + 1000000, $start + i * (90 * $day / $jobs) + 5000000,
  $start + i * (90 * $day / $jobs) + 5000000, 3, '{"pages":' || (1 + i % 7) || ',"sheets":' || (1 + i % 4) || '}'
FROM seq;
INSERT INTO archived_jobs (tenant_id, job_id, printer_id, printer_name, user_id, user_name, user_upn, phase, state,
  created_at, acquired_at, completed_at, copies_printed, is_color, is_duplex, counts, groups_json)
SELECT tenant_id, id, printer_id, 'Printer ' || printer_id, created_by_id, created_by_name, created_by_upn, phase, state,
  created_at, acknowledged_at, completed_at, 1, id % 3 = 0, id % 2 = 0, counts, NULL FROM jobs WHERE tenant_id = 'bench';
INSERT INTO usage_rollups (tenant_id, period, dimension, id, subject_id, subject_name, usage_date, completed_jobs,
  completed_color_jobs, completed_black_and_white_jobs, incomplete_jobs, pages, black_and_white_pages, color_pages,
  media_sheets, double_sided_sheets, single_sided_sheets)
SELECT tenant_id, 'day', 'user', user_id || '_' || date(completed_at / 1000000, 'unixepoch'), user_id, user_upn,
  (completed_at / $day) * $day, count(*), sum(is_color), sum(1 - is_color), 0,
  sum(json_extract(counts, '\$.pages')), sum(CASE WHEN is_color THEN 0 ELSE json_extract(counts, '\$.pages') END),
  sum(CASE WHEN is_color THEN json_extract(counts, '\$.pages') ELSE 0 END), sum(json_extract(counts, '\$.sheets')),
  sum(CASE WHEN is_duplex THEN json_extract(counts, '\$.sheets') ELSE 0 END),
  sum(CASE WHEN is_duplex THEN 0 ELSE json_extract(counts, '\$.sheets') END)
FROM archived_jobs WHERE tenant_id = 'bench' GROUP BY tenant_id, user_id, completed_at / $day;
COMMIT;
ANALYZE;
PRAGMA wal_checkpoint(TRUNCATE);
SQL
}

# measure DIR LABEL: p50/p99 (ms) of the 30-day report on a server over DIR.
measure() {
  local dir=$1 label=$2 port base reader from to
  port=$(free_port)
  base=http://127.0.0.1:$port
  PLATEN_DNSSD=false "$PLATEN_BIN" serve --listen 127.0.0.1:$port --public-url $base --data-dir "$dir" \
    >"$dir/server.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 100); do curl -sf $base/healthz >/dev/null && break; sleep 0.1; done
  reader=$("$PLATEN_BIN" token user --data-dir "$dir" --tenant bench --user reader --scopes Reports.Read.All \
    --expires-in 7200)
  from=$(date -u -d '30 days ago' +%Y-%m-%d)
  to=$(date -u +%Y-%m-%d)
  local url="$base/v1.0/reports/dailyPrintUsageByUser?\$filter=usageDate%20ge%20$from%20and%20usageDate%20le%20$to"
  local rows
  rows=$(curl -sf "$url" -H "Authorization: Bearer $reader" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["value"]))')
  # Warm-up: the first reads page the freshly written database in.
  for _ in $(seq 20); do curl -s -o /dev/null "$url" -H "Authorization: Bearer $reader"; done
  for _ in $(seq "$REQUESTS"); do
    curl -s -o /dev/null -w '%{time_total}\n' "$url" -H "Authorization: Bearer $reader"
  done | python3 -c "
import sys
t = sorted(float(x) * 1000 for x in sys.stdin)
p = lambda q: t[min(len(t) - 1, int(q * len(t)))]
print(f'$label: {len(t)} requests, {$rows} rows per page, p50 {p(0.50):.2f} ms, p99 {p(0.99):.2f} ms')
print(f'P99 {p(0.99):.4f}', file=sys.stderr)
" 2>"$dir/p99"
  kill $SERVER; wait $SERVER 2>/dev/null || true
  SERVER=
}

for jobs in 1000 1000000; do
  mkdir -p "$WORK/$jobs"
  t0=$(date +%s)
  seed "$WORK/$jobs" $jobs
  echo "seeded $jobs finished jobs in $(( $(date +%s) - t0 )) s ($(sqlite3 "$WORK/$jobs/platen.sqlite3" \
    "SELECT count(*) FROM usage_rollups") rollup rows)"
  measure "$WORK/$jobs" "$jobs jobs"
done
python3 -c "
a = float(open('$WORK/1000/p99').read().split()[1]); b = float(open('$WORK/1000000/p99').read().split()[1])
print(f'p99 ratio 10^6 / 10^3 jobs: {b / a:.2f}')"
