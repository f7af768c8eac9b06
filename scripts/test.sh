#!/usr/bin/env bash
# Platen's test command: ./scripts/test.sh
#
# On a Debian machine with the Rust toolchain, it
#   1. installs what the tests need when missing: Debian packages (apt-get), PostgreSQL, and a Python
#      venv at ./.venv with the pinned packages of tests/compat/requirements.txt (reinstalled only when a
#      requirements file changes);
#   2. makes sure PostgreSQL answers on 127.0.0.1:5432 and exports PLATEN_TEST_POSTGRES;
#   3. runs cargo fmt --check, clippy (-D warnings), cargo deny (deny.toml; cargo-deny is installed from
#      crates.io when missing) and cargo test (--no-fail-fast) for the whole workspace, then every cargo-fuzz
#      target briefly (scripts/fuzz.sh; nightly toolchain, cargo-fuzz installed when missing);
#   4. builds the `platen` binary and runs the Graph SDK compatibility suites against it: Microsoft's Python SDKs
#      (tests/compat) and Microsoft's JavaScript Graph client on Node (tests/compat-js, `npm ci` from its lock).
# It exits non-zero when anything fails and ends with a one-line summary. Non-interactive (CI=true, no stdin).
#
# Options:
#   --compat-only   skip cargo fmt/clippy/test; still set up, build the binary and run tests/compat
#   -h, --help      show this help
set -euo pipefail

# Debian packages the tests need (add more here, e.g. cups-ipp-utils; iproute2: the DNS-SD test sets up a
# private network namespace with `ip`; libgxps-utils: `xpstopdf`, the OXPS → PDF converter).
APT_PACKAGES=(openssl cups-ipp-utils dbus iproute2 cups cups-client cups-filters libgxps-utils poppler-utils chromium fonts-dejavu-core)
# Python requirement files installed into ./.venv; any change to them triggers a reinstall.
REQUIREMENTS=(tests/compat/requirements.txt tests/s3/requirements.txt)
PG_URL_DEFAULT="postgres://postgres@127.0.0.1:5432/postgres"

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
VENV=$ROOT/.venv
export DEBIAN_FRONTEND=noninteractive
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1

COMPAT_ONLY=0
for arg in "$@"; do
  case $arg in
    --compat-only) COMPAT_ONLY=1 ;;
    -h | --help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "test.sh: unknown argument: $arg (see --help)" >&2; exit 2 ;;
  esac
done

START=$SECONDS
PHASE=setup
RESULTS=()
FAILED=()

step() { printf '\n==> %s\n' "$*"; }
note() { printf '    %s\n' "$*"; }

on_exit() {
  local rc=$?
  if [[ $PHASE == setup && $rc -ne 0 ]]; then
    echo
    echo "test.sh: FAILED during setup (${CURRENT_STEP:-?}) after $((SECONDS - START))s"
  fi
}
trap on_exit EXIT

# cargo-deny's checks of deny.toml (licences, banned and duplicate crates, sources). cargo-deny is installed
# from crates.io when missing (`cargo install --locked`: a few minutes of compiling, once per machine). The
# advisories check is left out: it needs a clone of the RustSec advisory database from GitHub, which this
# project's machines and CI cannot reach (only package registries are), so `cargo deny check` as a whole fails
# with "failed to fetch advisory database" here.
cargo_deny() {
  if ! cargo deny --version >/dev/null 2>&1; then
    note "installing cargo-deny (cargo install --locked cargo-deny)"
    cargo install --locked cargo-deny </dev/null || return 1
  fi
  cargo deny check licenses bans sources
}

# Runs one check; records the result and carries on so that one failure does not hide the others.
check() {
  local name=$1; shift
  step "$name"
  local t0=$SECONDS
  if "$@"; then
    RESULTS+=("ok    $name ($((SECONDS - t0))s)")
  else
    RESULTS+=("FAIL  $name ($((SECONDS - t0))s)")
    FAILED+=("$name")
  fi
}

as_root() {
  if [[ $(id -u) -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo -n "$@"
  else
    echo "test.sh: '$*' needs root (run as root or install sudo)" >&2
    return 1
  fi
}

APT_UPDATED=0
apt_install() {
  (($# == 0)) && return 0
  command -v apt-get >/dev/null 2>&1 || { echo "test.sh: apt-get not found; install manually: $*" >&2; return 1; }
  note "installing Debian packages: $*"
  if ((APT_UPDATED == 0)); then
    as_root apt-get update -q
    APT_UPDATED=1
  fi
  as_root apt-get install -y -q --no-install-recommends "$@" </dev/null
}

deb_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

sha256_of_files() { cat "$@" | sha256sum | cut -d' ' -f1; }

# --- 1. packages ------------------------------------------------------------------------------------

CURRENT_STEP="Debian packages"
step "$CURRENT_STEP"
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  deb_installed "$pkg" || missing+=("$pkg")
done
if ! command -v python3 >/dev/null 2>&1; then
  missing+=(python3 python3-venv)
elif ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
  missing+=(python3-venv)
fi
# Node.js and npm for the JavaScript Graph client suite: the machine's own, else Debian's.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi
if ((${#missing[@]})); then
  apt_install "${missing[@]}"
else
  note "all present: ${APT_PACKAGES[*]} python3 (venv) node npm"
fi

# cups-ipp-utils, cups and dbus are installed above, so the device, connector and IPP client tests must run (the
# IPP Everywhere suite needs ipptool, cupsd, lpadmin, lp and cancel and fails when one is missing); with this set,
# platen-testkit fails them (instead of skipping) when ippeveprinter or dbus-daemon is missing.
export PLATEN_TEST_REQUIRE_IPPEVEPRINTER=1

CURRENT_STEP="Rust toolchain components"
step "$CURRENT_STEP"
command -v cargo >/dev/null 2>&1 || { echo "test.sh: cargo not found; install the Rust toolchain (rustup)" >&2; exit 1; }
for comp in rustfmt clippy; do
  sub=${comp/rustfmt/fmt}
  if ! cargo "$sub" --version >/dev/null 2>&1; then
    command -v rustup >/dev/null 2>&1 || { echo "test.sh: cargo $sub missing and rustup not found" >&2; exit 1; }
    note "adding rustup component $comp"
    rustup component add "$comp"
  fi
done
note "$(cargo --version)"

# --- 2. Python venv ---------------------------------------------------------------------------------

CURRENT_STEP="Python venv (.venv)"
step "$CURRENT_STEP"
if ! "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
  note "creating $VENV with $(python3 --version 2>&1)"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
fi
STAMP=$VENV/.platen-requirements.sha256
want_hash="$(sha256_of_files "${REQUIREMENTS[@]}") $("$VENV/bin/python" -c 'import sys; print(sys.version.split()[0])')"
if [[ ! -f $STAMP || $(cat "$STAMP") != "$want_hash" ]]; then
  note "installing ${REQUIREMENTS[*]}"
  rm -f "$STAMP"
  req_args=()
  for r in "${REQUIREMENTS[@]}"; do req_args+=(-r "$r"); done
  "$VENV/bin/python" -m pip install -q "${req_args[@]}" </dev/null
  echo "$want_hash" >"$STAMP"
else
  note "up to date (requirements unchanged)"
fi
"$VENV/bin/python" -m pip freeze 2>/dev/null | grep -iE '^(msgraph-sdk|msgraph-beta-sdk|httpx|pytest|moto)==' | sed 's/^/    /' || true
# The S3 server the blob store's S3 conformance test runs against.
export PLATEN_TEST_MOTO_SERVER=$VENV/bin/moto_server

# Node packages of tests/compat-js, exactly as locked; reinstalled only when the lock file changes.
CURRENT_STEP="Node packages (tests/compat-js)"
step "$CURRENT_STEP"
JS_DIR=tests/compat-js
if [[ ! -f $JS_DIR/node_modules/.package-lock.json || $JS_DIR/package-lock.json -nt $JS_DIR/node_modules/.package-lock.json ]]; then
  note "npm ci in $JS_DIR"
  npm ci --prefix "$JS_DIR" --no-audit --no-fund </dev/null || { echo "test.sh: npm ci failed in $JS_DIR" >&2; exit 1; }
else
  note "up to date"
fi

# --- 3. PostgreSQL ----------------------------------------------------------------------------------

CURRENT_STEP="PostgreSQL on 127.0.0.1:5432"
step "$CURRENT_STEP"
PG_MARKER=/etc/postgresql/.installed-by-platen-test-sh

pg_ready() { command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p 5432; }
pg_clusters() { ls -d /etc/postgresql/*/main 2>/dev/null || true; }

if ! pg_ready; then
  if [[ -z $(pg_clusters) ]]; then
    apt_install postgresql
    as_root touch "$PG_MARKER"
  fi
  for cluster in $(pg_clusters); do
    version=$(basename "$(dirname "$cluster")")
    note "starting PostgreSQL cluster $version/main"
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  done
  for _ in $(seq 1 60); do pg_ready && break; sleep 0.5; done
  pg_ready || { echo "test.sh: PostgreSQL does not answer on 127.0.0.1:5432" >&2; exit 1; }
fi
export PLATEN_TEST_POSTGRES=${PLATEN_TEST_POSTGRES:-$PG_URL_DEFAULT}

pg_login() { psql -w -X -q -d "$PLATEN_TEST_POSTGRES" -c 'select 1' >/dev/null 2>&1; }
if ! pg_login && [[ -f $PG_MARKER ]]; then
  # A PostgreSQL this script installed: let the postgres role in over loopback without a password,
  # as PLATEN_TEST_POSTGRES has none (test machines only).
  for cluster in $(pg_clusters); do
    hba=$cluster/pg_hba.conf
    if ! grep -q 'platen scripts/test.sh' "$hba"; then
      note "allowing passwordless loopback logins for role postgres in $hba"
      as_root sed -i '1i host all postgres 127.0.0.1/32 trust # platen scripts/test.sh\nhost all postgres ::1/128 trust # platen scripts/test.sh' "$hba"
      as_root pg_ctlcluster --skip-systemctl-redirect "$(basename "$(dirname "$cluster")")" main reload || true
    fi
  done
  sleep 1
fi
if ! pg_login; then
  echo "test.sh: cannot log in to $PLATEN_TEST_POSTGRES:" >&2
  psql -w -X -d "$PLATEN_TEST_POSTGRES" -c 'select 1' >&2 || true
  echo "test.sh: allow it (pg_hba.conf) or set PLATEN_TEST_POSTGRES to a superuser URL" >&2
  exit 1
fi
note "PLATEN_TEST_POSTGRES=$PLATEN_TEST_POSTGRES"

# --- 4. checks --------------------------------------------------------------------------------------

PHASE=checks
if ((COMPAT_ONLY == 0)); then
  check "cargo fmt --check" cargo fmt --all -- --check
  check "cargo fmt --check (fuzz targets)" cargo fmt --manifest-path fuzz/Cargo.toml -- --check
  check "cargo clippy -D warnings" cargo clippy --workspace --all-targets -- -D warnings
  check "cargo deny (licenses, bans, sources)" cargo_deny
  check "cargo test" cargo test --workspace --no-fail-fast
  # The same Graph and device suites again with every server on its own PostgreSQL database (the harnesses'
  # backend switch, platen-testkit's backend module). The multinode suite always runs on PostgreSQL.
  # `--workspace` as above (not `-p platen-server`): cargo resolves dependency features per selection of
  # packages, so a narrower selection would compile many dependencies a second time.
  # Every cargo-fuzz target for 10 s from its seeds and regressions, built unoptimised (a cold optimised build takes
  # 9 minutes of the CI budget, this one 4; scripts/fuzz.sh --runs 10000000, optimised, is the long run): a crash,
  # panic, hang or runaway allocation fails the check. Needs the nightly toolchain (rustup).
  check "fuzz targets (10 s each)" scripts/fuzz.sh --dev --time 10
  check "Graph and device suites on PostgreSQL" env PLATEN_TEST_BACKEND=postgres cargo test --workspace \
    --test api --test pull_printing --test webhooks --test infra_ipptool --test device_e2e --test ipp_everywhere \
    --no-fail-fast
fi

TARGET_DIR=${CARGO_TARGET_DIR:-target}
[[ $TARGET_DIR == /* ]] || TARGET_DIR=$ROOT/$TARGET_DIR
export PLATEN_BIN=$TARGET_DIR/debug/platen
# The binary the integration tests run (target/debug/platen), built with the same dependency features as the
# tests above, so after them this only checks it is up to date (`cargo build --bin` would resolve features
# without dev-dependencies and compile dependencies again).
check "build platen binary" cargo test --workspace --no-run
if [[ " ${FAILED[*]-} " == *" build platen binary "* ]]; then
  RESULTS+=("FAIL  Graph SDK compat suites (not run: no binary)")
  FAILED+=("Graph SDK compat suites")
else
  check "Graph SDK compat suite (tests/compat)" "$VENV/bin/python" -m pytest tests/compat
  check "JavaScript Graph client suite (tests/compat-js)" env -C tests/compat-js node --test --test-concurrency=1
fi

# --- summary ----------------------------------------------------------------------------------------

PHASE=done
echo
echo "==> summary"
printf '    %s\n' "${RESULTS[@]}"
elapsed=$((SECONDS - START))
if ((${#FAILED[@]})); then
  failed_list=$(printf '%s, ' "${FAILED[@]}")
  echo "test.sh: FAILED (${failed_list%, }) in ${elapsed}s"
  exit 1
fi
echo "test.sh: all checks passed in ${elapsed}s"
