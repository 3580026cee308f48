"""Headers and the login form's CSRF token (issue 18, item 14), against the app served by uvicorn."""

from __future__ import annotations

import base64
import hashlib
import re

import httpx
import pytest

from publisher.config import Settings
from publisher.store import Store
from publisher.web import create_app
from tests.support.web import LiveServer

from .conftest import PASSWORD, csrf_of


def directives(policy: str) -> dict[str, list[str]]:
    out = {}
    for part in policy.split(";"):
        name, *values = part.split()
        out[name] = values
    return out


def test_the_api_docs_page_has_its_own_policy_and_cannot_be_framed(http: httpx.Client):
    docs = http.get("/api/docs")

    assert docs.status_code == 200 and "SwaggerUIBundle" in docs.text
    policy = directives(docs.headers["content-security-policy"])
    inline = re.findall(r"<script>(.*?)</script>", docs.text, re.DOTALL)
    hashes = {"'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'" for s in inline}
    assert inline and hashes <= set(policy["script-src"])  # the page's own bootstrap script, by its hash
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]
    assert policy["frame-ancestors"] == ["'none'"] and policy["object-src"] == ["'none'"]
    assert policy["default-src"] == ["'none'"] and policy["connect-src"] == ["'self'"]
    assert docs.headers["x-frame-options"] == "DENY"
    assert docs.headers["x-content-type-options"] == "nosniff"


def test_an_https_base_url_turns_on_hsts(http: httpx.Client):
    assert Settings().base_url.startswith("https://")
    for path in ("/", "/healthz", "/api/docs", "/login", "/no-such-page"):
        assert http.get(path).headers["strict-transport-security"] == "max-age=31536000", path


def test_an_http_base_url_sends_no_hsts(monkeypatch: pytest.MonkeyPatch, store: Store):
    monkeypatch.setenv("PUBLISHER_BASE_URL", "http://localhost:8000")
    server = LiveServer(create_app(Settings(), store)).start()
    try:
        answer = httpx.get(f"{server.url}/")
    finally:
        server.stop()
    assert "strict-transport-security" not in answer.headers


def test_login_refuses_a_csrf_cookie_chosen_by_the_client(http: httpx.Client, editor_user: str):
    http.cookies.set("publisher_login_csrf", "chosen-by-the-attacker", path="/login")
    answer = http.post(
        "/login", data={"csrf_token": "chosen-by-the-attacker", "username": "editor", "password": PASSWORD}
    )
    assert answer.status_code == 403
    assert "publisher_session" not in answer.headers.get("set-cookie", "")


def test_the_login_page_replaces_a_cookie_it_did_not_issue(http: httpx.Client, editor_user: str):
    http.cookies.set("publisher_login_csrf", "chosen-by-the-attacker", path="/login")
    page = http.get("/login")

    issued = page.cookies.get("publisher_login_csrf")
    assert issued and issued != "chosen-by-the-attacker" and csrf_of(page.text) != "chosen-by-the-attacker"
    good = {"csrf_token": csrf_of(page.text), "username": "editor", "password": PASSWORD}
    assert http.post("/login", data=good).status_code == 303


def test_a_login_token_works_only_with_the_pre_session_it_was_issued_for(live_server: LiveServer, editor_user: str):
    with httpx.Client(base_url=live_server.url) as a, httpx.Client(base_url=live_server.url) as b:
        token_a = csrf_of(a.get("/login").text)
        b.get("/login")
        crossed = b.post("/login", data={"csrf_token": token_a, "username": "editor", "password": PASSWORD})
        own = a.post("/login", data={"csrf_token": token_a, "username": "editor", "password": PASSWORD})
    assert crossed.status_code == 403 and own.status_code == 303
