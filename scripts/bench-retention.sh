#!/usr/bin/env bash
# Retention's purge (figures printed, never asserted by tests): BENCH_JOBS (default 10^6) finished jobs, each with
# a stored document, purged by `platen serve` ([retention] documents and jobs of 1 s, purge every second) — bytes
# first, then records, in one pass — as jobs per second; and the durable cancel's latency (wrk -t2 -c16 on distinct jobs)
# without a purge and during it, with the ratio of the p99s. Also the server's RSS at the end.
# Usage: scripts/bench-retention.sh [seconds-per-cancel-run] [sqlite|postgres]
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-10}
BACKEND=${2:-sqlite}
JOBS=${BENCH_JOBS:-1000000}
THREADS=2
CONNS=16
# shellcheck source=bench/common.sh
source scripts/bench/common.sh

# (sqlite3 waits for the server's writer instead of failing with "database is locked" while the purge writes)
sql() { if [[ $BACKEND == sqlite ]]; then sqlite3 -cmd ".timeout 30000" "$DATA/platen.sqlite3" "$1"; else psql -X -At -d "$PG_URL" -c "$1"; fi; }
seed() { if [[ $BACKEND == sqlite ]]; then seed_sqlite "$DATA/platen.sqlite3" "$1"; else seed_postgres "$PG_URL" "$1"; fi; }
node() { # node [retention env…]: (re)starts the one node on DATA with these PLATEN_RETENTION__ settings
  if [[ $BACKEND == sqlite ]]; then start_node "$DATA"; else start_node "$DATA" "$PG_URL"; fi
}

DATA=$WORK/$BACKEND
mkdir -p "$DATA"
[[ $BACKEND == postgres ]] && psql -q -X -d "$PG_ADMIN" -c "CREATE DATABASE $DB" >/dev/null
export PLATEN_RETENTION__DOCUMENTS=off PLATEN_RETENTION__JOBS=off
node
setup "$DATA" "$NODE"
# The finished jobs: seeded queued, then ended long ago, each document's bytes "stored" under a key of its own
# (no file behind it: deleting a blob that is not there is a no-op, so the figure is the database's work).
seed "$JOBS"
sql "UPDATE jobs SET phase = 'completed', state = 'completed', is_fetchable = 0, completed_at = created_at" >/dev/null
sql "UPDATE documents SET blob_key = 'bench/' || id" >/dev/null
sql "ANALYZE" >/dev/null
# Cancel targets: queued jobs after them.
first=$(( $(sql "SELECT MAX(id) FROM jobs") + 1 ))
seed 400000
echo "## Retention purge, $BACKEND, $(sql "SELECT COUNT(*) FROM jobs WHERE completed_at IS NOT NULL") finished jobs ($(nproc) cores)"
echo
echo "| run | req/s | ÷ healthz | p50 ms | p99 ms | p99.9 ms | bad |"
echo "|---|---:|---:|---:|---:|---:|---:|"
BASELINE=
run_wrk "durable cancel, no purge" cancel.lua BENCH_PATH_PREFIX="/v1.0/print/shares/$SHARE/jobs/" BENCH_FIRST_ID=$first BENCH_TOKEN="$USER"
quiet_p99=$LAST_P99
next=$(( $(sql "SELECT MAX(id) FROM jobs WHERE state = 'canceled'") + 1 ))

kill "$NODE_PID"; wait "$NODE_PID" 2>/dev/null || true
export PLATEN_RETENTION__DOCUMENTS=1s PLATEN_RETENTION__JOBS=1s PLATEN_RETENTION__PURGE_INTERVAL=1s
node
started=$(date +%s.%N)
sleep 2
run_wrk "durable cancel, during the purge" cancel.lua BENCH_PATH_PREFIX="/v1.0/print/shares/$SHARE/jobs/" BENCH_FIRST_ID=$next BENCH_TOKEN="$USER"
purge_p99=$LAST_P99
echo
awk -v q="$quiet_p99" -v p="$purge_p99" 'BEGIN{ if (q > 0) printf "cancel p99 during the purge ÷ without: %.2f\n", p / q }'
# A pass takes the jobs that ended before its start: bytes first, then records. The seeded jobs are gone once
# the first pass is done (jobs canceled during the run above wait for the next pass).
for _ in $(seq 14400); do
  left_jobs=$(sql "SELECT COUNT(*) FROM jobs WHERE id < $first")
  [[ -n $left_jobs && $left_jobs -eq 0 ]] && break
  sleep 0.5
done
ended=$(date +%s.%N)
awk -v n="$JOBS" -v s="$started" -v e="$ended" 'BEGIN{
  printf "%d finished jobs purged (document bytes, then records) in %.1f s: %.0f jobs/s\n", n, e - s, n / (e - s) }'
sleep 5
echo "orphan blobs left for the sweeper: $(sql 'SELECT COUNT(*) FROM orphan_blobs')"
echo "server RSS: $(ps -o rss= -p "$NODE_PID" | awk '{printf "%.1f MiB", $1/1024}')"
