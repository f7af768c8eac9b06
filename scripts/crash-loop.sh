#!/usr/bin/env bash
# The long crash loop: the API suite's crash-loop test (tests/api/crash_loop.rs) with many more kills, on SQLite
# and on PostgreSQL, printing what was acknowledged and checked. Usage: scripts/crash-loop.sh [KILLS] (default 200).
# PostgreSQL must answer on 127.0.0.1:5432 (./scripts/test.sh starts it).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
KILLS=${1:-200}
export PLATEN_CRASH_KILLS=$KILLS
for backend in sqlite postgres; do
  echo "==> $KILLS kills on $backend"
  PLATEN_TEST_BACKEND=$backend cargo test -q -p platen-server --test api crash_loop -- --nocapture 2>&1 |
    grep -E "crash loop|panicked|test result|assert" || { echo "crash loop on $backend: FAILED"; exit 1; }
done
