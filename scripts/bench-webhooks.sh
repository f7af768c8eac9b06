#!/usr/bin/env bash
# Webhook benchmark (figures printed, never asserted; driver: scripts/bench/webhooks.py):
#   - latency from `start` of a job on a printer with a task trigger to a local receiver getting the print task's
#     `created` notification (p50/p99, sequential jobs);
#   - notifications/s the outbox delivers to a local receiver from a backlog over several subscriptions, with the
#     default batching (up to 100 notifications per POST) and with one notification per POST.
# Usage: scripts/bench-webhooks.sh [latency-jobs] [backlog] [subscriptions]   (embedded SQLite)
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=${1:-300}
BACKLOG=${2:-20000}
SUBS=${3:-20}
command -v openssl >/dev/null || { echo "openssl is required" >&2; exit 1; }
cargo build --release -q -p platen-server
BIN=${CARGO_TARGET_DIR:-$PWD/target}/release/platen

run() { # label, extra env...
  local label=$1; shift
  local data port base server
  data=$(mktemp -d)
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  base=http://127.0.0.1:$port
  env PLATEN_LOG=warn PLATEN_DNSSD=false "$@" $BIN serve --listen 127.0.0.1:$port --public-url $base --data-dir "$data" \
    >"$data/server.log" 2>&1 &
  server=$!
  for _ in $(seq 100); do curl -sf $base/healthz >/dev/null && break; sleep 0.1; done
  echo "== $label"
  python3 scripts/bench/webhooks.py "$BIN" "$data" "$base" "$JOBS" "$BACKLOG" "$SUBS" || echo "(driver failed; log: $data/server.log)"
  kill $server 2>/dev/null; wait $server 2>/dev/null || true
  rm -rf "$data"
}

echo "Platen webhook benchmark: $(nproc) cores, SQLite (synchronous=FULL, WAL), receiver: Python ThreadingHTTPServer"
run "default delivery (<= 100 notifications per POST, 16 subscriptions in parallel)"
run "one notification per POST" PLATEN_WEBHOOK_DELIVERY__MAX_PER_POST=1
