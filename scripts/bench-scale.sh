#!/usr/bin/env bash
# Scale-out benchmarks; figures are printed, never asserted:
#   - full job cycles per second (create a job on a share + createUploadSession + PUT 10 KB + start + cancel),
#     16 concurrent clients, on SQLite (1 node), PostgreSQL (1 node) and PostgreSQL (2 nodes on one database,
#     consecutive requests alternating between the nodes, documents in PostgreSQL);
#   - POST cancel on distinct jobs (requests/s, p50, p99) with 10^6 jobs stored, on SQLite and on PostgreSQL.
# Usage: scripts/bench-scale.sh [seconds-per-run]
#   BENCH_JOBS         jobs stored for the cancel run (default 1000000)
#   PLATEN_BENCH_POSTGRES  a PostgreSQL URL allowed to CREATE/DROP DATABASE
#                      (default $PLATEN_TEST_POSTGRES or postgres://postgres@127.0.0.1:5432/postgres)
# Load generator: crates/platen-server/examples/bench_cycles.rs (cycles), wrk + scripts/bench/cancel.lua (cancel).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-10}
JOBS=${BENCH_JOBS:-1000000}
PG_ADMIN=${PLATEN_BENCH_POSTGRES:-${PLATEN_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/postgres}}
command -v wrk >/dev/null || apt-get install -y -qq wrk >/dev/null
command -v sqlite3 >/dev/null || apt-get install -y -qq sqlite3 >/dev/null
cargo build --release -q -p platen-server --bin platen --example bench_cycles
BIN=$PWD/target/release/platen
LOAD=$PWD/target/release/examples/bench_cycles
WORK=$(mktemp -d)
DB=platen_bench_$(tr -d '-' </proc/sys/kernel/random/uuid | cut -c1-12)
PG_URL=${PG_ADMIN%/*}/$DB
PIDS=()

cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  psql -q -X -d "$PG_ADMIN" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start_node DATA_DIR [DATABASE_URL] → sets NODE (base URL) and NODE_PID.
start_node() {
  local port; port=$(free_port)
  NODE=http://127.0.0.1:$port
  local db_args=()
  [[ -n ${2:-} ]] && db_args=(--database-url "$2")
  PLATEN_LOG=warn PLATEN_DNSSD=false $BIN serve --listen 127.0.0.1:$port --public-url "$NODE" --data-dir "$1" "${db_args[@]}" \
    >>"$1/server-$port.log" 2>&1 &
  NODE_PID=$!
  PIDS+=("$NODE_PID")
  for _ in $(seq 200); do curl -sf "$NODE/healthz" >/dev/null && return; sleep 0.1; done
  echo "bench-scale: node on $port did not start" >&2; cat "$1/server-$port.log" >&2; exit 1
}

stop_node() { kill "$1"; wait "$1" 2>/dev/null || true; }

TENANT=bench-tenant
USER_ID=aaaaaaaa-0000-0000-0000-000000000001

# setup DATA_DIR BASE → sets ADMIN USER PRINTER SHARE (a registered printer shared with everyone).
setup() {
  local dir=$1 base=$2
  ADMIN=$($BIN token user --data-dir "$dir" --tenant $TENANT --user aaaaaaaa-0000-0000-0000-0000000000ad --upn admin@bench \
    --scopes "Printer.FullControl.All PrinterShare.ReadWrite.All PrintJob.ReadWrite.All" --admin --expires-in 7200)
  USER=$($BIN token user --data-dir "$dir" --tenant $TENANT --user $USER_ID --upn user@bench \
    --scopes "PrintJob.ReadWrite PrinterShare.ReadBasic.All" --expires-in 7200)
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=bench -keyout "$dir/k.pem" -out "$dir/r.pem" 2>/dev/null
  local csr op
  csr=$(grep -v -- ----- "$dir/r.pem" | tr -d '\n')
  op=$(curl -sf -D - -o /dev/null "$base/v1.0/print/printers/create" -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
    -d "{\"displayName\":\"Bench\",\"manufacturer\":\"B\",\"model\":\"B\",\"physicalDeviceId\":\"$(cat /proc/sys/kernel/random/uuid)\",\"certificateSigningRequest\":{\"content\":\"$csr\",\"transportKey\":\"x\"}}" \
    | awk 'tolower($1)=="operation-location:"{print $2}' | tr -d '\r')
  PRINTER=$(curl -sf "$op" -H "Authorization: Bearer $ADMIN" | python3 -c 'import json,sys; print(json.load(sys.stdin)["printer"]["id"])')
  SHARE=$(curl -sf "$base/v1.0/print/shares" -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
    -d "{\"displayName\":\"Bench\",\"allowAllUsers\":true,\"printer@odata.bind\":\"$base/v1.0/print/printers/$PRINTER\"}" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
}

cycles() { # cycles LABEL BASES
  BENCH_LABEL=$1 BENCH_BASES=$2 BENCH_SHARE=$SHARE BENCH_TOKEN=$USER BENCH_SECONDS=$DURATION BENCH_CLIENTS=16 "$LOAD"
}

# The seeded jobs: queued jobs of USER on PRINTER, each with its document, as the API writes them.
JOB_COLUMNS="tenant_id, printer_id, share_id, phase, state, completion, status_reason, is_fetchable, created_at,
  created_by_id, created_by_name, created_by_upn, created_by_ip, configuration, display_name, redirected_from,
  redirected_to, error_code, acknowledged_at, completed_at, updated_at, version"
job_values() {
  echo "'$TENANT', '$PRINTER', NULL, 'queued', 'pending', NULL, NULL, 1, 1700000000000000 + x, '$USER_ID', 'User',
  'user@bench', '127.0.0.1', '{\"copies\":1}', NULL, NULL, NULL, NULL, NULL, NULL, 1700000000000000 + x, 1"
}
DOC_COLUMNS="tenant_id, id, job_id, display_name, content_type, size, sha256, uploaded_at, downloaded_at, blob_key"
DOC_VALUES="'$TENANT', 'doc-' || id, id, 'a.pdf', 'application/pdf', 1, NULL, created_at, NULL, NULL"

seed_sqlite() { # seed_sqlite FILE COUNT
  sqlite3 "$1" <<SQL
.output /dev/null
PRAGMA busy_timeout = 60000;
.output stdout
BEGIN;
WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < $2)
INSERT INTO jobs ($JOB_COLUMNS) SELECT $(job_values) FROM n;
INSERT INTO documents ($DOC_COLUMNS) SELECT $DOC_VALUES FROM jobs WHERE id NOT IN (SELECT job_id FROM documents);
COMMIT;
ANALYZE;
SQL
}

seed_postgres() { # seed_postgres URL COUNT
  psql -q -X -v ON_ERROR_STOP=1 -d "$1" <<SQL
BEGIN;
INSERT INTO jobs ($JOB_COLUMNS) SELECT $(job_values) FROM generate_series(1, $2) AS x;
INSERT INTO documents ($DOC_COLUMNS) SELECT $DOC_VALUES FROM jobs j WHERE NOT EXISTS (SELECT 1 FROM documents d WHERE d.job_id = j.id);
COMMIT;
ANALYZE;
SQL
}

cancel_run() { # cancel_run LABEL BASE FIRST_ID
  env BENCH_PATH_PREFIX="/v1.0/print/printers/$PRINTER/jobs/" BENCH_FIRST_ID=$3 BENCH_TOKEN=$USER BENCH_THREADS=2 \
    wrk -t2 -c16 -d"${DURATION}s" --latency -s scripts/bench/cancel.lua "$2" >"$WORK/wrk.out" 2>"$WORK/wrk.err" || true
  printf '%-44s %8s req/s   p50 %8s   p99 %8s   non-204 %s\n' "$1" \
    "$(awk '/Requests\/sec/{print $2}' "$WORK/wrk.out")" "$(awk '$1=="50%"{print $2}' "$WORK/wrk.out")" \
    "$(awk '$1=="99%"{print $2}' "$WORK/wrk.out")" "$(grep -c unexpected "$WORK/wrk.err" || true)"
}

echo "Platen scale-out benchmark: $(nproc) cores, ${DURATION}s per run, $(psql -X -At -d "$PG_ADMIN" -c 'SHOW server_version' 2>/dev/null | sed 's/^/PostgreSQL /')"
echo "SQLite: synchronous=FULL, WAL, documents on local disk; PostgreSQL: default (synchronous_commit=on), documents in PostgreSQL"
echo

# --- SQLite, one node ---------------------------------------------------------------------------------------
mkdir -p "$WORK/sqlite"
start_node "$WORK/sqlite"
SQLITE_NODE=$NODE SQLITE_PID=$NODE_PID
setup "$WORK/sqlite" "$SQLITE_NODE"
cycles "cycles, SQLite, 1 node" "$SQLITE_NODE"
FIRST=$(( $(sqlite3 "$WORK/sqlite/platen.sqlite3" "SELECT COALESCE(MAX(id), 0) FROM jobs") + 1 ))
seed_sqlite "$WORK/sqlite/platen.sqlite3" "$JOBS"
STORED=$(sqlite3 "$WORK/sqlite/platen.sqlite3" "SELECT COUNT(*) FROM jobs")
cancel_run "cancel, SQLite, $STORED jobs stored" "$SQLITE_NODE" "$FIRST"
stop_node "$SQLITE_PID"

# --- PostgreSQL, one node, then two ---------------------------------------------------------------------------
psql -q -X -d "$PG_ADMIN" -c "CREATE DATABASE $DB" >/dev/null
mkdir -p "$WORK/pg"
start_node "$WORK/pg" "$PG_URL"
PG_A=$NODE
setup "$WORK/pg" "$PG_A"
cycles "cycles, PostgreSQL, 1 node" "$PG_A"
start_node "$WORK/pg" "$PG_URL"
PG_B=$NODE PG_B_PID=$NODE_PID
cycles "cycles, PostgreSQL, 2 nodes (alternating)" "$PG_A,$PG_B"
stop_node "$PG_B_PID"
FIRST=$(( $(psql -X -At -d "$PG_URL" -c "SELECT COALESCE(MAX(id), 0) FROM jobs") + 1 ))
seed_postgres "$PG_URL" "$JOBS"
STORED=$(psql -X -At -d "$PG_URL" -c "SELECT COUNT(*) FROM jobs")
cancel_run "cancel, PostgreSQL, $STORED jobs stored" "$PG_A" "$FIRST"
