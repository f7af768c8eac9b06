# Shared by scripts/bench.sh and scripts/bench-scale.sh (sourced, from the repository root): the release build,
# a work directory and a PostgreSQL database that go on exit, starting `platen serve` nodes, a registered printer
# shared with everyone, and jobs seeded straight into the database as the API writes them.
PG_ADMIN=${PLATEN_BENCH_POSTGRES:-${PLATEN_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/postgres}}
for tool in wrk sqlite3 strace; do
  command -v $tool >/dev/null || apt-get install -y -qq $tool >/dev/null
done
cargo build --release -q -p platen-server --bin platen --example bench_cycles
# PLATEN_BENCH_BIN: another build of `platen` to measure with the same script (a "before" figure).
BIN=${PLATEN_BENCH_BIN:-$PWD/target/release/platen}
LOAD=$PWD/target/release/examples/bench_cycles
# A caller may choose the work directory (on disk rather than tmpfs, say) before sourcing this file.
WORK=${WORK:-$(mktemp -d)}
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

start_node() { # start_node DATA_DIR [DATABASE_URL] → NODE (base URL), NODE_PID
  local port; port=$(free_port)
  NODE=http://127.0.0.1:$port
  local db_args=()
  [[ -n ${2:-} ]] && db_args=(--database-url "$2")
  PLATEN_LOG=warn PLATEN_DNSSD=false $BIN serve --listen 127.0.0.1:$port --public-url "$NODE" --data-dir "$1" "${db_args[@]}" \
    >>"$1/server.log" 2>&1 &
  NODE_PID=$!
  PIDS+=("$NODE_PID")
  for _ in $(seq 200); do curl -sf "$NODE/healthz" >/dev/null && return; sleep 0.1; done
  echo "bench: the server did not start" >&2; cat "$1/server.log" >&2; exit 1
}

TENANT=bench-tenant
USER_ID=aaaaaaaa-0000-0000-0000-000000000001

printer_with_share() { # printer_with_share BASE NAME → NEW_PRINTER NEW_SHARE: a registered printer shared with everyone
  local base=$1 name=$2 keys csr op
  keys=$(mktemp -d "$WORK/csr.XXXXXX")
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$name" -keyout "$keys/k.pem" -out "$keys/r.pem" 2>/dev/null
  csr=$(grep -v -- ----- "$keys/r.pem" | tr -d '\n')
  op=$(curl -sf -D - -o /dev/null "$base/v1.0/print/printers/create" -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
    -d "{\"displayName\":\"$name\",\"manufacturer\":\"B\",\"model\":\"B\",\"physicalDeviceId\":\"$(cat /proc/sys/kernel/random/uuid)\",\"certificateSigningRequest\":{\"content\":\"$csr\",\"transportKey\":\"x\"}}" \
    | awk 'tolower($1)=="operation-location:"{print $2}' | tr -d '\r')
  NEW_PRINTER=$(curl -sf "$op" -H "Authorization: Bearer $ADMIN" | python3 -c 'import json,sys; print(json.load(sys.stdin)["printer"]["id"])')
  NEW_SHARE=$(curl -sf "$base/v1.0/print/shares" -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
    -d "{\"displayName\":\"$name\",\"allowAllUsers\":true,\"printer@odata.bind\":\"$base/v1.0/print/printers/$NEW_PRINTER\"}" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
}

setup() { # setup DATA_DIR BASE → ADMIN USER PRINTER SHARE (a registered printer shared with everyone)
  local dir=$1 base=$2
  ADMIN=$($BIN token user --data-dir "$dir" --tenant $TENANT --user aaaaaaaa-0000-0000-0000-0000000000ad --upn admin@bench \
    --scopes "Printer.FullControl.All PrinterShare.ReadWrite.All PrintJob.ReadWrite.All" --admin --expires-in 7200)
  USER=$($BIN token user --data-dir "$dir" --tenant $TENANT --user $USER_ID --upn user@bench \
    --scopes "PrintJob.ReadWrite PrinterShare.ReadBasic.All" --expires-in 7200)
  printer_with_share "$base" Bench
  PRINTER=$NEW_PRINTER SHARE=$NEW_SHARE
}

# Seeded jobs: queued jobs of USER on the share, each with its document and history row, as the API writes them
# (the API would take minutes for 10^6).
JOB_COLUMNS="tenant_id, printer_id, share_id, phase, state, completion, status_reason, is_fetchable, created_at,
  created_by_id, created_by_name, created_by_upn, created_by_ip, configuration, display_name, redirected_from,
  redirected_to, error_code, acknowledged_at, completed_at, updated_at, version"
job_values() {
  echo "'$TENANT', '$PRINTER', '$SHARE', 'queued', 'pending', NULL, NULL, 1, 1700000000000000 + x, '$USER_ID', 'User',
  'user@bench', '127.0.0.1', '{\"copies\":1}', NULL, NULL, NULL, NULL, NULL, NULL, 1700000000000000 + x, 1"
}
DOC_COLUMNS="tenant_id, id, job_id, display_name, content_type, size, sha256, uploaded_at, downloaded_at, blob_key"
DOC_VALUES="'$TENANT', 'doc-' || id, id, 'a.pdf', 'application/pdf', 1, NULL, created_at, NULL, NULL"

seed_sqlite() { # seed_sqlite FILE COUNT: adds COUNT jobs
  sqlite3 "$1" <<SQL
.output /dev/null
PRAGMA busy_timeout = 60000;
.output stdout
BEGIN;
WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < $2)
INSERT INTO jobs ($JOB_COLUMNS) SELECT $(job_values) FROM n;
INSERT INTO documents ($DOC_COLUMNS) SELECT $DOC_VALUES FROM jobs j
  WHERE j.id > (SELECT COALESCE(MAX(job_id), 0) FROM documents);
COMMIT;
ANALYZE;
SQL
  empty_sqlite_log "$1"
}

# The seeding's transactions write up to ~1 GB of log: copied into the database and the log's file emptied after
# them, so that the log's size printed after the runs is theirs (the server's writer waits, no request does).
empty_sqlite_log() { # empty_sqlite_log FILE
  sqlite3 "$1" "PRAGMA busy_timeout = 60000; PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
}

seed_postgres() { # seed_postgres URL COUNT: adds COUNT jobs
  psql -q -X -v ON_ERROR_STOP=1 -d "$1" <<SQL
BEGIN;
INSERT INTO jobs ($JOB_COLUMNS) SELECT $(job_values) FROM generate_series(1, $2) AS x;
INSERT INTO documents ($DOC_COLUMNS) SELECT $DOC_VALUES FROM jobs j
  WHERE j.id > (SELECT COALESCE(MAX(job_id), 0) FROM documents);
COMMIT;
ANALYZE;
SQL
}

# A row of the hot-path tables: req/s, its ratio to BASELINE (the /healthz req/s of the same run, when set),
# p50/p99/p99.9 in ms and answers that were not the expected status. Uses THREADS, CONNS, DURATION, NODE, WORK.
BASELINE=
row() { # row LABEL RPS P50_US P99_US P999_US BAD
  local ratio=-
  [[ -n $BASELINE ]] && ratio=$(awk -v r="$2" -v b="$BASELINE" 'BEGIN{ if (b > 0) printf "%.3f×", r / b }')
  printf '| %-52s | %10s | %8s | %8.2f | %8.2f | %8.2f | %5s |\n' "$1" "$2" "$ratio" \
    "$(awk -v u="$3" 'BEGIN{print u/1000}')" "$(awk -v u="$4" 'BEGIN{print u/1000}')" "$(awk -v u="$5" 'BEGIN{print u/1000}')" "$6"
}

run_wrk() { # run_wrk LABEL SCRIPT ENV… → prints a row; RPS is left in LAST_RPS
  local label=$1 script=$2; shift 2
  env "$@" BENCH_THREADS=$THREADS wrk -t$THREADS -c$CONNS -d"${DURATION}s" -s "scripts/bench/$script" "$NODE" \
    >"$WORK/wrk.out" 2>"$WORK/wrk.err" || true
  LAST_RPS=$(awk '/Requests\/sec/{print $2}' "$WORK/wrk.out")
  local lat bad
  lat=$(awk '$1=="latency-us"{print $2, $3, $4}' "$WORK/wrk.out")
  LAST_P99=$(awk '$1=="latency-us"{print $3}' "$WORK/wrk.out")
  bad=$(grep -c unexpected "$WORK/wrk.err" || true)
  # shellcheck disable=SC2086
  row "$label" "$LAST_RPS" $lat "$bad"
}

