#!/usr/bin/env bash
# The long runs of the API suite's proofs, on SQLite and on PostgreSQL (two nodes, one killed), printing what
# was checked:
#   - the crash loop (tests/api/crash_loop.rs) with KILLS kills (default 200);
#   - the randomized race trials (tests/api/race_trials.rs) with TRIALS trials of each kind (default 3334, so
#     about 10^4 in all);
#   - LONG_POLLS device long polls waiting at once (tests/api/resource_limits.rs, default 10^4) against the release
#     build: descriptors and memory per poll, time for all to answer one job change.
# Usage: scripts/long-proofs.sh [KILLS] [TRIALS] [LONG_POLLS]. PostgreSQL must answer on 127.0.0.1:5432 (./scripts/test.sh
# starts it).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PLATEN_CRASH_KILLS=${1:-200} PLATEN_RACE_TRIALS=${2:-3334}
for backend in sqlite postgres; do
  for proof in crash_loop race_trials; do
    echo "==> $proof on $backend (kills: $PLATEN_CRASH_KILLS, trials of each kind: $PLATEN_RACE_TRIALS)"
    start=$SECONDS
    PLATEN_TEST_BACKEND=$backend cargo test -q -p platen-server --test api "$proof" -- --nocapture 2>&1 |
      grep -E "crash loop|panicked|test result|assert" || { echo "$proof on $backend: FAILED"; exit 1; }
    echo "    $((SECONDS - start)) s"
  done
done
echo "==> ${3:-10000} long polls waiting at once, release build"
cargo build -q --release -p platen-server
for backend in sqlite postgres; do
  PLATEN_TEST_BACKEND=$backend PLATEN_TEST_LONG_POLLS=${3:-10000} PLATEN_TEST_SERVER_BIN=$PWD/target/release/platen \
    cargo test -q -p platen-server --test api resource_limits -- --nocapture 2>&1 |
    grep -E "figure|panicked|test result" || { echo "long polls on $backend: FAILED"; exit 1; }
done
