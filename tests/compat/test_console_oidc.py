"""Console sign-in through OpenID Connect (authorization code flow with PKCE), in Chromium, against a small
OpenID provider run by the test: discovery document, authorization endpoint, token endpoint that checks the
PKCE verifier (S256), ID tokens signed with an ES256 key that Platen trusts through `[[auth.issuers]]`.
The provider names no tenant (`tid`), like Keycloak: `[[console.providers]]` says which tenant its users are in,
and which provider role makes a Printer Administrator.
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import json
import secrets
import threading
import time
import urllib.parse
import uuid

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from playwright.sync_api import expect

from conftest import _running_platen
from test_console_browser import browser, screenshots_on_failure  # noqa: F401 (the fixture is used by name)

CLIENT_ID = "platen-console-test"
CLIENT_SECRET = "s3cret-for-the-test"


class Provider:
    """The OpenID provider: one user, who consents to everything."""

    def __init__(self):
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.codes: dict[str, dict] = {}
        self.token_requests: list[dict] = []
        self.user = {"sub": str(uuid.uuid4()), "email": "grace@idp.example", "name": "Grace Hopper",
                     "roles": ["PrintAdmin"]}
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.issuer = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def public_pem(self) -> str:
        return self.key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()

    def _handler(self):
        provider = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _json(self, status: int, body: dict):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):  # noqa: N802
                url = urllib.parse.urlsplit(self.path)
                q = dict(urllib.parse.parse_qsl(url.query))
                if url.path == "/.well-known/openid-configuration":
                    return self._json(200, {
                        "issuer": provider.issuer,
                        "authorization_endpoint": f"{provider.issuer}/authorize",
                        "token_endpoint": f"{provider.issuer}/token",
                        "jwks_uri": f"{provider.issuer}/jwks",
                        "response_types_supported": ["code"],
                        "code_challenge_methods_supported": ["S256"],
                    })
                if url.path == "/authorize":
                    ok = (q.get("response_type") == "code" and q.get("client_id") == CLIENT_ID
                          and q.get("code_challenge_method") == "S256" and q.get("code_challenge")
                          and "openid" in q.get("scope", "").split() and q.get("nonce") and q.get("state"))
                    if not ok:
                        return self._json(400, {"error": "invalid_request", "got": q})
                    code = secrets.token_urlsafe(16)
                    provider.codes[code] = q
                    target = f"{q['redirect_uri']}?code={code}&state={urllib.parse.quote(q['state'])}"
                    self.send_response(302)
                    self.send_header("Location", target)
                    self.end_headers()
                    return None
                return self._json(404, {"error": "not_found"})

            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length", "0"))
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                provider.token_requests.append(form)
                grant = provider.codes.pop(form.get("code", ""), None)  # a code works once
                if grant is None:
                    return self._json(400, {"error": "invalid_grant"})
                verifier = form.get("code_verifier", "")
                challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
                if (challenge != grant["code_challenge"] or form.get("redirect_uri") != grant["redirect_uri"]
                        or form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET):
                    return self._json(400, {"error": "invalid_grant", "description": "PKCE or client mismatch"})
                now = int(time.time())
                claims = {"iss": provider.issuer, "aud": CLIENT_ID, "iat": now, "exp": now + 300,
                          "nonce": grant["nonce"], **provider.user}
                token = jwt.encode(claims, provider.key, algorithm="ES256", headers={"kid": "test"})
                return self._json(200, {"id_token": token, "access_token": "opaque", "token_type": "Bearer"})

        return Handler

    def close(self):
        self.server.shutdown()


@pytest.fixture(scope="module")
def oidc(tmp_path_factory):
    provider = Provider()
    key_file = tmp_path_factory.mktemp("oidc") / "issuer.pem"
    key_file.write_text(provider.public_pem())
    tenant = str(uuid.uuid4())
    config = f"""
[auth]
trust_dev_issuer = false

[[auth.issuers]]
issuer = "{provider.issuer}"
audiences = ["{CLIENT_ID}"]
key_file = "{key_file}"

[[console.providers]]
id = "test-idp"
name = "Test IdP"
issuer = "{provider.issuer}"
client_id = "{CLIENT_ID}"
client_secret = "{CLIENT_SECRET}"
tenant_id = "{tenant}"
admin_role = "PrintAdmin"
"""
    with _running_platen(config) as platen:
        yield platen, provider, tenant
    provider.close()


def test_sign_in_with_an_openid_provider(oidc, browser):  # noqa: F811 (pytest fixture)
    platen, provider, _tenant = oidc
    ctx = browser.new_context()
    with screenshots_on_failure("oidc", ctx):
        page = ctx.new_page()
        page.goto(f"{platen.url}/console/admin/printers")
        # The development page is off with trust_dev_issuer off; the provider's button is there.
        expect(page.get_by_text("For development only.")).to_have_count(0)
        page.get_by_role("link", name="Sign in with Test IdP").click()
        expect(page).to_have_url(f"{platen.url}/console/admin/printers")
        expect(page.locator("#signed-in-user")).to_have_text("Grace Hopper")
        expect(page.locator("h1")).to_have_text("Printers")  # the provider role made her an administrator
        grant = provider.token_requests[-1]
        assert grant["grant_type"] == "authorization_code" and len(grant["code_verifier"]) >= 43, grant
        # The login cookie is gone, the session cookie is HttpOnly.
        cookies = {c["name"]: c for c in ctx.cookies()}
        assert "platen-console-login" not in cookies, cookies
        assert cookies["platen-console"]["httpOnly"] and cookies["platen-console"]["sameSite"] == "Lax", cookies

        # A callback that is not this browser's sign-in (wrong state, replayed code) is refused.
        r = page.goto(f"{platen.url}/console/auth/callback?code=x&state=forged")
        assert r.status == 400, r.status
        # The development sign-in does not exist when trust_dev_issuer is off.
        r = page.request.post(f"{platen.url}/console/sign-in/dev", form={"upn": "mallory@x", "tenant_id": "t"})
        assert r.status == 404, r.status
    ctx.close()


def test_a_user_without_the_role_sees_only_their_own_pages(oidc, browser):  # noqa: F811
    platen, provider, _tenant = oidc
    provider.user = {"sub": str(uuid.uuid4()), "preferred_username": "kim@idp.example", "name": "Kim"}
    ctx = browser.new_context()
    with screenshots_on_failure("oidc-user", ctx):
        page = ctx.new_page()
        page.goto(f"{platen.url}/console/sign-in")
        page.get_by_role("link", name="Sign in with Test IdP").click()
        expect(page.locator("#signed-in-user")).to_have_text("Kim")
        r = page.goto(f"{platen.url}/console/admin/printers")
        assert r.status == 403, r.status
    ctx.close()
