"""Test harness for the Graph SDK compatibility suite.

Starts one Platen server per test session (binary from $PLATEN_BIN, default
target/debug/platen relative to the repository root) on a free port with a
temporary data directory, and mints development tokens with `platen token`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT_S = 60.0

# Delegated permissions of the printer administrator and of an ordinary user (see graph-print-api.md §7).
ADMIN_SCOPES = (
    "Printer.Create Printer.FullControl.All Printer.ReadWrite.All "
    "PrinterShare.ReadWrite.All PrintJob.ReadWrite.All"
)
USER_SCOPES = "PrintJob.ReadWrite PrinterShare.ReadBasic.All"
# Application permissions that would allow everything an app may do to jobs; cancel is still delegated-only.
APP_ROLES = "PrintJob.ReadWrite.All PrintJob.Manage.All Printer.Read.All Printer.ReadWrite.All"

_server_log: Path | None = None


def platen_bin() -> Path:
    p = Path(os.environ.get("PLATEN_BIN", "target/debug/platen"))
    return p if p.is_absolute() else REPO_ROOT / p


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _clean_env() -> dict[str, str]:
    # Stray PLATEN_* settings (database URL, config file, ...) must not leak into the test server;
    # PLATEN_LOG (log filter) is kept for debugging.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLATEN_") or k == "PLATEN_LOG"}
    env.setdefault("RUST_BACKTRACE", "1")
    # No DNS-SD advertising from test servers: nothing of theirs should reach the machine's network.
    env["PLATEN_DNSSD"] = "false"
    return env


@dataclass
class Identity:
    oid: str
    upn: str
    name: str


@dataclass
class Platen:
    """A running Platen server and the identities of one test tenant."""

    bin: Path
    url: str  # http://127.0.0.1:PORT, no trailing slash
    data_dir: Path
    process: subprocess.Popen
    tenant: str = field(default_factory=lambda: str(uuid.uuid4()))
    admin: Identity = field(
        default_factory=lambda: Identity(str(uuid.uuid4()), "admin@contoso.example", "Printer Admin")
    )
    alice: Identity = field(
        default_factory=lambda: Identity(str(uuid.uuid4()), "alice@contoso.example", "Alice Example")
    )
    client_app: str = field(default_factory=lambda: str(uuid.uuid4()))

    def _token(self, *args: str) -> str:
        out = subprocess.run(
            [str(self.bin), "token", *args, "--data-dir", str(self.data_dir)],
            check=True,
            capture_output=True,
            text=True,
            env=_clean_env(),
            timeout=60,
        )
        token = out.stdout.strip()
        assert token.count(".") == 2, f"`platen token {args[0]}` did not print a JWT: {out.stdout!r}"
        return token

    def user_token(self, who: Identity, scopes: str, admin: bool = False) -> str:
        args = [
            "user", "--tenant", self.tenant, "--user", who.oid, "--upn", who.upn,
            "--name", who.name, "--app", self.client_app, "--scopes", scopes,
        ]
        if admin:
            args.append("--admin")
        return self._token(*args)

    def admin_token(self) -> str:
        return self.user_token(self.admin, ADMIN_SCOPES, admin=True)

    def alice_token(self) -> str:
        return self.user_token(self.alice, USER_SCOPES)

    def app_token(self, roles: str = APP_ROLES) -> str:
        return self._token("app", "--tenant", self.tenant, "--app", str(uuid.uuid4()), "--roles", roles)


def _log_tail(path: Path | None, lines: int = 60) -> str:
    if path is None or not path.exists():
        return "(no server log)"
    text = path.read_text(errors="replace").splitlines()
    return "\n".join(text[-lines:])


def _start(binary: Path, data_dir: Path, log_path: Path, extra_env: dict[str, str] | None = None
           ) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = open(log_path, "ab")
    proc = subprocess.Popen(
        [str(binary), "serve", "--listen", f"127.0.0.1:{port}", "--data-dir", str(data_dir), "--public-url", url],
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**_clean_env(), **(extra_env or {})},
        cwd=data_dir,
    )
    log.close()
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return proc, url  # exited (e.g. port taken); caller decides
        try:
            r = httpx.get(f"{url}/healthz", timeout=2)
            if r.status_code == 200 and r.text.strip() == "ok":
                return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    return proc, url


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@contextlib.contextmanager
def _running_platen(config: str | None = None):
    """A `platen serve` on a free port with its own data directory (and `config` as its TOML file, if given)."""
    global _server_log
    binary = platen_bin()
    if not binary.is_file():
        pytest.fail(f"Platen binary not found at {binary}: build it with `cargo build -p platen-server` "
                    f"or point PLATEN_BIN at it")
    root = Path(tempfile.mkdtemp(prefix="platen-compat-"))
    _server_log = root / "server.log"
    extra_env = {}
    if config is not None:
        (root / "platen.toml").write_text(config)
        extra_env["PLATEN_CONFIG"] = str(root / "platen.toml")
    proc = None
    try:
        for attempt in range(3):  # the free port may be grabbed between probing and binding
            data_dir = root / f"data{attempt}"
            data_dir.mkdir()
            proc, url = _start(binary, data_dir, _server_log, extra_env)
            if proc.poll() is None:
                break
        else:
            pytest.fail(f"platen serve did not start:\n{_log_tail(_server_log)}")
        try:
            httpx.get(f"{url}/healthz", timeout=2).raise_for_status()
        except httpx.HTTPError as e:
            _stop(proc)
            pytest.fail(f"platen serve is not healthy after {STARTUP_TIMEOUT_S}s ({e}):\n{_log_tail(_server_log)}")
        yield Platen(bin=binary, url=url, data_dir=data_dir, process=proc)
    finally:
        if proc is not None:
            _stop(proc)
        if os.environ.get("PLATEN_COMPAT_KEEP"):
            print(f"\nkept Platen data and log in {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def platen():
    with _running_platen() as p:
        yield p


@pytest.fixture(scope="module")
def throttled_platen():
    """A server of its own whose users may each create one print job per 2-second window."""
    with _running_platen("[throttling]\njobs_per_user = { limit = 1, window_secs = 2 }\n") as p:
        yield p


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Attach the tail of the server log to failing tests."""
    outcome = yield
    rep = outcome.get_result()
    if rep.failed and _server_log is not None:
        rep.sections.append(("platen server log (tail)", _log_tail(_server_log)))
