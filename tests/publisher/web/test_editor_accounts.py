"""The editor's API tokens page (scopes) and the administrators' People page (issue 18, item 12), over real HTTP."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from publisher import editors
from publisher.store import Store
from tests.support.web import LiveServer

from .conftest import PASSWORD, csrf_of, log_in


def _post(client: httpx.Client, page: str, action: str, data: dict | None = None) -> httpx.Response:
    return client.post(action, data={"csrf_token": csrf_of(client.get(page).text), **(data or {})})


@pytest.fixture
def colleague(store: Store, editor: httpx.Client) -> str:
    """A second editor, not an administrator (the first user, `editor`, is one), with two API tokens."""
    editors.add_user(store, "ed", PASSWORD)
    for name in ("cms", "backup"):
        editors.create_token(store, "ed", name)
    return "ed"


@pytest.fixture
def ed(live_server: LiveServer, colleague: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server.url, timeout=10, follow_redirects=False) as client:
        assert log_in(client, colleague).status_code == 303
        yield client


def api_status(live_server: LiveServer, token: str) -> int:
    with httpx.Client(base_url=live_server.url, timeout=10) as api:
        return api.get("/api/me", headers={"Authorization": f"Bearer {token}"}).status_code


def test_a_token_gets_the_scopes_ticked_and_the_list_shows_them(editor: httpx.Client, live_server: LiveServer):
    form = editor.get("/editor/tokens").text
    assert form.count('type="checkbox" name="scope"') == 3 and form.count("checked") == 3  # all three by default

    created = _post(editor, "/editor/tokens", "/editor/tokens", {"name": "reader", "scope": ["read"]})
    token = re.search(r'<code id="new-token">([^<]+)</code>', created.text).group(1)
    with httpx.Client(base_url=live_server.url, timeout=10) as api:
        headers = {"Authorization": f"Bearer {token}"}
        assert api.get("/api/me", headers=headers).json()["scopes"] == ["read"]
        refused = api.post("/api/campaigns/send", headers=headers, json={"article_ids": [1], "list_name": "x"})
    assert refused.status_code == 403 and "lacks the 'send' scope" in refused.json()["detail"]

    _post(editor, "/editor/tokens", "/editor/tokens", {"name": "all", "scope": ["read", "write", "send"]})
    rows = re.findall(r'<td>([^<]+)</td><td class="scopes">([^<]*)</td>', editor.get("/editor/tokens").text)
    assert rows == [("reader", "read"), ("all", "read, write, send")]


def test_a_token_with_no_scope_is_refused_with_the_form_kept(editor: httpx.Client):
    refused = _post(editor, "/editor/tokens", "/editor/tokens", {"name": "nothing"})
    assert refused.status_code == 422 and "at least one scope" in refused.text
    assert refused.text.count("checked") == 0  # what was chosen (nothing) is shown again


def test_an_administrator_sees_people_and_revokes_an_editors_tokens_after_confirming(
    editor: httpx.Client, store: Store, colleague: str, live_server: LiveServer
):
    tokens = [editors.create_token(store, colleague, "extra")]
    assert 'href="/editor/people"' in editor.get("/editor").text
    people = editor.get("/editor/people")
    assert people.status_code == 200
    row = re.search(r'<tr data-user="ed">(.*?)</tr>', people.text, re.S).group(1)
    assert "<td>editor</td><td>3</td>" in row

    asked = _post(editor, "/editor/people", "/editor/people/ed/revoke-tokens")
    assert asked.status_code == 200 and "Revoke all 3 API tokens of <strong>ed</strong>?" in asked.text
    assert api_status(live_server, tokens[0]) == 200  # nothing happened yet

    done = _post(editor, "/editor/people", "/editor/people/ed/revoke-tokens", {"confirm": "yes"})
    assert done.status_code == 200 and "3 API tokens of ed revoked." in done.text
    assert api_status(live_server, tokens[0]) == 401
    assert editors.list_tokens(store, next(u.id for u in editors.list_users(store) if u.username == "ed")) == []


def test_an_administrator_removes_an_editor_after_confirming(
    editor: httpx.Client, ed: httpx.Client, store: Store, colleague: str
):
    asked = _post(editor, "/editor/people", "/editor/people/ed/remove")
    assert "Remove <strong>ed</strong>?" in asked.text and "Yes, remove ed" in asked.text
    assert ed.get("/editor").status_code == 200  # still there until confirmed

    done = _post(editor, "/editor/people", "/editor/people/ed/remove", {"confirm": "yes"})
    assert done.status_code == 200 and "ed removed" in done.text and 'data-user="ed"' not in done.text
    assert [u.username for u in editors.list_users(store)] == ["editor"]
    assert ed.get("/editor").status_code == 303  # their session ended with them


def test_the_last_administrator_cannot_be_removed(editor: httpx.Client, store: Store):
    refused = _post(editor, "/editor/people", "/editor/people/editor/remove", {"confirm": "yes"})
    assert refused.status_code == 409 and "last administrator" in refused.text
    assert [u.username for u in editors.list_users(store)] == ["editor"]


def test_an_unknown_editor_is_a_404(editor: httpx.Client):
    assert _post(editor, "/editor/people", "/editor/people/nobody/remove").status_code == 404


def test_an_editor_who_is_not_an_administrator_gets_403_there(ed: httpx.Client, store: Store, editor_user: str):
    assert 'href="/editor/people"' not in ed.get("/editor").text
    page = ed.get("/editor/people")
    assert page.status_code == 403 and "only an administrator" in page.text
    token = csrf_of(ed.get("/editor/tokens").text)
    for action in ("revoke-tokens", "remove"):
        refused = ed.post(f"/editor/people/{editor_user}/{action}", data={"csrf_token": token, "confirm": "yes"})
        assert refused.status_code == 403
    assert [u.username for u in editors.list_users(store)] == ["ed", "editor"]


def test_the_people_forms_need_the_csrf_token(editor: httpx.Client, store: Store, colleague: str):
    forged = editor.post("/editor/people/ed/remove", data={"csrf_token": "forged", "confirm": "yes"})
    assert forged.status_code == 403 and "security token" in forged.text
    assert "ed" in [u.username for u in editors.list_users(store)]
