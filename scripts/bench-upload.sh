#!/usr/bin/env bash
# The upload benchmark (figures printed, never asserted by tests): one release `platen serve` on SQLite with
# documents on local disk, one user uploading a 1 GiB document through an upload session in ranges of
# BENCH_RANGE bytes (default 10,000,000: under Graph's 10 MiB), in order, one PUT at a time. Prints:
#   - MB/s of the whole upload (first byte of the first PUT to the answer of the last);
#   - the median PUT's time and the last PUT's (the one that completes the document), and their ratio;
#   - the server's RSS growth (sampled every 20 ms during the upload, and its peak VmHWM) over its RSS before;
#   - `dd if=/dev/zero bs=10M count=100 oflag=direct conv=fsync` MB/s on the same disk in the same run, and the
#     upload's ratio to it;
#   - whether the recorded SHA-256 (x-platen-content-sha256 of the download) is the bytes', and what is left
#     on disk besides the document.
# Usage: scripts/bench-upload.sh
#   PLATEN_BENCH_BIN   the `platen` binary to measure (default: this tree's release build); another build of it
#                      gives a "before" figure with the same script
#   BENCH_SIZE         document size in bytes (default 1073741824)
#   BENCH_RANGE        bytes per PUT (default 10000000)
#   BENCH_DIR          where the server's data directory and the dd file go (default: a temporary directory
#                      under /var/tmp, on disk rather than tmpfs)
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${BENCH_SIZE:-1073741824}
RANGE=${BENCH_RANGE:-10000000}
WORK=$(mktemp -d "${BENCH_DIR:-/var/tmp}/platen-bench-upload.XXXXXX")
# shellcheck source=bench/common.sh
source scripts/bench/common.sh

DATA=$WORK/data
mkdir -p "$DATA"
start_node "$DATA"
BASE=$NODE SERVER_PID=$NODE_PID
setup "$DATA" "$BASE"

echo "bench-upload: $BIN; $SIZE bytes in ranges of $RANGE; data in $WORK"
head -c "$SIZE" /dev/urandom >"$WORK/doc.bin"

# dd on the same disk, in the same run.
DD_OUT=$(dd if=/dev/zero of="$WORK/dd.bin" bs=10M count=100 oflag=direct conv=fsync 2>&1 | tail -1)
rm -f "$WORK/dd.bin"

python3 - "$BASE" "$USER" "$SHARE" "$WORK/doc.bin" "$SIZE" "$RANGE" "$SERVER_PID" "$DATA/blobs" "$DD_OUT" <<'PY'
import hashlib, http.client, json, os, re, statistics, sys, threading, time, urllib.parse

base, token, share, path, size, step, pid, blobs, dd_out = sys.argv[1:10]
size, step = int(size), int(step)
host = urllib.parse.urlparse(base).netloc

def call(method, url, body=None, headers=None, conn=None):
    u = urllib.parse.urlparse(url)
    c = conn or http.client.HTTPConnection(u.netloc, timeout=600)
    c.request(method, u.path + (("?" + u.query) if u.query else ""), body=body, headers=headers or {})
    r = c.getresponse()
    data = r.read()
    return r.status, dict((k.lower(), v) for k, v in r.getheaders()), data

auth = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
st, _, b = call("POST", f"{base}/v1.0/print/shares/{share}/jobs", json.dumps({"configuration": {"copies": 1}}), auth)
assert st == 201, (st, b)
job = json.loads(b)
doc = job["documents"][0]["id"]
doc_path = f"{base}/v1.0/print/shares/{share}/jobs/{job['id']}/documents/{doc}"
st, _, b = call("POST", doc_path + "/createUploadSession", json.dumps(
    {"properties": {"documentName": "big.pdf", "contentType": "application/pdf", "size": size}}), auth)
assert st == 200, (st, b)
url = json.loads(b)["uploadUrl"]

def rss_kib(field="VmRSS"):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0

rss_before = rss_kib()
hwm_before = rss_kib("VmHWM")
peak = [rss_before]
sampling = [True]
def sample():
    while sampling[0]:
        peak[0] = max(peak[0], rss_kib())
        time.sleep(0.02)
t = threading.Thread(target=sample); t.start()

def cpu_secs(p):
    # utime + stime of a process (all its threads), in seconds.
    with open(f"/proc/{p}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

conn = http.client.HTTPConnection(host, timeout=600)
times = []
server_cpu_before, client_cpu_before = cpu_secs(pid), sum(os.times()[:2])
with open(path, "rb") as f:
    start = time.monotonic()
    at = 0
    while at < size:
        end = min(at + step, size)
        f.seek(at)
        body = f.read(end - at)
        t0 = time.monotonic()
        st, _, b = call("PUT", url, body, {"Content-Range": f"bytes {at}-{end - 1}/{size}",
                                          "Content-Length": str(end - at)}, conn)
        times.append(time.monotonic() - t0)
        want = 201 if end == size else 202
        assert st == want, (at, st, b[:300])
        at = end
    total = time.monotonic() - start
server_cpu = cpu_secs(pid) - server_cpu_before
client_cpu = sum(os.times()[:2]) - client_cpu_before
sampling[0] = False; t.join()
peak_rss = max(peak[0], rss_kib())
hwm = rss_kib("VmHWM")

# The recorded SHA-256, from the download's headers (HEAD of the URL `$value` redirects to).
st, h, _ = call("GET", doc_path + "/$value", None, {"Authorization": "Bearer " + token})
assert st == 302, st
st, h, _ = call("HEAD", h["location"])
recorded = h.get("x-platen-content-sha256")
with open(path, "rb") as f:
    hasher = hashlib.sha256()
    for chunk in iter(lambda: f.read(1 << 20), b""):
        hasher.update(chunk)
# Files and directories under blobs/ besides the document and its directories (and the store's .tmp).
document_dirs = {"documents", os.path.join("documents", doc)}
left = []
for root, dirs, files in os.walk(blobs):
    for n in files + dirs:
        p = os.path.relpath(os.path.join(root, n), blobs)
        if p == ".tmp" or p in document_dirs or (p.startswith(os.path.join("documents", doc) + os.sep)
                                                 and os.path.getsize(os.path.join(blobs, p)) == size
                                                 and os.path.isfile(os.path.join(blobs, p))):
            continue
        left.append(p)

# SHA-256 on this CPU (the server must hash every byte it stores), measured on the same bytes.
with open(path, "rb") as f:
    chunk = f.read(step)
t0 = time.monotonic()
hashlib.sha256(chunk).digest()
hash_secs = (time.monotonic() - t0) * size / len(chunk)

m = re.search(r"copied, ([0-9.,]+) s", dd_out)
dd_secs = float(m.group(1).replace(",", ".")) if m else float("nan")
dd_mbs = 100 * 10 * 1048576 / dd_secs / 1e6
mbs = size / total / 1e6
median = statistics.median(times)
print(f"upload: {size} bytes in {len(times)} PUTs of {step} bytes: {total:.2f} s, {mbs:.0f} MB/s")
print(f"PUT: median {median * 1000:.0f} ms, last (completes the document) {times[-1] * 1000:.0f} ms, "
      f"last/median {times[-1] / median:.2f}, max {max(times) * 1000:.0f} ms")
# On a machine with few cores the client's CPU competes with the server's: both are shown, and what the two
# together leave as the floor on this machine's cores.
cores = os.cpu_count() or 1
print(f"CPU: server {server_cpu:.2f} s ({server_cpu / total * 100:.0f}% of one core), client {client_cpu:.2f} s; "
      f"floor at {cores} cores {(server_cpu + client_cpu) / cores:.2f} s, hashing alone "
      f"{hash_secs:.2f} s (SHA-256 of the whole document here: {size / hash_secs / 1e6:.0f} MB/s)")
print(f"server RSS: {rss_before / 1024:.1f} MiB before, peak {peak_rss / 1024:.1f} MiB during "
      f"(growth {(peak_rss - rss_before) / 1024:.1f} MiB); VmHWM {hwm_before / 1024:.1f} -> {hwm / 1024:.1f} MiB")
print(f"dd bs=10M count=100 oflag=direct conv=fsync: {dd_mbs:.0f} MB/s; upload/dd {mbs / dd_mbs:.2f}")
print(f"sha256 recorded {'matches' if recorded == hasher.hexdigest() else 'DIFFERS: ' + str(recorded)}")
print(f"left on disk besides the document: {len(left)} entries {sorted(left)[:4]}{' ...' if len(left) > 4 else ''}")
PY
