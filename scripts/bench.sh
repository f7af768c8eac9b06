#!/usr/bin/env bash
# Benchmarks that print figures (never asserted by tests):
#   - requests/s of `cancel` on distinct jobs (valid tokens, state durable before the 204) and of trivial routes,
#     in the same run against the same server;
#   - p50/p99 latency of the first page of a job list with 10^3 and with 10^5 jobs stored.
# Usage: scripts/bench.sh [seconds-per-run]   (embedded default: SQLite, documents on local disk)
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-10}
THREADS=2
CONNS=16
command -v wrk >/dev/null || apt-get install -y -qq wrk >/dev/null
command -v sqlite3 >/dev/null || apt-get install -y -qq sqlite3 >/dev/null
cargo build --release -q -p platen-server
BIN=$PWD/target/release/platen
DATA=$(mktemp -d)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BASE=http://127.0.0.1:$PORT
PLATEN_DNSSD=false $BIN serve --listen 127.0.0.1:$PORT --public-url $BASE --data-dir "$DATA" >"$DATA/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; rm -rf "$DATA"' EXIT
for _ in $(seq 100); do curl -sf $BASE/healthz >/dev/null && break; sleep 0.1; done

TENANT=bench-tenant
USER_ID=aaaaaaaa-0000-0000-0000-000000000001
ADMIN=$($BIN token user --data-dir "$DATA" --tenant $TENANT --user aaaaaaaa-0000-0000-0000-0000000000ad --upn admin@bench --scopes "Printer.FullControl.All PrinterShare.ReadWrite.All PrintJob.ReadWrite.All" --admin --expires-in 7200)
USER=$($BIN token user --data-dir "$DATA" --tenant $TENANT --user $USER_ID --upn user@bench --scopes "PrintJob.ReadWrite PrinterShare.ReadBasic.All" --expires-in 7200)
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=bench -keyout "$DATA/k.pem" -out "$DATA/r.pem" 2>/dev/null
CSR=$(grep -v -- ----- "$DATA/r.pem" | tr -d '\n')
OP=$(curl -sf -D - -o /dev/null $BASE/v1.0/print/printers/create -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
  -d "{\"displayName\":\"Bench\",\"manufacturer\":\"B\",\"model\":\"B\",\"physicalDeviceId\":\"$(cat /proc/sys/kernel/random/uuid)\",\"certificateSigningRequest\":{\"content\":\"$CSR\",\"transportKey\":\"x\"}}" \
  | awk 'tolower($1)=="operation-location:"{print $2}' | tr -d '\r')
PRINTER=$(curl -sf "$OP" -H "Authorization: Bearer $ADMIN" | python3 -c 'import json,sys; print(json.load(sys.stdin)["printer"]["id"])')

# Seeds jobs straight into the database (the API path would take minutes for 10^5 jobs): queued (started)
# jobs of USER on PRINTER, each with its document and history row, as the API would have written them.
seed() { # seed COUNT
  sqlite3 "$DATA/platen.sqlite3" <<SQL
.output /dev/null
PRAGMA busy_timeout = 60000;
.output stdout
BEGIN;
WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < $1)
INSERT INTO jobs (tenant_id, printer_id, share_id, phase, state, completion, status_reason, is_fetchable, created_at,
  created_by_id, created_by_name, created_by_upn, created_by_ip, configuration, display_name, redirected_from,
  redirected_to, error_code, acknowledged_at, completed_at, updated_at, version)
SELECT '$TENANT', '$PRINTER', NULL, 'queued', 'pending', NULL, NULL, 1, 1700000000000000 + x, '$USER_ID', 'User',
  'user@bench', '127.0.0.1', '{"copies":1}', NULL, NULL, NULL, NULL, NULL, NULL, 1700000000000000 + x, 1 FROM n;
INSERT INTO documents (tenant_id, id, job_id, display_name, content_type, size, sha256, uploaded_at, downloaded_at, blob_key)
SELECT '$TENANT', 'doc-' || id, id, 'a.pdf', 'application/pdf', 1, NULL, created_at, NULL, NULL FROM jobs
WHERE id NOT IN (SELECT job_id FROM documents);
COMMIT;
SQL
}
jobs_stored() { sqlite3 "$DATA/platen.sqlite3" "SELECT COUNT(*) FROM jobs"; }
max_id() { sqlite3 "$DATA/platen.sqlite3" "SELECT MAX(id) FROM jobs"; }

run_wrk() { # label script env...
  local label=$1 script=$2; shift 2
  env "$@" BENCH_THREADS=$THREADS wrk -t$THREADS -c$CONNS -d${DURATION}s --latency -s "scripts/bench/$script" $BASE >"$DATA/wrk.out" 2>"$DATA/wrk.err" || true
  local rps p50 p99 errs
  rps=$(awk '/Requests\/sec/{print $2}' "$DATA/wrk.out")
  p50=$(awk '$1=="50%"{print $2}' "$DATA/wrk.out")
  p99=$(awk '$1=="99%"{print $2}' "$DATA/wrk.out")
  errs=$(grep -c unexpected "$DATA/wrk.err" || true)
  printf '%-52s %10s req/s   p50 %8s   p99 %8s   non-2xx %s\n' "$label" "$rps" "$p50" "$p99" "$errs"
}

echo "Platen benchmark: $(nproc) cores, wrk -t$THREADS -c$CONNS -d${DURATION}s, SQLite (synchronous=FULL, WAL)"
seed 1000
JOBS_PATH=/v1.0/print/printers/$PRINTER/jobs
run_wrk "GET /healthz (no auth)" get.lua BENCH_PATH=/healthz BENCH_TOKEN=$USER
run_wrk "GET /v1.0/print/services (token checked)" get.lua BENCH_PATH=/v1.0/print/services BENCH_TOKEN=$USER
run_wrk "jobs list, first page, $(jobs_stored) jobs stored" get.lua BENCH_PATH="$JOBS_PATH" BENCH_TOKEN=$ADMIN
seed $((100000 - $(jobs_stored)))
run_wrk "jobs list, first page, $(jobs_stored) jobs stored" get.lua BENCH_PATH="$JOBS_PATH" BENCH_TOKEN=$ADMIN
run_wrk "jobs list, first page (own jobs, user), $(jobs_stored) stored" get.lua BENCH_PATH="$JOBS_PATH" BENCH_TOKEN=$USER
FIRST=$(( $(max_id) + 1 ))
seed 200000
run_wrk "POST cancel, distinct jobs ($(jobs_stored) stored)" cancel.lua BENCH_PATH_PREFIX="$JOBS_PATH/" BENCH_FIRST_ID=$FIRST BENCH_TOKEN=$USER
CANCELED=$(sqlite3 "$DATA/platen.sqlite3" "SELECT COUNT(*) FROM jobs WHERE id >= $FIRST AND state = 'canceled'")
echo "jobs canceled and durable in the database after the cancel run: $CANCELED"
run_wrk "GET /healthz (after, same server)" get.lua BENCH_PATH=/healthz BENCH_TOKEN=$USER
echo "server RSS: $(ps -o rss= -p $SERVER | awk '{printf "%.1f MiB", $1/1024}')"
