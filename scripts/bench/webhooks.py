#!/usr/bin/env python3
"""Webhook benchmark driver (run by scripts/bench-webhooks.sh against a running `platen serve`).

Prints, never asserts:
  1. latency from `POST …/jobs/{id}/start` to the receiver getting the `created` notification of the print task
     the start creates (pull printing: the printer has a task trigger), p50/p99 over sequential jobs;
  2. outbox delivery rate: notifications/s (and POSTs/s) the delivery worker gets to a local receiver when the
     outbox holds a backlog spread over several subscriptions.

Usage: webhooks.py BIN DATA_DIR BASE_URL LATENCY_JOBS BACKLOG SUBSCRIPTIONS
"""

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BIN, DATA, BASE = sys.argv[1], sys.argv[2], sys.argv[3]
LATENCY_JOBS, BACKLOG, SUBSCRIPTIONS = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
TENANT = str(uuid.uuid4())


class Received:
    def __init__(self):
        self.lock = threading.Condition()
        self.notifications = 0
        self.posts = 0
        self.first = None
        self.last = None


RX = Received()


class Hook(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        body = self.rfile.read(int(self.headers.get("Content-Length", "0") or 0))
        if "validationToken" in query:
            token = query["validationToken"][0].encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(token)))
            self.end_headers()
            self.wfile.write(token)
            return
        now = time.monotonic()
        count = len(json.loads(body).get("value", []))
        self.send_response(202)
        self.send_header("Content-Length", "0")
        self.end_headers()
        with RX.lock:
            RX.posts += 1
            RX.notifications += count
            RX.first = RX.first or now
            RX.last = now
            RX.lock.notify_all()


def wait_for(count, timeout=120):
    deadline = time.monotonic() + timeout
    with RX.lock:
        while RX.notifications < count:
            left = deadline - time.monotonic()
            if left <= 0:
                raise SystemExit(f"timed out waiting for {count} notifications (got {RX.notifications})")
            RX.lock.wait(left)
        return RX.last


def token(*args):
    return subprocess.check_output([BIN, "token", *args, "--data-dir", DATA, "--tenant", TENANT,
                                    "--expires-in", "7200"], text=True).strip()


def call(method, path, tok, body=None, raw=None, headers=None):
    url = path if path.startswith("http") else BASE + path
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(url, data=data, method=method)
    if tok:
        req.add_header("Authorization", "Bearer " + tok)
    if body is not None:
        req.add_header("Content-Type", "application/json")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    with urllib.request.urlopen(req) as r:
        text = r.read()
        return r.status, dict(r.headers), (json.loads(text) if text and text[:1] in b"{[" else None)


def csr():
    key, req = os.path.join(DATA, "bench.key"), os.path.join(DATA, "bench.csr")
    subprocess.check_call(["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                           "-nodes", "-subj", "/CN=bench", "-keyout", key, "-out", req],
                          stderr=subprocess.DEVNULL)
    return "".join(l.strip() for l in open(req) if "-----" not in l)


def percentile(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    hook = f"http://127.0.0.1:{server.server_address[1]}/hook"
    no_proxy = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    urllib.request.install_opener(no_proxy)

    app_id = str(uuid.uuid4())
    admin_scopes = "Printer.Create Printer.Read.All Printer.ReadWrite.All Printer.FullControl.All " \
                   "PrinterShare.ReadWrite.All PrintJob.ReadWrite.All"
    admin = token("user", "--user", str(uuid.uuid4()), "--upn", "admin@bench", "--scopes", admin_scopes,
                  "--admin", "--app", app_id)
    user = token("user", "--user", str(uuid.uuid4()), "--upn", "user@bench", "--scopes",
                 "PrintJob.ReadWrite PrinterShare.ReadBasic.All")
    app = token("app", "--app", app_id, "--roles", "PrintTaskDefinition.ReadWrite.All Printer.Read.All")

    body = {"displayName": "Bench", "manufacturer": "B", "model": "B", "physicalDeviceId": str(uuid.uuid4()),
            "certificateSigningRequest": {"content": csr(), "transportKey": "eA=="}}
    _, headers, _ = call("POST", "/v1.0/print/printers/create", admin, body)
    op = {k.lower(): v for k, v in headers.items()}["operation-location"]
    printer = call("GET", op, admin)[2]["printer"]["id"]
    share = call("POST", "/v1.0/print/shares", admin, {"displayName": "Bench", "allowAllUsers": True,
                 "printer@odata.bind": f"{BASE}/v1.0/print/printers/{printer}"})[2]["id"]
    definition = call("POST", "/v1.0/print/taskDefinitions", app, {"displayName": "Bench"})[2]["id"]
    call("POST", f"/v1.0/print/printers/{printer}/taskTriggers", admin,
         {"event": "jobStarted", "definition@odata.bind": f"{BASE}/v1.0/print/taskDefinitions/{definition}"})
    expires = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
    call("POST", "/v1.0/subscriptions", app, {
        "changeType": "created", "resource": f"print/taskDefinitions/{definition}/tasks",
        "notificationUrl": hook, "expirationDateTime": expires, "clientState": "bench"})

    # 1. start → created latency, one job at a time (jobs prepared beforehand, outside the measurement).
    jobs = []
    pdf = b"%PDF-1.4 bench"
    for _ in range(LATENCY_JOBS):
        j = call("POST", f"/v1.0/print/shares/{share}/jobs", user, {"configuration": {"copies": 1}})[2]
        doc = j["documents"][0]["id"]
        props = {"properties": {"documentName": "a.pdf", "contentType": "application/pdf", "size": len(pdf)}}
        url = call("POST", f"/v1.0/print/shares/{share}/jobs/{j['id']}/documents/{doc}/createUploadSession",
                   user, props)[2]["uploadUrl"]
        call("PUT", url, None, raw=pdf, headers={"Content-Range": f"bytes 0-{len(pdf) - 1}/{len(pdf)}"})
        jobs.append(j["id"])
    latencies = []
    for n, job in enumerate(jobs, start=1):
        t0 = time.monotonic()
        call("POST", f"/v1.0/print/shares/{share}/jobs/{job}/start", user, raw=b"")
        latencies.append(wait_for(n) - t0)
    ms = [x * 1000 for x in latencies]
    print(f"start -> 'created' notification at the receiver ({len(ms)} sequential jobs): "
          f"p50 {percentile(ms, 50):.1f} ms   p99 {percentile(ms, 99):.1f} ms   max {max(ms):.1f} ms")

    # 2. Outbox drain rate: a backlog written straight into the outbox (as committed changes would have written
    # it), spread over several subscriptions; timed from the first to the last notification received.
    subs = []
    for _ in range(SUBSCRIPTIONS):
        s = call("POST", "/v1.0/subscriptions", app, {
            "changeType": "updated", "resource": f"print/printers/{printer}/jobs",
            "notificationUrl": hook, "expirationDateTime": expires})[2]
        subs.append(s["id"])
    with RX.lock:
        RX.notifications, RX.posts, RX.first, RX.last = 0, 0, None, None
    now = int(time.time() * 1e6)
    rows = []
    for i in range(BACKLOG):
        res = f"print/printers/{printer}/jobs/{i + 1}"
        payload = json.dumps({"changeType": "updated", "resource": res, "resourceData": {
            "@odata.type": "#microsoft.graph.printJob", "@odata.id": res, "id": str(i + 1)}})
        rows.append((TENANT, subs[i % len(subs)], "change", payload, now, now, 0, 0))
    db = sqlite3.connect(os.path.join(DATA, "platen.sqlite3"), timeout=60)
    db.executemany("INSERT INTO outbox (tenant_id, subscription_id, kind, payload, created_at, next_attempt_at, "
                   "attempts, lease_until) VALUES (?,?,?,?,?,?,?,?)", rows)
    db.commit()
    db.close()
    wait_for(BACKLOG, timeout=600)
    with RX.lock:
        span = max(RX.last - RX.first, 1e-6)
        print(f"outbox drain, {BACKLOG} notifications over {len(subs)} subscriptions: "
              f"{(RX.notifications - 1) / span:,.0f} notifications/s in {RX.posts} POSTs "
              f"({RX.posts / span:,.0f} POSTs/s, {span:.2f} s)")
    server.shutdown()


if __name__ == "__main__":
    main()
