#!/usr/bin/env bash
# Scale-out benchmark; figures are printed, never asserted: full job cycles per second (create a job on a share +
# createUploadSession + PUT 10 KB + start + cancel), 16 concurrent clients, on SQLite (1 node), PostgreSQL (1 node)
# and PostgreSQL (2 nodes on one database, consecutive requests alternating between the nodes, documents in
# PostgreSQL). The single-node hot paths (cancel at 10^6 jobs stored, lists, …) are scripts/bench.sh's.
# Usage: scripts/bench-scale.sh [seconds-per-run]
#   PLATEN_BENCH_POSTGRES  a PostgreSQL URL allowed to CREATE/DROP DATABASE
#                          (default $PLATEN_TEST_POSTGRES or postgres://postgres@127.0.0.1:5432/postgres)
# Load generator: crates/platen-server/examples/bench_cycles.rs.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-10}
# shellcheck source=bench/common.sh
source scripts/bench/common.sh

cycles() { # cycles LABEL BASES
  BENCH_LABEL=$1 BENCH_BASES=$2 BENCH_SHARE=$SHARE BENCH_TOKEN=$USER BENCH_SECONDS=$DURATION BENCH_CLIENTS=16 "$LOAD"
}

echo "Platen scale-out benchmark: $(nproc) cores, ${DURATION}s per run, $(psql -X -At -d "$PG_ADMIN" -c 'SHOW server_version' 2>/dev/null | sed 's/^/PostgreSQL /')"
echo "SQLite: synchronous=FULL, WAL, documents on local disk; PostgreSQL: default (synchronous_commit=on), documents in PostgreSQL"
echo

mkdir -p "$WORK/sqlite"
start_node "$WORK/sqlite"
SQLITE_PID=$NODE_PID
setup "$WORK/sqlite" "$NODE"
cycles "cycles, SQLite, 1 node" "$NODE"
kill "$SQLITE_PID"; wait "$SQLITE_PID" 2>/dev/null || true

psql -q -X -d "$PG_ADMIN" -c "CREATE DATABASE $DB" >/dev/null
mkdir -p "$WORK/pg-a" "$WORK/pg-b"
start_node "$WORK/pg-a" "$PG_URL"
PG_A=$NODE
setup "$WORK/pg-a" "$PG_A"
cycles "cycles, PostgreSQL, 1 node" "$PG_A"
start_node "$WORK/pg-b" "$PG_URL"
cycles "cycles, PostgreSQL, 2 nodes (alternating)" "$PG_A,$NODE"
