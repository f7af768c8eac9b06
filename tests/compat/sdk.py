"""Helpers to drive Platen with Microsoft's Python Graph SDKs (graph-clients.md §1.2, §1.6)."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime
import subprocess
import tempfile
import uuid
from pathlib import Path
from typing import AsyncIterator

import httpx
import msgraph.graph_request_adapter as v1_gra
from kiota_abstractions.authentication import (
    AccessTokenProvider,
    AllowedHostsValidator,
    BaseBearerTokenAuthenticationProvider,
)
from kiota_abstractions.base_request_configuration import RequestConfiguration
from kiota_http.middleware.options import HeadersInspectionHandlerOption
from msgraph import GraphServiceClient
from msgraph.graph_request_adapter import GraphRequestAdapter
from msgraph_beta import GraphServiceClient as BetaGraphServiceClient
from msgraph_beta.graph_request_adapter import GraphRequestAdapter as BetaGraphRequestAdapter
from msgraph_core import GraphClientFactory


class FixedToken(AccessTokenProvider):
    """Returns one bearer token for every request to an allowed host."""

    def __init__(self, token: str, hosts: list[str]):
        self._token = token
        self._hosts = AllowedHostsValidator(hosts)

    async def get_authorization_token(self, uri, additional_authentication_context={}):  # noqa: B006 (kiota signature)
        return self._token if self._hosts.is_url_host_valid(uri) else ""

    def get_allowed_hosts_validator(self):
        return self._hosts


def _auth(token: str) -> BaseBearerTokenAuthenticationProvider:
    return BaseBearerTokenAuthenticationProvider(FixedToken(token, ["127.0.0.1"]))


@contextlib.asynccontextmanager
async def v1_client(base_url: str, token: str) -> AsyncIterator[GraphServiceClient]:
    """msgraph-sdk client for {base_url}/v1.0 (recipe of graph-clients.md §1.2)."""
    adapter = GraphRequestAdapter(_auth(token))
    adapter.base_url = f"{base_url}/v1.0"  # no trailing slash (pitfall 1)
    try:
        yield GraphServiceClient(request_adapter=adapter)
    finally:
        await adapter._http_client.aclose()


@contextlib.asynccontextmanager
async def beta_client(base_url: str, token: str) -> AsyncIterator[BetaGraphServiceClient]:
    """msgraph-beta-sdk client for {base_url}/beta."""
    adapter = BetaGraphRequestAdapter(_auth(token))
    adapter.base_url = f"{base_url}/beta"
    try:
        yield BetaGraphServiceClient(request_adapter=adapter)
    finally:
        await adapter._http_client.aclose()


@contextlib.asynccontextmanager
async def v1_client_double_slash(base_url: str, token: str, seen_urls: list[str]):
    """msgraph-sdk client whose base URL comes from the httpx client (pitfall 1).

    httpx normalises a client base_url to end in "/", and the SDK's URL templates start with
    "{+baseurl}/print/...", so every request goes to /v1.0//print/... . `seen_urls` receives the
    URL of every request actually sent.
    """

    async def record(request: httpx.Request):
        seen_urls.append(str(request.url))

    http = httpx.AsyncClient(base_url=f"{base_url}/v1.0", event_hooks={"request": [record]})
    http = GraphClientFactory.create_with_default_middleware(client=http, options=v1_gra.options)
    adapter = GraphRequestAdapter(_auth(token), client=http)  # base_url deliberately not set
    try:
        yield GraphServiceClient(request_adapter=adapter)
    finally:
        await http.aclose()


def response_headers() -> tuple[HeadersInspectionHandlerOption, RequestConfiguration]:
    """A request configuration that captures the response headers of one SDK call.

    Calls such as printers.create.post() return None (kiota's send_no_response_content_async), so
    the 202's Operation-Location header is read through kiota's HeadersInspectionHandler, which is
    part of the SDK's default middleware pipeline; no raw HTTP call is needed.
    """
    opt = HeadersInspectionHandlerOption(inspect_request_headers=False, inspect_response_headers=True)
    return opt, RequestConfiguration(options=[opt])


def header(opt: HeadersInspectionHandlerOption, name: str) -> str | None:
    values = opt.response_headers.get(name)
    return next(iter(values)) if values else None


def make_csr() -> str:
    """Base64 DER of a fresh PKCS#10 CSR for an EC P-256 key, made with openssl (PEM armour stripped)."""
    with tempfile.TemporaryDirectory(prefix="platen-csr-") as d:
        key, req = Path(d) / "k", Path(d) / "r"
        subprocess.run(
            ["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-subj", "/CN=platen-compat", "-keyout", str(key), "-out", str(req)],
            check=True, capture_output=True, timeout=60,
        )
        pem = req.read_text()
    body = "".join(line.strip() for line in pem.splitlines() if line.strip() and not line.startswith("-----"))
    base64.b64decode(body, validate=True)
    return body


def transport_key() -> str:
    return base64.b64encode(uuid.uuid4().bytes).decode()


def document_bytes(size: int = 100_000) -> bytes:
    """A PDF-looking payload with varying bytes, so any misplaced range shows in a byte comparison."""
    head = b"%PDF-1.7\n% platen compat test\n"
    body = bytes((i * 7 + i // 251) % 256 for i in range(size - len(head) - 6))
    return head + body + b"%%EOF\n"


async def put_document(upload_url: str, data: bytes, chunk: int = 32 * 1024) -> list[httpx.Response]:
    """Plain PUT loop of graph-clients.md §1.6 (no Authorization header, not LargeFileUploadTask)."""
    responses = []
    async with httpx.AsyncClient(timeout=30) as http:
        for start in range(0, len(data), chunk):
            part = data[start:start + chunk]
            end = start + len(part) - 1
            r = await http.put(upload_url, content=part,
                               headers={"Content-Range": f"bytes {start}-{end}/{len(data)}"})
            assert r.status_code in (201, 202), (
                f"PUT {upload_url} bytes {start}-{end}/{len(data)}: expected 202/201, got {r.status_code} {r.text}")
            responses.append(r)
    return responses


async def poll_operation(get_operation, retry_after: str | None, timeout_s: float = 30.0):
    """GET the printer-create operation (via the SDK) until it leaves notStarted/running."""
    # Honour Retry-After as an upper bound only, to keep the suite fast.
    delay = min(float(retry_after), 0.2) if retry_after else 0.2
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        op = await get_operation()
        state = getattr(getattr(op, "status", None), "state", None)
        if state is not None and getattr(state, "value", state) in ("succeeded", "failed"):
            return op
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"printer registration did not finish within {timeout_s}s: {op!r}")
        await asyncio.sleep(delay)


def utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)
