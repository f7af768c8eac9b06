#!/usr/bin/env bash
# IPP Everywhere figures (printed, never asserted by tests), Platen against a local cupsd in the same run:
#   - Print-Job + Cancel-Job pairs per second through a share's IPP printer (durable: the job and its document
#     are committed before the answer) and through a cupsd raw queue printing to /dev/null, with one ipptool
#     client and with 8 in parallel;
#   - p50/p99 latency of Get-Printer-Attributes (all + media-col-database) on each.
# Usage: scripts/bench-ipp.sh [pairs-per-client]   (as root: it runs a private cupsd; needs cups, cups-ipp-utils)
set -euo pipefail
cd "$(dirname "$0")/.."
PAIRS=${1:-200}
for tool in ipptool cupsd lpadmin; do
  command -v $tool >/dev/null || { echo "bench-ipp: $tool is missing (apt-get install cups cups-ipp-utils)" >&2; exit 1; }
done
cargo build --release -q -p platen-server
BIN=$PWD/target/release/platen
WORK=$(mktemp -d)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT=$(free_port)
CUPS_PORT=$(free_port)
BASE=http://127.0.0.1:$PORT
PLATEN_DNSSD=false $BIN serve --listen 127.0.0.1:$PORT --public-url $BASE --data-dir "$WORK/data" >"$WORK/server.log" 2>&1 &
SERVER=$!
CUPSD=
trap 'kill $SERVER ${CUPSD:-} 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 100); do curl -sf $BASE/healthz >/dev/null && break; sleep 0.1; done

# A share on a printer with no device (jobs stay queued until canceled), and a user's print password.
ADMIN=$($BIN token user --data-dir "$WORK/data" --tenant bench --user aaaaaaaa-0000-0000-0000-0000000000ad \
  --admin --scopes "Printer.FullControl.All PrinterShare.ReadWrite.All PrintJob.ReadWrite.All" --expires-in 7200)
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=bench -keyout "$WORK/k.pem" \
  -out "$WORK/r.pem" 2>/dev/null
CSR=$(grep -v -- ----- "$WORK/r.pem" | tr -d '\n')
OP=$(curl -sf -D - -o /dev/null $BASE/v1.0/print/printers/create -H "Authorization: Bearer $ADMIN" \
  -H 'Content-Type: application/json' \
  -d "{\"displayName\":\"Bench\",\"manufacturer\":\"B\",\"model\":\"B\",\"physicalDeviceId\":\"$(cat /proc/sys/kernel/random/uuid)\",\"certificateSigningRequest\":{\"content\":\"$CSR\",\"transportKey\":\"x\"}}" \
  | awk 'tolower($1)=="operation-location:"{print $2}' | tr -d '\r')
PRINTER=$(curl -sf "$OP" -H "Authorization: Bearer $ADMIN" | python3 -c 'import json,sys; print(json.load(sys.stdin)["printer"]["id"])')
SHARE=$(curl -sf $BASE/v1.0/print/shares -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
  -d "{\"displayName\":\"Bench\",\"allowAllUsers\":true,\"printer@odata.bind\":\"$BASE/v1.0/print/printers/$PRINTER\"}" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
PW=$($BIN print-password create --data-dir "$WORK/data" --tenant bench --user aaaaaaaa-0000-0000-0000-000000000001 \
  --upn user@bench --label bench | tail -1)
PLATEN_URI="ipp://user%40bench:$PW@127.0.0.1:$PORT/ipp/shares/$SHARE"

# A private cupsd with a raw queue that prints to /dev/null.
mkdir -p "$WORK/cups"/{spool,cache,state,tmp} && chmod -R a+rwx "$WORK/cups"
cat >"$WORK/cups/cupsd.conf" <<CONF
Listen 127.0.0.1:$CUPS_PORT
WebInterface No
Browsing No
LogLevel warn
DefaultAuthType None
MaxJobs 0
<Location />
  Order allow,deny
  Allow all
</Location>
<Policy default>
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
CONF
cat >"$WORK/cups/cups-files.conf" <<CONF
ServerRoot $WORK/cups
RequestRoot $WORK/cups/spool
CacheDir $WORK/cups/cache
StateDir $WORK/cups/state
TempDir $WORK/cups/tmp
ErrorLog $WORK/cups/error_log
AccessLog $WORK/cups/access_log
PageLog $WORK/cups/page_log
FileDevice Yes
Sandboxing Relaxed
CONF
cupsd -f -c "$WORK/cups/cupsd.conf" -s "$WORK/cups/cups-files.conf" &
CUPSD=$!
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$CUPS_PORT) 2>/dev/null && break; sleep 0.1; done
CUPS_SERVER=127.0.0.1:$CUPS_PORT lpadmin -p raw -E -v file:///dev/null
CUPS_URI="ipp://127.0.0.1:$CUPS_PORT/printers/raw"

PDF=/usr/share/cups/data/default-testpage.pdf
[[ -f $PDF ]] || PDF=$(ls /usr/share/cups/data/*.pdf | head -1)

# ipptool's -n repeats only with -i (an interval): the pairs are written out PAIRS times instead.
for _ in $(seq "$PAIRS"); do grep -v '^#' scripts/bench/ipp_pair.test; done >"$WORK/pairs.test"

pairs_per_second() { # URI CLIENTS
  local uri=$1 clients=$2 start end pids=()
  start=$(date +%s.%N)
  for c in $(seq "$clients"); do
    ipptool -f "$PDF" "$uri" "$WORK/pairs.test" >"$WORK/ipptool-$c.out" 2>&1 &
    pids+=($!)
  done
  local failed=0
  for p in "${pids[@]}"; do wait "$p" || failed=1; done
  end=$(date +%s.%N)
  if ((failed)); then
    echo "bench-ipp: ipptool reported failures against ${uri##*@}:" >&2
    grep -v "^ *$" "$WORK/ipptool-1.out" | grep -B2 -A8 -m3 "FAIL" >&2 || tail -20 "$WORK/ipptool-1.out" >&2
    exit 1
  fi
  python3 -c "print(f'{$clients * $PAIRS / ($end - $start):.1f}')"
}

echo "Print-Job + Cancel-Job pairs/s ($PAIRS pairs per client, $(basename "$PDF"), $(stat -c %s "$PDF") bytes):"
for clients in 1 8; do
  platen=$(pairs_per_second "$PLATEN_URI" $clients)
  cups=$(pairs_per_second "$CUPS_URI" $clients)
  python3 -c "print(f'  {$clients} client(s): platen {$platen}/s  cupsd raw queue {$cups}/s  ratio {$platen / $cups:.2f}')"
done
echo "Get-Printer-Attributes latency (ms, 1000 requests, one connection):"
echo "  platen: $(python3 scripts/bench/ipp_gpa_latency.py 127.0.0.1 $PORT /ipp/shares/$SHARE "ipp://127.0.0.1:$PORT/ipp/shares/$SHARE" 1000)"
echo "  cupsd:  $(python3 scripts/bench/ipp_gpa_latency.py 127.0.0.1 $CUPS_PORT /printers/raw "$CUPS_URI" 1000)"
