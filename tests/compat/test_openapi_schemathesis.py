"""HTTP fuzzing of the running server from its own OpenAPI document (`/platen/openapi.json`) with schemathesis.

The document is generated from the route tables and each version's CSDL; schemathesis reads it, generates
requests for every operation (valid and invalid bodies, query options, path values: random ones, and real ids of a
seeded printer, share, job, document and task definition part of the time) and checks every answer:

- not_a_server_error: no 5xx, for any input;
- response_schema_conformance: successes match the CSDL-derived schema, failures Graph's error shape
  (`{"error": {"code", "message"}}`) or the OAuth error shape on the device token endpoint;
- status_code_conformance, content_type_conformance: only documented statuses and media types;
- unsupported_method: a method a path does not list answers 405 (with Allow);
- ignored_auth: an operation that needs a token refuses a request without one.

It runs as three kinds of caller (printer administrator, ordinary user with a delegated token, application), and
`ignored_auth` replays requests of every operation without a token or with a broken one; a fixed seed and a
bounded number of examples per operation (PLATEN_SCHEMATHESIS_EXAMPLES, default 8); it prints the figures. The
IPP endpoints (fuzzed at the message level by the ipp_message cargo-fuzz target) and /metrics are left out.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest

import sdk
from conftest import Platen

EXAMPLES = int(os.environ.get("PLATEN_SCHEMATHESIS_EXAMPLES", "8"))
CHECKS = ",".join([
    "not_a_server_error",
    "response_schema_conformance",
    "status_code_conformance",
    "content_type_conformance",
    "unsupported_method",
    "ignored_auth",
])
# Operations that change what other operations see are fuzzed too; these are left out because an accepted
# request would end the run's own credentials or data: deleting the seeded printer and share would turn the rest
# of the run into 404s.
EXCLUDED = r"^DELETE /(v1\.0|beta)/print/(printers|shares)/\{(printerId|printerShareId)\}$"


def schemathesis_bin() -> Path:
    exe = Path(sys.executable).parent / "schemathesis"
    if not exe.is_file():
        pytest.fail(f"schemathesis is not installed in {exe.parent} (tests/compat/requirements.txt)")
    return exe


def _seed(platen: Platen) -> dict[str, list[str]]:
    """A printer, a share of it, a job with a document and a task definition: real ids for path parameters."""
    h = {"Authorization": f"Bearer {platen.admin_token()}"}
    base = f"{platen.url}/v1.0/print"
    with httpx.Client(headers=h, timeout=30) as c:
        printer = c.post(f"{base}/printers/create", json={
            "displayName": "Fuzz target", "manufacturer": "Platen", "model": "Fuzz",
            "physicalDeviceId": str(uuid.uuid4()), "hasPhysicalDevice": False,
            "certificateSigningRequest": {"content": sdk.make_csr(), "transportKey": sdk.transport_key()},
        })
        assert printer.status_code == 202, printer.text
        op = printer.headers["Operation-Location"].rsplit("/", 1)[1]
        printer_id = None
        deadline = time.monotonic() + 30
        while printer_id is None and time.monotonic() < deadline:
            o = c.get(f"{base}/operations/{op}").json()
            if o["status"]["state"] == "succeeded":
                printer_id = o["printer"]["id"]
            time.sleep(0.1)
        assert printer_id, "printer registration did not finish"
        share = c.post(f"{base}/shares", json={
            "displayName": "Fuzz share",
            "printer@odata.bind": f"{platen.url}/v1.0/print/printers/{printer_id}",
        })
        assert share.status_code == 201, share.text
        share_id = share.json()["id"]
        job = c.post(f"{base}/printers/{printer_id}/jobs", json={"configuration": {"copies": 1}})
        assert job.status_code == 201, job.text
        job_id = job.json()["id"]
        docs = c.get(f"{base}/printers/{printer_id}/jobs/{job_id}/documents").json()["value"]
        doc_id = docs[0]["id"]
    app = {"Authorization": f"Bearer {platen.app_token('PrintTaskDefinition.ReadWrite.All')}"}
    definition = httpx.post(f"{base}/taskDefinitions", headers=app, timeout=30, json={
        "displayName": "Fuzz app", "createdBy": {"displayName": "Fuzz"},
    })
    assert definition.status_code == 201, definition.text
    return {
        "printers": [printer_id],
        "shares": [share_id],
        "jobs": [job_id],
        "documents": [doc_id],
        "definitions": [definition.json()["id"]],
        "users": [platen.alice.oid, platen.admin.oid],
    }


def _config(path: Path, ids: dict[str, list[str]]) -> None:
    bindings = {
        "printerId": "printers", "printer_id": "printers", "printerShareId": "shares", "share_id": "shares",
        "printJobId": "jobs", "printDocumentId": "documents", "printTaskDefinitionId": "definitions",
        "userId": "users",
    }
    lines = []
    for name, values in ids.items():
        lines.append(f"[dictionaries.{name}]\nvalues = {json.dumps(values)}\n")
    lines.append("[parameters]")
    for param, dictionary in bindings.items():
        lines.append(f'"path.{param}" = {{ dictionary = "{dictionary}", probability = 0.6 }}')
    path.write_text("\n".join(lines) + "\n")


def _run(platen: Platen, tmp: Path, caller: str, token: str, phases: str) -> dict:
    report = tmp / f"{caller}.ndjson"
    cmd = [
        str(schemathesis_bin()), "--config-file", str(tmp / "schemathesis.toml"), "run",
        f"{platen.url}/platen/openapi.json",
        "--checks", CHECKS,
        "--max-examples", str(EXAMPLES),
        "--seed", "20261207",
        "--workers", "2",
        "--phases", phases,
        "--exclude-name-regex", EXCLUDED,
        "--request-timeout", "30",
        "--no-shrink",
        "--report", "ndjson",
        "--report-ndjson-path", str(report),
        "--suppress-health-check", "all",
        "--output-truncate", "false",
    ]
    cmd += ["-H", f"Authorization: Bearer {token}"]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "schemathesis_hooks",
           "PYTHONPATH": str(Path(__file__).resolve().parent)}
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=1800, cwd=tmp, env=env)
    (tmp / f"{caller}.out").write_text(out.stdout + out.stderr)
    return {"caller": caller, "rc": out.returncode, "stdout": out.stdout, "stderr": out.stderr,
            "report": report}


def _figures(report: Path) -> tuple[int, list[str]]:
    """Requests made and failures found, from schemathesis' event stream."""
    requests = 0
    failures: list[str] = []
    if not report.exists():
        return 0, ["no report written"]
    for line in report.read_text().splitlines():
        event = json.loads(line)
        (kind, body), = event.items()
        if kind == "ScenarioFinished":
            recorder = body.get("recorder", {})
            requests += len(recorder.get("interactions", {}))
            for check_list in recorder.get("checks", {}).values():
                for check in check_list:
                    if str(check.get("status")).lower() == "failure":
                        failures.append(f"{check.get('name')}: {json.dumps(check.get('failure_info'))[:600]}")
    return requests, failures


# The coverage phase (boundary and invalid values of every parameter and body property, missing ones, wrong types:
# about 100 requests an operation) runs as the administrator, who gets past the permission checks furthest; the
# other callers get the randomized fuzzing phase.
CALLERS = {
    "admin": "coverage,fuzzing",
    "user": "fuzzing",
    "app": "fuzzing",
}


def test_the_served_document_is_valid_openapi(platen: Platen) -> None:
    """The document is checked by an independent validator before anything is generated from it."""
    from openapi_spec_validator import validate

    r = httpx.get(f"{platen.url}/platen/openapi.json", timeout=30)
    assert r.status_code == 200, r.text
    validate(r.json())


@pytest.mark.parametrize("caller", list(CALLERS))
def test_schemathesis_finds_no_failure(platen: Platen, tmp_path: Path, caller: str) -> None:
    ids = _seed(platen)
    _config(tmp_path / "schemathesis.toml", ids)
    token = {
        "admin": platen.admin_token,
        "user": platen.alice_token,
        "app": platen.app_token,
    }[caller]()
    result = _run(platen, tmp_path, caller, token, CALLERS[caller])
    requests, failures = _figures(result["report"])
    print(f"\nschemathesis as {caller}: {requests} requests, {len(failures)} failures (exit {result['rc']})")
    assert requests > 0, result["stdout"][-4000:] + result["stderr"][-4000:]
    assert result["rc"] == 0 and not failures, (
        "\n".join(failures[:20]) + "\n" + result["stdout"][-12000:] + result["stderr"][-3000:]
    )
