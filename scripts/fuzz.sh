#!/usr/bin/env bash
# Runs Platen's cargo-fuzz (libFuzzer) targets (fuzz/fuzz_targets/) and prints, per target, the executions, the
# corpus size and the findings. Exits non-zero when a target finds a crash, a panic, a timeout or a leak of
# memory past libFuzzer's limits; the input is kept in fuzz/artifacts/<target>/ (replay it with
# `cargo +nightly fuzz run <target> <file>`, then add it to fuzz/regressions/<target>/ with the fix).
#
#   scripts/fuzz.sh                    every target for 10 s
#   scripts/fuzz.sh --time 600         every target for 600 s
#   scripts/fuzz.sh --runs 10000000    every target for 10^7 executions (the long run)
#   scripts/fuzz.sh --time 60 jwt      only the named targets
#   scripts/fuzz.sh --dev --time 10    unoptimised build (what ./scripts/test.sh runs: a cold build takes about 4
#                                      minutes instead of 9; fewer executions per second, the same checks)
#
# Each target starts from its committed seeds (fuzz/corpus/<target>/, made by fuzz/seeds/make_seeds.py) and its
# regressions (fuzz/regressions/<target>/); what it learns goes to fuzz/target/corpus/<target>/ (not committed),
# which later runs on this machine start from too. Needs the nightly toolchain (rustup) and cargo-fuzz, which
# is installed from crates.io when missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

LIMIT=(-max_total_time=10)
TARGETS=()
PROFILE=()
while (($#)); do
  case $1 in
    --time) LIMIT=(-max_total_time="$2"); shift 2 ;;
    --runs) LIMIT=(-runs="$2"); shift 2 ;;
    --dev) PROFILE=(--dev); shift ;;
    -h | --help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *) TARGETS+=("$1"); shift ;;
  esac
done

if ! rustup run nightly rustc --version >/dev/null 2>&1; then
  echo "fuzz.sh: the nightly toolchain is missing (cargo fuzz needs it for libFuzzer's instrumentation);" \
    "install it with: rustup toolchain install nightly --profile minimal" >&2
  exit 1
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "    installing cargo-fuzz (cargo install --locked cargo-fuzz)"
  cargo install --locked cargo-fuzz </dev/null
fi
((${#TARGETS[@]})) || mapfile -t TARGETS < <(cd fuzz && cargo +nightly fuzz list)

(cd fuzz && cargo +nightly fuzz build "${PROFILE[@]}") || { echo "fuzz.sh: building the fuzz targets failed" >&2; exit 1; }

failed=()
printf '\n%-18s %14s %10s %8s  %s\n' target executions exec/s corpus findings
for t in "${TARGETS[@]}"; do
  learned=fuzz/target/corpus/$t
  artifacts=fuzz/artifacts/$t
  mkdir -p "$learned" "$artifacts" "fuzz/regressions/$t"
  log=fuzz/target/$t.log
  rc=0
  # -timeout: an input taking 10 s is a finding (a hang); -rss_limit_mb: so is one needing 2 GiB.
  (cd fuzz && cargo +nightly fuzz run "${PROFILE[@]}" "$t" "../$learned" "corpus/$t" "regressions/$t" -- \
    "${LIMIT[@]}" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="../$artifacts/") >"$log" 2>&1 || rc=$?
  # -a: a log may hold raw bytes of an input; `|| true`: a run that died before its final stats still gets its
  # line in the table (and its exit status decides).
  execs=$(grep -ao 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1 || true)
  speed=$(grep -ao 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1 || true)
  size=$(find "$learned" -type f | wc -l)
  if ((rc == 0)); then
    findings=0
  else
    findings="FAILED (exit $rc): $(grep -a -m1 -E 'panicked at|ERROR: libFuzzer|SUMMARY' "$log" || echo "see $log")"
    failed+=("$t")
  fi
  printf '%-18s %14s %10s %8s  %s\n' "$t" "${execs:-?}" "${speed:-?}" "$size" "$findings"
done

if ((${#failed[@]})); then
  echo "fuzz.sh: findings in ${failed[*]} (inputs in fuzz/artifacts/, logs in fuzz/target/*.log)" >&2
  exit 1
fi
echo "fuzz.sh: no findings in ${#TARGETS[@]} targets"
