"""The web console in a real Chromium (Debian's `chromium`, driven by Playwright) against a real `platen serve`.

Fixtures are made through the Graph API (plain HTTP with development tokens); everything else is done the way a
person would: clicking in the browser. What the browser did is then checked through Graph again. Every page is
checked with axe-core (no serious or critical violations) and at a phone's width (no horizontal scrolling).
Screenshots of the open pages are written to target/console-screenshots/ when a test fails.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.server
import os
import shutil
import subprocess
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect, sync_playwright

import sdk
from conftest import ADMIN_SCOPES, REPO_ROOT, USER_SCOPES, Identity, Platen

CHROMIUM = os.environ.get("PLATEN_CHROMIUM", "/usr/bin/chromium")
SHOTS = REPO_ROOT / "target" / "console-screenshots"
PHONE = {"width": 375, "height": 740}


# --------------------------------------------------------------------------------------------------
# Graph fixtures (plain HTTP)


class Graph:
    def __init__(self, platen: Platen, token: str):
        self.base = f"{platen.url}/v1.0"
        self.http = httpx.Client(timeout=30, headers={"Authorization": f"Bearer {token}"})

    def call(self, method: str, path: str, expect_status: int | tuple[int, ...] = 200, **kw) -> httpx.Response:
        r = self.http.request(method, f"{self.base}{path}", **kw)
        wanted = expect_status if isinstance(expect_status, tuple) else (expect_status,)
        assert r.status_code in wanted, f"{method} {path}: {r.status_code} {r.text}"
        return r

    def register_printer(self, name: str, physical: bool = True) -> str:
        body = {
            "displayName": name, "manufacturer": "Contoso", "model": "Console 1",
            "physicalDeviceId": str(uuid.uuid4()), "hasPhysicalDevice": physical,
            "certificateSigningRequest": {"content": sdk.make_csr(), "transportKey": sdk.transport_key()},
        }
        r = self.call("POST", "/print/printers/create", 202, json=body)
        op = r.headers["Operation-Location"].rsplit("/", 1)[1]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            o = self.call("GET", f"/print/operations/{op}").json()
            if o["status"]["state"] == "succeeded":
                return o["printer"]["id"]
            time.sleep(0.2)
        raise AssertionError("printer registration did not finish")

    def create_job_with_document(self, collection: str, name: str, data: bytes) -> str:
        job = self.call("POST", f"{collection}/jobs", 201, json={"configuration": {}}).json()
        doc = job["documents"][0]["id"] if job.get("documents") else self.call(
            "GET", f"{collection}/jobs/{job['id']}/documents").json()["value"][0]["id"]
        session = self.call(
            "POST", f"{collection}/jobs/{job['id']}/documents/{doc}/createUploadSession", 200,
            json={"properties": {"documentName": name, "contentType": "application/pdf", "size": len(data)}},
        ).json()
        r = httpx.put(session["uploadUrl"], content=data,
                      headers={"Content-Range": f"bytes 0-{len(data) - 1}/{len(data)}"}, timeout=30)
        assert r.status_code in (200, 201), r.text
        self.call("POST", f"{collection}/jobs/{job['id']}/start", 200)
        return job["id"]


def pdf_bytes(size: int) -> bytes:
    """A valid one-page PDF padded to `size` bytes with a comment, so a large upload spans several ranges."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length 0 >>\nstream\n\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    pad = max(0, size - len(out) - 200)
    out += b"%" + bytes((65 + i % 26) for i in range(pad)) + b"\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for o in offsets:
        out += f"{o:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


# --------------------------------------------------------------------------------------------------
# Browser helpers


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is required at {CHROMIUM} (Debian package chromium; ./scripts/test.sh installs it)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield b
        b.close()


@contextlib.contextmanager
def screenshots_on_failure(name: str, *pages_of):
    try:
        yield
    except BaseException:
        SHOTS.mkdir(parents=True, exist_ok=True)
        for ctx in pages_of:
            for i, page in enumerate(ctx.pages):
                with contextlib.suppress(Exception):
                    page.screenshot(path=str(SHOTS / f"{name}-{i}.png"), full_page=True)
        raise


def sign_in(page: Page, platen: Platen, who, admin: bool) -> None:
    page.goto(f"{platen.url}/console/")
    expect(page).to_have_url(f"{platen.url}/console/sign-in?return=%2Fconsole%2F")
    expect(page.get_by_text("For development only.")).to_be_visible()
    page.get_by_label("User principal name").fill(who.upn)
    page.get_by_label("Display name").fill(who.name)
    page.get_by_label("User object id").fill(who.oid)
    page.get_by_label("Tenant id").fill(platen.tenant)
    if admin:
        page.get_by_label("Printer Administrator").check()
    page.get_by_role("button", name="Sign in (development)").click()
    expect(page).to_have_url(f"{platen.url}/console/")
    expect(page.locator("#signed-in-user")).to_have_text(who.name)


def check_page_manners(page: Page, what: str) -> None:
    """axe-core finds no serious or critical violation, and a phone-wide window needs no horizontal scrolling."""
    result = Axe().run(page)
    bad = [v for v in result.response["violations"] if v.get("impact") in ("serious", "critical")]
    assert not bad, f"{what}: accessibility violations: " + "; ".join(
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}" for v in bad)
    size = page.viewport_size
    page.set_viewport_size(PHONE)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{what}: {overflow} px of horizontal scrolling at {PHONE['width']} px wide"
    if size:
        page.set_viewport_size(size)


# --------------------------------------------------------------------------------------------------
# Tests


def test_administrator_runs_printers_shares_and_jobs(platen, browser):
    admin = Graph(platen, platen.admin_token())
    alice = Graph(platen, platen.alice_token())
    # A virtual printer: the app that registered it reports its state, as its device would.
    device = Graph(platen, platen._token("app", "--tenant", platen.tenant, "--app", platen.client_app,
                                          "--roles", "Printer.ReadWrite.All PrintTaskDefinition.ReadWrite.All"))
    name = f"Console printer {uuid.uuid4().hex[:6]}"
    printer_id = admin.register_printer(name, physical=False)

    ctx = browser.new_context()
    with screenshots_on_failure("admin", ctx):
        page = ctx.new_page()
        sign_in(page, platen, platen.admin, admin=True)
        check_page_manners(page, "start page")

        # Printers: the registered printer, then its state as the device reports it (the page refreshes itself).
        page.get_by_role("link", name="Printers", exact=True).click()
        row = page.locator(f"#printer-{printer_id}")
        expect(row).to_contain_text(name)
        check_page_manners(page, "printers")
        device.call("PATCH", f"/print/printers/{printer_id}", 200,
                 json={"status": {"state": "stopped", "details": ["mediaEmpty"], "description": "Tray 1 empty"}})
        expect(row.locator(".state")).to_have_text("stopped", timeout=20_000)
        expect(row).to_contain_text("mediaEmpty")

        # Share the printer from its page, and let Alice print to it.
        row.get_by_role("link", name=name).click()
        check_page_manners(page, "printer")
        page.get_by_label("Share name").fill(f"{name} share")
        page.get_by_role("button", name="Share this printer").click()
        expect(page.locator("h1")).to_have_text(f"{name} share")
        share_id = page.url.rsplit("/", 1)[1]
        page.get_by_label("User object id").fill(platen.alice.oid)
        page.get_by_role("button", name="Add user").click()
        expect(page.locator("#share-users")).to_be_visible()
        check_page_manners(page, "share")
        users = admin.call("GET", f"/print/shares/{share_id}/allowedUsers").json()["value"]
        assert [u["id"] for u in users] == [platen.alice.oid], users
        assert admin.call("GET", f"/print/shares/{share_id}").json()["displayName"] == f"{name} share"

        # All jobs: a job Alice prints appears without a reload, and the administrator cancels it.
        page.get_by_role("link", name="All jobs").click()
        expect(page.locator("html")).to_have_attribute("data-live", "on")
        page.evaluate("window.__notReloaded = true")
        job_id = alice.create_job_with_document(f"/print/shares/{share_id}", "quarterly.pdf", pdf_bytes(20_000))
        job_row = page.locator(f"#job-{job_id}")
        expect(job_row).to_contain_text("quarterly.pdf", timeout=10_000)
        expect(job_row).to_contain_text(platen.alice.upn)
        assert page.evaluate("window.__notReloaded === true"), "the job appeared by reloading the page"
        check_page_manners(page, "all jobs")
        job_row.get_by_role("button", name=f"Cancel job {job_id}").click()
        expect(page.locator(f"#job-{job_id} .state")).to_have_text("canceled")
        job = admin.call("GET", f"/print/printers/{printer_id}/jobs/{job_id}").json()
        assert job["status"]["state"] == "canceled", job

        # Filters: by state and printer.
        page.goto(f"{platen.url}/console/admin/jobs?state=canceled&printer={printer_id}")
        expect(page.locator(f"#job-{job_id}")).to_be_visible()
        page.goto(f"{platen.url}/console/admin/jobs?state=pending&printer={printer_id}")
        expect(page.locator(f"#job-{job_id}")).to_have_count(0)
        today = time.strftime("%Y-%m-%d", time.gmtime())
        yesterday = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 86400))
        page.goto(f"{platen.url}/console/admin/jobs?from={today}&to={today}")
        expect(page.locator(f"#job-{job_id}")).to_be_visible()
        page.goto(f"{platen.url}/console/admin/jobs?to={yesterday}")
        expect(page.locator(f"#job-{job_id}")).to_have_count(0)
        assert page.request.get(f"{platen.url}/console/admin/jobs?from=yesterday").status == 400

        # Usage: the canceled job is counted for Alice and for the printer (as an incomplete job), in the chart's
        # table and in the CSV.
        page.get_by_role("link", name="Usage").click()
        expect(page.locator("#usage-users")).to_contain_text(platen.alice.upn)
        expect(page.locator("#usage-printers")).to_contain_text(name)
        expect(page.locator("#usage-total")).to_contain_text("1 jobs")
        check_page_manners(page, "usage")
        with page.expect_download() as download:
            page.get_by_role("link", name="Download CSV").click()
        lines = Path(download.value.path()).read_text().splitlines()
        assert lines[0].startswith("date,dimension,id,name,completed_jobs,incomplete_jobs,pages"), lines[0]
        assert any(f",user,{platen.alice.oid},{platen.alice.upn},0,1," in line for line in lines), lines
        assert any(f",printer,{printer_id},{name},0,1," in line for line in lines), lines
        r = page.request.get(f"{platen.url}/console/admin/usage?from=2026-13-01")
        assert r.status == 400, r.status

        # Pull-print apps: a release station's task definition, and the printer whose trigger holds jobs for it.
        held = admin.register_printer(f"{name} held", physical=False)
        definition = device.call("POST", "/print/taskDefinitions", 201, json={
            "displayName": "Release station", "createdBy": {"displayName": "Contoso Release"}}).json()
        admin.call("POST", f"/print/printers/{held}/taskTriggers", 201, json={
            "event": "jobStarted",
            "definition@odata.bind": f"{platen.url}/v1.0/print/taskDefinitions/{definition['id']}"})
        page.get_by_role("link", name="Apps").click()
        expect(page.locator("#task-definitions")).to_contain_text("Release station")
        expect(page.locator("#task-definitions")).to_contain_text("Contoso Release")
        check_page_manners(page, "apps")
        page.goto(f"{platen.url}/console/admin/printers/{held}")
        expect(page.locator("#printer-trigger")).to_contain_text("Release station (Contoso Release)")

        page.get_by_role("link", name="Connectors").click()
        check_page_manners(page, "connectors")
        page.get_by_role("link", name="Shares").click()
        expect(page.locator(f"#share-{share_id}")).to_contain_text(name)
        check_page_manners(page, "shares")

        # Sign out: the session ends, and the pages ask to sign in again.
        page.get_by_role("button", name="Sign out").click()
        expect(page).to_have_url(f"{platen.url}/console/sign-in")
        page.goto(f"{platen.url}/console/admin/jobs")
        assert "/console/sign-in" in page.url
    ctx.close()


def test_administrator_sets_print_policies_and_app_printing(platen, browser):
    admin = Graph(platen, platen.admin_token())
    alice = Graph(platen, platen.alice_token())
    name = f"Policy printer {uuid.uuid4().hex[:6]}"
    printer_id = admin.register_printer(name)
    share = admin.call("POST", "/print/shares", 201, json={
        "displayName": f"{name} share", "allowAllUsers": True,
        "printer@odata.bind": f"{platen.url}/v1.0/print/printers/{printer_id}"}).json()
    app_id = str(uuid.uuid4())
    settings_admin = platen.user_token(platen.admin, ADMIN_SCOPES + " PrintSettings.ReadWrite.All", admin=True)
    platen_api = httpx.Client(base_url=f"{platen.url}/platen", timeout=30,
                              headers={"Authorization": f"Bearer {settings_admin}"})

    ctx = browser.new_context()
    with screenshots_on_failure("policies", ctx):
        page = ctx.new_page()
        sign_in(page, platen, platen.admin, admin=True)
        page.get_by_role("link", name="Policies").click()
        check_page_manners(page, "policies")

        # A printer's policy: black and white, set in the form; Graph shows the started job changed by it.
        page.get_by_label("Name").fill("Black and white only")
        page.get_by_label("Printer", exact=True).select_option(label=name)
        page.get_by_label("Print in black and white").check()
        page.get_by_role("button", name="Add policy").click()
        table = page.locator("#print-policies")
        expect(table).to_contain_text("Black and white only")
        expect(table).to_contain_text(f"printer {name}")
        policies = platen_api.get("/print-policies").json()["value"]
        mine = [p for p in policies if p["displayName"] == "Black and white only"]
        assert len(mine) == 1 and mine[0]["printerId"] == printer_id and mine[0]["forceMonochrome"], policies
        job_id = alice.create_job_with_document(f"/print/shares/{share['id']}", "colour.pdf", pdf_bytes(3_000))
        job = alice.call("GET", f"/print/shares/{share['id']}/jobs/{job_id}").json()
        assert job["configuration"]["colorMode"] == "blackAndWhite", job["configuration"]
        assert "'Black and white only'" in job["status"]["description"], job["status"]

        # App printing: switched on and granted in the console, then an app prints on that share with its own token.
        page.get_by_role("button", name="Switch app printing on").click()
        expect(page.locator("#app-printing-switch")).to_contain_text("App printing is on")
        page.get_by_label("App (client id)").fill(app_id)
        page.get_by_label("Share", exact=True).select_option(label=f"{name} share")
        page.get_by_role("button", name="Allow the app to print here").click()
        expect(page.locator("#app-grants")).to_contain_text(app_id)
        check_page_manners(page, "policies with a grant")
        assert platen_api.get("/app-printing").json() == {"enabled": True}
        erp = Graph(platen, platen._token("app", "--tenant", platen.tenant, "--app", app_id,
                                          "--name", "Contoso ERP", "--roles", "Platen.PrintJob.Submit"))
        app_job = erp.create_job_with_document(f"/print/shares/{share['id']}", "invoice.pdf", pdf_bytes(2_000))
        got = erp.call("GET", f"/print/shares/{share['id']}/jobs/{app_job}").json()
        assert got["createdBy"]["displayName"] == "Contoso ERP", got["createdBy"]

        # Revoked and deleted from the console: the app is refused again, and new jobs print as asked.
        page.get_by_role("button", name=f"Revoke {app_id} on {name} share").click()
        expect(page.locator("#app-grants")).to_have_count(0)
        erp.call("POST", f"/print/shares/{share['id']}/jobs", 403, json={})
        page.once("dialog", lambda d: d.accept())
        page.get_by_role("button", name="Delete Black and white only").click()
        expect(page.locator("#print-policies")).to_have_count(0)
        assert platen_api.get("/print-policies").json()["value"] == []
        page.get_by_role("button", name="Switch app printing off").click()
        expect(page.locator("#app-printing-switch")).to_contain_text("App printing is off")
    ctx.close()


def test_administrator_sets_print_quotas_and_the_user_sees_the_balance(platen, browser):
    admin = Graph(platen, platen.admin_token())
    # A user of this test alone, so the budget limits nobody else's jobs.
    carol = Identity(oid=str(uuid.uuid4()), upn=f"carol-{uuid.uuid4().hex[:6]}@contoso.test", name="Carol Quota")
    carol_graph = Graph(platen, platen.user_token(carol, USER_SCOPES))
    name = f"Quota printer {uuid.uuid4().hex[:6]}"
    printer_id = admin.register_printer(name)
    share = admin.call("POST", "/print/shares", 201, json={
        "displayName": f"{name} share", "allowAllUsers": True,
        "printer@odata.bind": f"{platen.url}/v1.0/print/printers/{printer_id}"}).json()
    platen_api = httpx.Client(base_url=f"{platen.url}/platen", timeout=30,
                              headers={"Authorization": f"Bearer {platen.admin_token()}"})

    ctx = browser.new_context()
    with screenshots_on_failure("quotas", ctx):
        page = ctx.new_page()
        sign_in(page, platen, platen.admin, admin=True)
        page.get_by_role("link", name="Quotas").click()
        check_page_manners(page, "quotas")

        # Carol gets two pages a week in the form; Graph's answer to her third page says why.
        page.get_by_label("One user (an exception)").check()
        page.get_by_label("Group or user object id", exact=True).fill(carol.oid)
        page.get_by_label("Period", exact=True).select_option("week")
        page.get_by_label("Pages per period (empty for no limit)").fill("2")
        page.get_by_role("button", name="Add budget").click()
        expect(page.locator("#quota-rules")).to_contain_text(f"user {carol.oid}")
        expect(page.locator("#quota-rules")).to_contain_text("2 pages a week")
        rules = [r for r in platen_api.get("/print-quotas").json()["value"] if r["userId"] == carol.oid]
        assert len(rules) == 1 and rules[0]["pages"] == 2 and rules[0]["period"] == "week", rules
        collection = f"/print/shares/{share['id']}"
        carol_graph.create_job_with_document(collection, "one.pdf", pdf_bytes(2_000))
        carol_graph.create_job_with_document(collection, "two.pdf", pdf_bytes(2_000))
        job = carol_graph.call("POST", f"{collection}/jobs", 201, json={"configuration": {}}).json()
        doc = job["documents"][0]["id"]
        data = pdf_bytes(2_000)
        session = carol_graph.call(
            "POST", f"{collection}/jobs/{job['id']}/documents/{doc}/createUploadSession", 200,
            json={"properties": {"documentName": "three.pdf", "contentType": "application/pdf",
                                 "size": len(data)}}).json()
        httpx.put(session["uploadUrl"], content=data, timeout=30,
                  headers={"Content-Range": f"bytes 0-{len(data) - 1}/{len(data)}"}).raise_for_status()
        refused = carol_graph.call("POST", f"{collection}/jobs/{job['id']}/start", 403).json()["error"]
        assert refused["innerError"]["code"] == "printQuotaExceeded", refused
        assert refused["message"].startswith("This job needs 1 page and your print quota has 0 left this week"), refused

        # The administrator looks Carol up and credits her a page; her start page shows what is left.
        page.get_by_label("User object id", exact=True).fill(carol.oid)
        page.get_by_role("button", name="Show").click()
        expect(page.locator("#quota-accounts")).to_contain_text("week from")
        check_page_manners(page, "quotas with an account")
        page.get_by_label("For the current").select_option("week")
        page.get_by_label("Pages to add (negative to take away)").fill("1")
        page.get_by_role("button", name=f"Credit {carol.oid}").click()
        expect(page.locator("#quota-accounts td[data-label=Credited]")).to_have_text("1")
        carol_graph.call("POST", f"{collection}/jobs/{job['id']}/start", 200)
    ctx.close()

    user_ctx = browser.new_context()
    with screenshots_on_failure("quota balance", user_ctx):
        page = user_ctx.new_page()
        sign_in(page, platen, carol, admin=False)
        expect(page.locator("#print-quota")).to_contain_text("of 2 pages left this week")
        expect(page.locator("#print-quota")).to_contain_text("held by jobs not yet printed")
        check_page_manners(page, "start page with a quota")
        balance = carol_graph.http.get(f"{platen.url}/platen/print-quota-balance").json()
        assert balance["limited"] and balance["heldPages"] == 3 and balance["creditedPages"] == 1, balance
    user_ctx.close()

    ctx = browser.new_context()
    with screenshots_on_failure("quota deleted", ctx):
        page = ctx.new_page()
        sign_in(page, platen, platen.admin, admin=True)
        page.goto(f"{platen.url}/console/admin/quotas")
        page.once("dialog", lambda d: d.accept())
        page.get_by_role("button", name=f"Delete the budget for user {carol.oid}").click()
        expect(page.get_by_text(f"user {carol.oid}")).to_have_count(0)
        assert [r for r in platen_api.get("/print-quotas").json()["value"] if r["userId"] == carol.oid] == []
    ctx.close()


def test_secure_release_in_the_console_and_at_the_release_station(platen, browser):
    admin = Graph(platen, platen.admin_token())
    dana = Identity(oid=str(uuid.uuid4()), upn=f"dana-{uuid.uuid4().hex[:6]}@contoso.test", name="Dana Release")
    dana_graph = Graph(platen, platen.user_token(dana, USER_SCOPES))
    name = f"Secure printer {uuid.uuid4().hex[:6]}"
    printer_id = admin.register_printer(name)
    share = admin.call("POST", "/print/shares", 201, json={
        "displayName": f"{name} share", "allowAllUsers": True,
        "printer@odata.bind": f"{platen.url}/v1.0/print/printers/{printer_id}"}).json()
    collection = f"/print/shares/{share['id']}"

    ctx = browser.new_context()
    with screenshots_on_failure("secure release admin", ctx):
        page = ctx.new_page()
        sign_in(page, platen, platen.admin, admin=True)
        page.goto(f"{platen.url}/console/admin/printers/{printer_id}")
        page.get_by_role("button", name="Hold jobs until released").click()
        expect(page.locator("#secure-release")).to_contain_text("Secure release is on")
        expect(page.locator("#printer-trigger")).to_contain_text("Secure release")
        check_page_manners(page, "printer with secure release")
    ctx.close()

    first = dana_graph.create_job_with_document(collection, "first.pdf", pdf_bytes(2_000))
    second = dana_graph.create_job_with_document(collection, "second.pdf", pdf_bytes(2_000))
    for job_id in (first, second):
        job = dana_graph.call("GET", f"{collection}/jobs/{job_id}").json()
        assert job["status"]["state"] == "paused" and job["status"]["details"] == ["releaseWait"], job["status"]

    ctx = browser.new_context()
    with screenshots_on_failure("secure release owner", ctx):
        page = ctx.new_page()
        sign_in(page, platen, dana, admin=False)
        # Her PIN for the station, set twice the same.
        page.get_by_role("link", name="Print passwords").first.click()
        page.get_by_label("New PIN (4 to 12 digits)").fill("246810")
        page.get_by_label("The same PIN again").fill("246810")
        page.get_by_role("button", name="Set my release PIN").click()
        expect(page.locator("#pin-result")).to_contain_text("Your release PIN is set.")
        expect(page.locator("#pin-state")).to_contain_text("You have a release PIN.")
        check_page_manners(page, "passwords with a release PIN")
        # My jobs: the first job released here from the console.
        page.goto(f"{platen.url}/console/jobs")
        expect(page.locator(f"#job-{first}")).to_contain_text("paused")
        check_page_manners(page, "jobs with held jobs")
        page.get_by_role("button", name=f"Release job {first}").click()
        expect(page.locator(f"#job-{first}")).not_to_contain_text("paused")
        job = dana_graph.call("GET", f"{collection}/jobs/{first}").json()
        assert job["status"]["state"] in ("pending", "processing"), job["status"]
        # The phone page lists what still waits at this printer.
        page.goto(f"{platen.url}/console/release/{printer_id}/mine")
        expect(page.locator("#held-jobs")).to_contain_text("second.pdf")
        check_page_manners(page, "phone release page")
    ctx.close()

    # The station: no sign-in, UPN and PIN; a wrong PIN releases nothing.
    ctx = browser.new_context()
    with screenshots_on_failure("release station", ctx):
        page = ctx.new_page()
        page.goto(f"{platen.url}/console/release/{printer_id}")
        expect(page.locator("figure.qr svg")).to_be_visible()
        check_page_manners(page, "release station")
        page.get_by_label("User name (your email address)").fill(dana.upn)
        page.get_by_label("Release PIN").fill("999999")
        page.get_by_role("button", name="Release my jobs").click()
        expect(page.locator("#release-result")).to_contain_text("do not match")
        page.get_by_label("User name (your email address)").fill(dana.upn)
        page.get_by_label("Release PIN").fill("246810")
        page.get_by_role("button", name="Release my jobs").click()
        expect(page.locator("#release-result")).to_contain_text("1 job released")
        job = dana_graph.call("GET", f"{collection}/jobs/{second}").json()
        assert job["status"]["state"] in ("pending", "processing"), job["status"]
    ctx.close()


def test_user_prints_cancels_and_manages_print_passwords(platen, browser, tmp_path):
    admin = Graph(platen, platen.admin_token())
    alice = Graph(platen, platen.alice_token())
    name = f"Web print {uuid.uuid4().hex[:6]}"
    printer_id = admin.register_printer(name)
    share = admin.call("POST", "/print/shares", 201, json={
        "displayName": name, "allowAllUsers": True,
        "printer@odata.bind": f"{platen.url}/v1.0/print/printers/{printer_id}"}).json()
    # Somebody else's job on the same printer, which Alice must never see.
    other_job = admin.create_job_with_document(f"/print/printers/{printer_id}", "admins-secret.pdf", pdf_bytes(5_000))

    ctx = browser.new_context()
    with screenshots_on_failure("user", ctx):
        page = ctx.new_page()
        sign_in(page, platen, platen.alice, admin=False)
        nav = page.get_by_role("navigation", name="Main")
        expect(nav.get_by_role("link", name="Printers")).to_have_count(0)

        # Web Print: a PDF of several upload ranges, to the share, with options from the printer.
        document = pdf_bytes(9 * 1024 * 1024 + 12_345)
        pdf = tmp_path / "report.pdf"
        pdf.write_bytes(document)
        page.get_by_role("link", name="Print", exact=True).click()
        check_page_manners(page, "web print")
        page.get_by_label("Printer").select_option(label=name)  # the page reloads with that printer's options
        expect(page).to_have_url(f"{platen.url}/console/print?share={share['id']}")
        page.get_by_label("PDF document").set_input_files(str(pdf))
        page.get_by_label("Copies").fill("2")
        page.get_by_role("button", name="Print").click()
        expect(page).to_have_url(f"{platen.url}/console/jobs", timeout=60_000)
        rows = page.locator("tr", has_text="report.pdf")
        expect(rows).to_have_count(1)
        job_id = rows.first.get_attribute("id").removeprefix("job-")
        job = alice.call("GET", f"/print/shares/{share['id']}/jobs/{job_id}?$expand=documents").json()
        assert job["configuration"]["copies"] == 2, job["configuration"]
        assert job["status"]["state"] in ("pending", "processing"), job["status"]
        doc = job["documents"][0]
        assert doc["size"] == len(document) and doc["displayName"] == "report.pdf", doc
        got = admin.http.get(
            f"{admin.base}/print/printers/{printer_id}/jobs/{job_id}/documents/{doc['id']}/$value",
            follow_redirects=True)
        assert got.status_code == 200 and hashlib.sha256(got.content).digest() == hashlib.sha256(document).digest()

        # My jobs: only Alice's own; she cancels hers.
        expect(page.locator(f"#job-{other_job}")).to_have_count(0)
        check_page_manners(page, "my jobs")
        page.get_by_role("button", name=f"Cancel job {job_id}").click()
        expect(page.locator(f"#job-{job_id} .state")).to_have_text("canceled")
        assert alice.call("GET", f"/print/shares/{share['id']}/jobs/{job_id}").json()["status"]["state"] == "canceled"

        # Admin pages are refused by the server itself, not only hidden, and so is acting on another's job.
        csrf = page.evaluate("document.querySelector('input[name=csrf]').value")
        r = page.goto(f"{platen.url}/console/admin/jobs")
        assert r.status == 403
        expect(page.locator("h1")).to_have_text("Not allowed")
        check_page_manners(page, "403 page")
        r = page.request.post(f"{platen.url}/console/admin/printers/{printer_id}/delete", form={"csrf": csrf})
        assert r.status == 403, r.status
        admin.call("GET", f"/print/printers/{printer_id}")
        r = page.request.post(f"{platen.url}/console/jobs/{other_job}/cancel", form={"csrf": csrf})
        assert r.status == 404, r.status
        state = admin.call("GET", f"/print/printers/{printer_id}/jobs/{other_job}").json()["status"]["state"]
        assert state != "canceled"

        # Print passwords: created here, shown once, and they work with CUPS' ipptool.
        page.get_by_role("link", name="Print passwords").click()
        page.get_by_label("Label").fill("Laptop")
        page.get_by_role("button", name="Create a print password").click()
        password = page.locator("#new-password").inner_text().strip()
        assert password.count("-") == 1, password
        check_page_manners(page, "print passwords")
        ipptool = shutil.which("ipptool")
        assert ipptool, "ipptool is required (Debian cups-ipp-utils; ./scripts/test.sh installs it)"
        host = platen.url.removeprefix("http://")
        uri = f"ipp://{platen.alice.upn.replace('@', '%40')}:{password}@{host}/ipp/shares/{share['id']}"
        small = tmp_path / "ipp.pdf"
        small.write_bytes(pdf_bytes(3_000))
        print_job = [ipptool, "-tv", "-f", str(small), uri, "print-job.test"]
        out = subprocess.run(print_job, capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stdout + out.stderr
        jobs = alice.call("GET", f"/print/shares/{share['id']}/jobs").json()["value"]
        assert any(j["createdBy"]["userPrincipalName"] == platen.alice.upn and j["id"] != job_id for j in jobs), jobs
        page.goto(f"{platen.url}/console/passwords")
        expect(page.locator("td", has_text="Laptop")).to_be_visible()
        expect(page.locator("#new-password")).to_have_count(0)
        page.once("dialog", lambda d: d.accept())
        page.get_by_role("button", name="Revoke Laptop").click()
        expect(page.locator("td", has_text="Laptop")).to_have_count(0)
        out = subprocess.run(print_job, capture_output=True, text=True, timeout=60)
        assert out.returncode != 0, "a revoked print password still prints"
    ctx.close()


class _AttackerPage(http.server.BaseHTTPRequestHandler):
    target = ""

    def do_GET(self):  # noqa: N802 (http.server's name)
        page = (f'<form id="f" method="post" action="{self.target}/console/passwords">'
                '<input name="label" value="planted"><input name="csrf" value="guess"></form>'
                '<script>document.getElementById("f").submit()</script>').encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)

    def log_message(self, *args):
        pass


def test_a_form_posted_from_another_site_is_refused(platen, browser):
    ctx = browser.new_context()
    with screenshots_on_failure("csrf", ctx):
        page = ctx.new_page()
        sign_in(page, platen, platen.alice, admin=False)
        _AttackerPage.target = platen.url
        server = http.server.HTTPServer(("127.0.0.1", 0), _AttackerPage)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            with page.expect_response(f"{platen.url}/console/passwords") as posted:
                page.goto(f"http://127.0.0.1:{server.server_port}/")
            assert posted.value.status == 403, posted.value.status
        finally:
            server.shutdown()
        page.goto(f"{platen.url}/console/passwords")
        expect(page.locator("td", has_text="planted")).to_have_count(0)
    ctx.close()
