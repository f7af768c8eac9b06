#!/usr/bin/env bash
# The web console's server time (figures printed, never asserted by tests): each page requested 200 times in a
# row by one client on loopback against a release `platen serve`, time to first byte (the page is rendered
# whole before its first byte) as p50 / p99 / max, with 10^3 and with BENCH_JOBS (default 10^6) jobs stored;
# and the size of the console's embedded assets.
# Usage: scripts/bench-console.sh [sqlite|postgres|both]
#   BENCH_JOBS               jobs stored for the large run (default 1000000)
#   PLATEN_BENCH_BIN         the `platen` binary to measure (default: this tree's release build)
#   PLATEN_BENCH_POSTGRES    a PostgreSQL URL allowed to CREATE/DROP DATABASE
set -euo pipefail
cd "$(dirname "$0")/.."
BACKENDS=${1:-sqlite}
JOBS=${BENCH_JOBS:-1000000}
REQUESTS=200
# shellcheck source=bench/common.sh
source scripts/bench/common.sh

sql() { if [[ $BACKEND == sqlite ]]; then sqlite3 "$DATA/platen.sqlite3" "$1"; else psql -X -At -d "$PG_URL" -c "$1"; fi; }
seed() { [[ $1 -gt 0 ]] || return 0; if [[ $BACKEND == sqlite ]]; then seed_sqlite "$DATA/platen.sqlite3" "$1"; else seed_postgres "$PG_URL" "$1"; fi; }

sign_in() { # sign_in JAR OBJECT_ID UPN [admin]: a console session through the development sign-in page
  local admin=()
  [[ ${4:-} == admin ]] && admin=(-d admin=on)
  curl -sf -o /dev/null -c "$1" -d "upn=$3" -d "object_id=$2" -d "tenant_id=$TENANT" "${admin[@]}" \
    "$NODE/console/sign-in/dev"
}

page_time() { # page_time LABEL JAR PATH
  local times
  curl -sf -o /dev/null -b "$2" "$NODE$3" || { echo "| $1 | failed | | |"; return; }
  times=$(for _ in $(seq $REQUESTS); do curl -s -o /dev/null -b "$2" -w '%{time_starttransfer}\n' "$NODE$3"; done | sort -n)
  awk -v label="$1" '{ t[NR] = $1 * 1000 } END {
    printf "| %s | %.1f | %.1f | %.1f |\n", label, t[int(NR * 0.5)], t[int(NR * 0.99)], t[NR] }' <<<"$times"
}

pages() { # pages: every page, as the user and as the administrator
  echo
  echo "$(sql 'SELECT COUNT(*) FROM jobs') jobs stored:"
  echo
  echo "| page | p50 ms | p99 ms | max ms |"
  echo "|---|---:|---:|---:|"
  page_time "start page (user)" "$WORK/user.jar" /console/
  page_time "my jobs (user, all queued)" "$WORK/user.jar" /console/jobs
  page_time "my jobs, state = completed (none)" "$WORK/user.jar" "/console/jobs?state=completed"
  page_time "print passwords (user)" "$WORK/user.jar" /console/passwords
  page_time "web print (user)" "$WORK/user.jar" /console/print
  page_time "start page (admin: capped counts)" "$WORK/admin.jar" /console/
  page_time "all jobs (admin)" "$WORK/admin.jar" /console/admin/jobs
  page_time "all jobs, state = pending" "$WORK/admin.jar" "/console/admin/jobs?state=pending"
  page_time "all jobs, one printer" "$WORK/admin.jar" "/console/admin/jobs?printer=$PRINTER"
  page_time "all jobs, one user" "$WORK/admin.jar" "/console/admin/jobs?user=$USER_ID"
  local next; next=$(curl -sf -b "$WORK/admin.jar" "$NODE/console/admin/jobs" | grep -o 'href="[^"]*after=[^"]*"' | head -1 | sed 's/href="//; s/"$//; s/&amp;/\&/g')
  [[ -n $next ]] && page_time "all jobs, second page (keyset)" "$WORK/admin.jar" "$next"
  page_time "printers (admin)" "$WORK/admin.jar" /console/admin/printers
  page_time "printer (admin)" "$WORK/admin.jar" "/console/admin/printers/$PRINTER"
  page_time "shares (admin)" "$WORK/admin.jar" /console/admin/shares
}

run_backend() {
  BACKEND=$1
  DATA=$WORK/$BACKEND
  mkdir -p "$DATA"
  if [[ $BACKEND == sqlite ]]; then
    start_node "$DATA"
    echo "### SQLite"
  else
    psql -q -X -d "$PG_ADMIN" -c "CREATE DATABASE $DB" >/dev/null
    start_node "$DATA" "$PG_URL"
    echo "### PostgreSQL"
  fi
  setup "$DATA" "$NODE"
  sign_in "$WORK/user.jar" "$USER_ID" user@bench
  sign_in "$WORK/admin.jar" aaaaaaaa-0000-0000-0000-0000000000ad admin@bench admin
  seed 1000
  pages
  seed $(( JOBS - $(sql 'SELECT COUNT(*) FROM jobs') ))
  pages
  echo
  echo "server RSS: $(ps -o rss= -p "$NODE_PID" | awk '{printf "%.1f MiB", $1/1024}')"
  kill "$NODE_PID"; wait "$NODE_PID" 2>/dev/null || true
  if [[ $BACKEND == postgres ]]; then psql -q -X -d "$PG_ADMIN" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null; fi
}

echo "## Console server time ($(nproc) cores; $REQUESTS requests per page, one at a time)"
case $BACKENDS in
  sqlite | postgres) run_backend "$BACKENDS" ;;
  both) run_backend sqlite; run_backend postgres ;;
  *) echo "usage: $0 [sqlite|postgres|both]" >&2; exit 2 ;;
esac
css=$(wc -c < crates/platen-console/assets/console.css); js=$(wc -c < crates/platen-console/assets/console.js)
echo
echo "console assets embedded in the binary: console.css $css B, console.js $js B ($(( (css + js) / 1024 )) KiB; gzip: $(cat crates/platen-console/assets/console.{css,js} | gzip -9 | wc -c) B)"
