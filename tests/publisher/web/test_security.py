"""The editor is closed to strangers: login required, CSRF tokens on every form, rate-limited logins,
tokens for the API, and hostile article text rendered inert."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from fastapi.routing import APIRoute

from publisher import editing, library
from publisher.articles import Article, Section
from publisher.store import Store
from publisher.web.routes import ROUTERS
from tests.support.factories import seed_article

from .conftest import PASSWORD, csrf_of, log_in


def _editor_routes() -> list[tuple[str, str]]:
    out = []
    for router in ROUTERS:
        for route in router.routes:
            if isinstance(route, APIRoute) and route.path.startswith("/editor"):
                path = re.sub(r"\{[^}]+\}", "1", route.path)
                out.extend((method, path) for method in sorted(route.methods))
    return out


EDITOR_ROUTES = _editor_routes()


def test_the_editor_has_routes_to_check():
    assert len(EDITOR_ROUTES) >= 20  # a broken route listing would make the next test pass vacuously


@pytest.mark.parametrize(("method", "path"), EDITOR_ROUTES, ids=[f"{m} {p}" for m, p in EDITOR_ROUTES])
def test_every_editor_route_without_a_session_redirects_to_login(http: httpx.Client, method: str, path: str):
    response = http.request(method, path, data={"csrf_token": "x"} if method == "POST" else None)

    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=/editor")


def test_a_forged_session_cookie_is_not_a_session(http: httpx.Client):
    response = http.get("/editor", headers={"Cookie": "publisher_session=made-up"})
    assert response.status_code == 303


def test_login_sets_a_httponly_samesite_session_cookie(http: httpx.Client, editor_user: str):
    response = log_in(http)

    assert response.status_code == 303 and response.headers["location"] == "/editor"
    cookie = response.headers["set-cookie"]
    assert "publisher_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # served over plain http here; over https the cookie is Secure
    assert http.get("/editor").status_code == 200


def test_a_wrong_password_is_refused(http: httpx.Client, editor_user: str):
    response = log_in(http, password="not the password")
    assert response.status_code == 401
    assert "Wrong username or password" in response.text
    assert http.get("/editor").status_code == 303


def test_a_wrong_password_keeps_the_user_name_and_asks_only_for_the_password(http: httpx.Client, editor_user: str):
    response = log_in(http, password="not the password")

    assert f'name="username" autocomplete="username" required value="{editor_user}">' in response.text
    assert 'autocomplete="current-password" required autofocus>' in response.text
    assert "not the password" not in response.text


def test_logins_are_rate_limited_even_with_the_right_password(http: httpx.Client, editor_user: str):
    for _ in range(5):
        assert log_in(http, password="guess").status_code == 401

    response = log_in(http, password=PASSWORD)

    assert response.status_code == 429
    assert "too many failed logins" in response.text
    assert "publisher_session" not in response.headers.get("set-cookie", "")


def test_login_form_without_its_csrf_token_is_refused(http: httpx.Client, editor_user: str):
    http.get("/login")
    response = http.post("/login", data={"username": "editor", "password": PASSWORD})
    assert response.status_code == 403


def test_login_does_not_redirect_off_site(http: httpx.Client, editor_user: str):
    form = http.get("/login?next=//evil.example/x")
    response = http.post(
        "/login",
        data={"csrf_token": csrf_of(form.text), "username": "editor", "password": PASSWORD, "next": "//evil.example"},
    )
    assert response.headers["location"] == "/editor"


def test_a_form_without_the_csrf_token_is_refused(editor: httpx.Client, store: Store, seed_path: Path):
    article_id = seed_article(store, seed_path)

    missing = editor.post(f"/editor/articles/{article_id}/publish", data={"action": "publish"})
    wrong = editor.post(f"/editor/articles/{article_id}/publish", data={"action": "publish", "csrf_token": "forged"})

    assert missing.status_code == 403 and wrong.status_code == 403
    assert "security token" in missing.text
    assert editing.article_info(store, article_id).published_at is None


def test_the_same_form_with_its_token_goes_through(editor: httpx.Client, store: Store, seed_path: Path):
    article_id = seed_article(store, seed_path)
    token = csrf_of(editor.get(f"/editor/articles/{article_id}").text)

    response = editor.post(f"/editor/articles/{article_id}/publish", data={"action": "publish", "csrf_token": token})

    assert response.status_code == 303
    assert editing.article_info(store, article_id).published_at is not None


def test_logout_ends_the_session(editor: httpx.Client):
    token = csrf_of(editor.get("/editor").text)
    assert editor.post("/logout", data={"csrf_token": token}).status_code == 303
    assert editor.get("/editor").status_code == 303


HOSTILE = Article(
    title='Title <script>alert("t")</script>',
    slug="hostile",
    summary='<img src=x onerror="alert(1)">',
    sections=(
        Section(
            '<a href="javascript:alert(2)">heading</a>',
            ("<script>alert(3)</script>", "<img src=x onerror=alert(4)>", '<a href="javascript:alert(5)">click</a>'),
        ),
    ),
    source={"sha256": "hostile"},
)


def _assert_inert(html: str) -> None:
    assert "<script>alert" not in html
    assert "<img src=x" not in html and '<img src="x"' not in html
    assert '<a href="javascript:' not in html and "href=javascript:" not in html
    assert "&lt;script&gt;alert" in html  # shown as text, not dropped silently


def test_an_article_with_script_onerror_and_javascript_links_renders_inert(
    editor: httpx.Client, http: httpx.Client, store: Store
):
    [(article_id, _)] = library.save_articles(store, [HOSTILE])
    editing.set_published(store, article_id, True)

    pages = [
        http.get("/articles/hostile").text,
        http.get("/").text,
        editor.get("/editor/articles").text,
        editor.get(f"/editor/articles/{article_id}").text,
        editor.get(f"/editor/articles/{article_id}/share").text,
        editor.get("/editor").text,
    ]
    for html in pages:
        _assert_inert(html)
    # The digest preview sits in a sandboxed srcdoc frame: its markup is an escaped attribute value.
    preview = editor.get(f"/editor/articles/{article_id}/preview").text
    assert '<iframe title="Digest at desktop width" sandbox=""' in preview
    assert "<script>" not in preview.split("<iframe", 1)[1].split("</iframe>", 1)[0]
    assert "<script" not in preview.replace('<script src="/static/editor.js"', "")


def test_pages_carry_a_content_security_policy(http: httpx.Client):
    policy = http.get("/").headers["content-security-policy"]
    assert "script-src 'self'" in policy and "object-src 'none'" in policy


def test_the_api_without_a_token_is_401(http: httpx.Client):
    for method, path in [("GET", "/api/articles"), ("GET", "/api/campaigns/1"), ("POST", "/api/campaigns/send")]:
        response = http.request(method, path)
        assert response.status_code == 401, path
        assert response.headers["www-authenticate"] == "Bearer"


def test_the_api_with_a_wrong_token_is_401(http: httpx.Client):
    response = http.get("/api/articles", headers={"Authorization": "Bearer pub_nope"})
    assert response.status_code == 401


def test_a_session_cookie_does_not_open_the_api(editor: httpx.Client):
    assert editor.get("/api/articles").status_code == 401


def test_over_https_the_session_cookie_is_secure(settings, store: Store, editor_user: str):
    from fastapi.testclient import TestClient

    from publisher.web import create_app

    with TestClient(create_app(settings, store), base_url="https://testserver", follow_redirects=False) as client:
        response = log_in(client)

    assert response.status_code == 303
    assert "Secure" in response.headers["set-cookie"] and "HttpOnly" in response.headers["set-cookie"]


def test_odd_urls_are_404_pages_not_errors(editor: httpx.Client, http: httpx.Client):
    huge = "99999999999999999999"
    for path in [
        f"/editor/articles/{huge}",
        f"/editor/articles/{huge}/preview",
        f"/editor/campaigns/{huge}",
        f"/editor/campaigns/{huge}/progress",
        "/editor/articles/0",
        "/editor/articles/abc",
        "/editor/articles/5/send",
        f"/digests/{huge}",
    ]:
        response = editor.get(path)
        assert response.status_code == 404, path
        assert "Not found" in response.text or "no article with id 5" in response.text, path
    assert editor.get("/editor/subscribers/export", params={"list": "nope"}).status_code == 404
    assert editor.get("/editor/subscribers", params={"q": "\x00%_"}).status_code == 200
