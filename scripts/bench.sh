#!/usr/bin/env bash
# The hot-path benchmark (figures printed, never asserted by tests). For each backend (SQLite with documents on
# local disk; PostgreSQL with documents in PostgreSQL), one release `platen serve`, wrk -t2 -c16, and for every
# hot path: requests/s, its ratio to `GET /healthz` measured on the same server in the same run, p50, p99 and
# p99.9 latency, and answers that were not the expected status:
#   - GET /healthz (no token): the baseline;
#   - authenticated GET of a share, of a job;
#   - first page of a job list (100 jobs) with 10^3 and with BENCH_JOBS (default 10^6) jobs stored, and with
#     $expand=documents;
#   - create job; durable cancel on distinct jobs (every 204 durable: SQLite synchronous=FULL, PostgreSQL
#     synchronous_commit=on); the whole user cycle (create, upload session, PUT 10 KB, start, cancel: 5 requests);
#   - fsyncs per cancel, counted by the kernel: strace on the server (SQLite), pg_stat_wal.wal_sync (PostgreSQL).
# Usage: scripts/bench.sh [seconds-per-run] [sqlite|postgres|both]
#   BENCH_JOBS               jobs stored for the large runs (default 1000000)
#   PLATEN_BENCH_BIN         the `platen` binary to measure (default: this tree's release build)
#   PLATEN_BENCH_POSTGRES    a PostgreSQL URL allowed to CREATE/DROP DATABASE
#                            (default $PLATEN_TEST_POSTGRES or postgres://postgres@127.0.0.1:5432/postgres)
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-10}
BACKENDS=${2:-both}
JOBS=${BENCH_JOBS:-1000000}
THREADS=2
CONNS=16
# shellcheck source=bench/common.sh
source scripts/bench/common.sh

SPREAD=8
more_printers() { # more_printers BASE → SPREAD_PRINTERS and SPREAD_SHARES (comma-separated), SPREAD printers in all
  local ps=() ss=() i
  for i in $(seq "$SPREAD"); do
    printer_with_share "$1" "Bench $i"
    ps+=("$NEW_PRINTER"); ss+=("$NEW_SHARE")
  done
  SPREAD_PRINTERS=$(IFS=,; echo "${ps[*]}")
  SPREAD_SHARES=$(IFS=,; echo "${ss[*]}")
}

seed_spread() { # seed_spread COUNT: adds COUNT jobs, job x on printer/share number x % SPREAD
  local saved_printer=$PRINTER saved_share=$SHARE i n=0 first
  IFS=, read -ra ps <<<"$SPREAD_PRINTERS"; IFS=, read -ra ss <<<"$SPREAD_SHARES"
  first=$(( $(max_id) + 1 ))
  # One seed per residue class, with ids that keep the class: seed a block, then move the rows that belong to
  # another printer (cheaper than per-row CASE expressions in both dialects).
  seed "$1"
  for i in $(seq 0 $((SPREAD - 1))); do
    sql "UPDATE jobs SET printer_id = '${ps[$i]}', share_id = '${ss[$i]}' WHERE id >= $first AND id % $SPREAD = $i" >/dev/null
  done
  sql "ANALYZE" >/dev/null
  [[ $BACKEND == sqlite ]] && empty_sqlite_log "$DATA/platen.sqlite3"
  PRINTER=$saved_printer SHARE=$saved_share
}

seed() { # seed COUNT: adds COUNT jobs
  [[ $1 -gt 0 ]] || return 0
  if [[ $BACKEND == sqlite ]]; then seed_sqlite "$DATA/platen.sqlite3" "$1"; else seed_postgres "$PG_URL" "$1"; fi
}
sql() { if [[ $BACKEND == sqlite ]]; then sqlite3 "$DATA/platen.sqlite3" "$1"; else psql -X -At -d "$PG_URL" -c "$1"; fi; }
jobs_stored() { sql "SELECT COUNT(*) FROM jobs"; }
max_id() { sql "SELECT COALESCE(MAX(id), 0) FROM jobs"; }

cycle_run() { # the whole user cycle, 16 clients; requests/s = 5 × cycles/s
  local out
  out=$(BENCH_LABEL=cycle BENCH_BASES=$NODE BENCH_SHARE=$SHARE BENCH_TOKEN=$USER BENCH_SECONDS=$DURATION BENCH_CLIENTS=$CONNS "$LOAD")
  read -r cps p50 p99 failed < <(echo "$out" | sed -E 's/.* ([0-9.]+) cycles\/s .*p50 +([0-9.]+) ms +p99 +([0-9.]+) ms +failed cycles ([0-9]+)/\1 \2 \3 \4/')
  local rps; rps=$(awk -v c="$cps" 'BEGIN{printf "%.2f", c * 5}')
  row "user cycle (5 requests; p = per cycle; $cps cycles/s)" "$rps" "$(awk -v m="$p50" 'BEGIN{print m*1000}')" \
    "$(awk -v m="$p99" 'BEGIN{print m*1000}')" 0 "$failed"
}

fsyncs_per_cancel() { # a separate short cancel run with the kernel counting fsyncs (strace slows it; not timed)
  local first=$1 before after done_before done_after
  done_before=$(sql "SELECT COUNT(*) FROM jobs WHERE state = 'canceled'")
  if [[ $BACKEND == sqlite ]]; then
    strace -q -f -c -e trace=fsync,fdatasync -o "$WORK/strace.out" -p "$NODE_PID" 2>/dev/null &
    local tracer=$!
    sleep 1
    env BENCH_PATH_PREFIX="/v1.0/print/shares/$SHARE/jobs/" BENCH_FIRST_ID="$first" BENCH_TOKEN="$USER" BENCH_THREADS=$THREADS \
      wrk -t$THREADS -c$CONNS -d3s -s scripts/bench/cancel.lua "$NODE" >/dev/null 2>&1 || true
    kill -INT $tracer; wait $tracer 2>/dev/null || true
    after=$(awk '$NF=="fsync" || $NF=="fdatasync"{n += $4} END{print n + 0}' "$WORK/strace.out")
    before=0
  else
    before=$(sql "SELECT wal_sync FROM pg_stat_wal")
    env BENCH_PATH_PREFIX="/v1.0/print/shares/$SHARE/jobs/" BENCH_FIRST_ID="$first" BENCH_TOKEN="$USER" BENCH_THREADS=$THREADS \
      wrk -t$THREADS -c$CONNS -d3s -s scripts/bench/cancel.lua "$NODE" >/dev/null 2>&1 || true
    sleep 1
    after=$(sql "SELECT wal_sync FROM pg_stat_wal")
  fi
  done_after=$(sql "SELECT COUNT(*) FROM jobs WHERE state = 'canceled'")
  awk -v f=$((after - before)) -v c=$((done_after - done_before)) \
    'BEGIN{ if (c > 0) printf "fsyncs per cancel: %.3f (%d fsyncs for %d cancels%s)\n", f / c, f, c, "" }'
}

bench_backend() {
  BACKEND=$1
  DATA=$WORK/$BACKEND
  mkdir -p "$DATA"
  if [[ $BACKEND == sqlite ]]; then
    start_node "$DATA"
    echo "### SQLite (WAL, synchronous=FULL), documents on local disk"
  else
    psql -q -X -d "$PG_ADMIN" -c "CREATE DATABASE $DB" >/dev/null
    start_node "$DATA" "$PG_URL"
    echo "### PostgreSQL $(sql 'SHOW server_version') (synchronous_commit=$(sql 'SHOW synchronous_commit')), documents in PostgreSQL"
  fi
  setup "$DATA" "$NODE"
  echo
  echo "| path | req/s | ÷ healthz | p50 ms | p99 ms | p99.9 ms | bad |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
  BASELINE=
  run_wrk "GET /healthz (no token; the baseline)" get.lua BENCH_PATH=/healthz BENCH_TOKEN=x
  BASELINE=$LAST_RPS
  seed 1000
  local job; job=$(sql "SELECT MIN(id) FROM jobs")
  local shares=/v1.0/print/shares/$SHARE
  run_wrk "GET share (user token)" get.lua BENCH_PATH="$shares" BENCH_TOKEN="$USER"
  run_wrk "GET job (user token)" get.lua BENCH_PATH="$shares/jobs/$job" BENCH_TOKEN="$USER"
  run_wrk "jobs list, first page, $(jobs_stored) stored" get.lua BENCH_PATH="$shares/jobs" BENCH_TOKEN="$USER"
  run_wrk "jobs list, first page, \$expand=documents, $(jobs_stored) stored" get.lua \
    BENCH_PATH="$shares/jobs?\$expand=documents" BENCH_TOKEN="$USER"
  run_wrk "create job" create.lua BENCH_PATH="$shares/jobs" BENCH_TOKEN="$USER"
  cycle_run
  local first=$(( $(max_id) + 1 ))
  # Up to BENCH_JOBS stored, and at least enough fresh jobs for the cancel runs whatever BENCH_JOBS is.
  local missing=$(( JOBS - $(jobs_stored) ))
  seed $(( missing > 150000 ? missing : 150000 ))
  run_wrk "jobs list, first page, $(jobs_stored) stored" get.lua BENCH_PATH="$shares/jobs" BENCH_TOKEN="$USER"
  run_wrk "durable cancel, distinct jobs, $(jobs_stored) stored" cancel.lua \
    BENCH_PATH_PREFIX="$shares/jobs/" BENCH_FIRST_ID=$first BENCH_TOKEN="$USER"
  local canceled; canceled=$(sql "SELECT COUNT(*) FROM jobs WHERE id >= $first AND state = 'canceled'")
  more_printers "$NODE"
  local spread_first=$(( $(max_id) + 1 ))
  seed_spread 200000
  run_wrk "durable cancel, distinct jobs on $SPREAD printers" cancel.lua \
    BENCH_SHARES="$SPREAD_SHARES" BENCH_FIRST_ID=$spread_first BENCH_TOKEN="$USER"
  run_wrk "GET /healthz (again, after the writes)" get.lua BENCH_PATH=/healthz BENCH_TOKEN=x
  echo
  echo "jobs canceled and durable after the cancel run: $canceled"
  fsyncs_per_cancel $(( first + canceled + CONNS * 4 ))
  echo "server RSS: $(ps -o rss= -p "$NODE_PID" | awk '{printf "%.1f MiB", $1/1024}')"
  # How far the log's file grew during the runs (the seeding empties it): ARCHITECTURE.md, checkpoints.
  [[ $BACKEND == sqlite ]] && echo "SQLite log file (-wal) after the runs: $(stat -c %s "$DATA/platen.sqlite3-wal" | awk '{printf "%.1f MiB", $1/1048576}')"
  echo
  kill "$NODE_PID"; wait "$NODE_PID" 2>/dev/null || true
}

echo "Platen hot-path benchmark: $(nproc) cores, wrk -t$THREADS -c$CONNS -d${DURATION}s per row, $BIN ($(git rev-parse --short HEAD))"
echo
case $BACKENDS in
  sqlite) bench_backend sqlite ;;
  postgres) bench_backend postgres ;;
  both) bench_backend sqlite; bench_backend postgres ;;
  *) echo "usage: scripts/bench.sh [seconds] [sqlite|postgres|both]" >&2; exit 2 ;;
esac
