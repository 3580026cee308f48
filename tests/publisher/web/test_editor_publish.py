"""The one Publish in the editor and the API (issue 16): the button with the defaults ticked, one publish per
form, the timeline page and its JSON, the Publish defaults on the Settings page.

Batches go to a recording dispatcher (no worker here): the digest's rows stay pending, which is what the
timeline shows at first. tests/e2e/test_publish_timeline.py delivers them for real.
"""

from __future__ import annotations

import json
import re

import httpx
import pytest
from sqlalchemy import func, select

from publisher import editors, publication
from publisher.config import Settings
from publisher.store import Store
from publisher.store.automation import PublishRow
from publisher.store.models import ArticleRow
from tests.publisher.web.conftest import csrf_of
from tests.publisher.web.test_publication_web import form_of as settings_form
from tests.support.factories import RecordingDispatcher, seed_article, subscribe

ACCOUNTS = json.dumps({"mastodon:social": "mastodon://TOKEN@social.example"})


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("PUBLISHER_ACCOUNTS", ACCOUNTS)
    return Settings()


@pytest.fixture
def article(store: Store, settings: Settings, seed_path, dispatcher: RecordingDispatcher) -> int:
    article_id = seed_article(store, seed_path)
    subscribe(store, "readers", 3)
    subscribe(store, "friends", 2, domain="example.net")
    publication.update(store, settings, {"publish_lists": ["readers"], "publish_accounts": ["mastodon:social"]})
    return article_id


def form_of(html: str) -> dict[str, object]:
    """The Publish form's fields as the browser would post them: the ticked boxes and the token."""
    form = html[html.index('id="publish-form"') : html.index("</form>", html.index('id="publish-form"'))]
    fields: dict[str, object] = {"csrf_token": csrf_of(html)}
    fields["submission"] = re.search(r'name="submission" value="([^"]+)"', form).group(1)
    fields["list"] = re.findall(r'name="list" value="([^"]+)" checked', form)
    fields["account"] = re.findall(r'name="account" value="([^"]+)" checked', form)
    fields["content"] = re.search(r'name="content" value="(\w+)" checked', form).group(1)
    return fields


def test_the_article_page_has_publish_with_the_defaults_ticked_and_publish_only(editor: httpx.Client, article):
    html = editor.get(f"/editor/articles/{article}").text
    fields = form_of(html)
    assert (fields["list"], fields["account"], fields["content"]) == (["readers"], ["mastodon:social"], "full")
    assert ">Publish</button>" in html and ">Publish only</button>" in html
    assert "Publish will: publish it, mail it to readers, share it to mastodon:social" in html


def test_one_click_publishes_and_lands_on_the_timeline(editor: httpx.Client, article, store: Store):
    fields = form_of(editor.get(f"/editor/articles/{article}").text)
    done = editor.post(f"/editor/articles/{article}/publishes", data=fields)
    assert done.status_code == 303
    location = done.headers["location"]
    assert re.fullmatch(r"/editor/publishes/\d+", location)

    page = editor.get(location).text
    assert "Publish by editor: publish the article, mail it to readers, share it to mastodon:social" in page
    assert "Published: the article is in the public archive" in page
    assert "Digest queued for 3 readers; now 0 sent, 0 failed, 3 pending" in page
    assert "Post to mastodon:social: queued" in page
    assert 'data-final="no"' in page and "/static/publish.js" in page
    data = editor.get(location + ".json").json()
    assert data["digest"]["pending"] == 3 and data["final"] is False
    assert [e["kind"] for e in data["entries"]][:2] == ["publish", "published"]
    with store.session() as session:
        assert session.get(ArticleRow, article).published_at is not None


def test_the_same_form_posted_twice_shows_the_same_publish(editor: httpx.Client, article, store: Store):
    fields = form_of(editor.get(f"/editor/articles/{article}").text)
    first = editor.post(f"/editor/articles/{article}/publishes", data=fields)
    second = editor.post(f"/editor/articles/{article}/publishes", data=fields)
    assert first.headers["location"] == second.headers["location"]
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(PublishRow)) == 1


def test_the_editor_may_untick_a_default_and_tick_another_list(editor: httpx.Client, article):
    fields = {**form_of(editor.get(f"/editor/articles/{article}").text), "list": ["friends"], "account": []}
    location = editor.post(f"/editor/articles/{article}/publishes", data=fields).headers["location"]
    data = editor.get(location + ".json").json()
    assert (data["lists"], data["accounts"], data["digest"]["total"]) == (["friends"], [], 2)


def test_an_unknown_list_shows_the_form_again_naming_it_and_nothing_happens(
    editor: httpx.Client, article, store: Store
):
    fields = {**form_of(editor.get(f"/editor/articles/{article}").text), "list": ["nobody"]}
    refused = editor.post(f"/editor/articles/{article}/publishes", data=fields)
    assert refused.status_code == 422
    assert "Not published: there is no list called &#39;nobody&#39; to mail on Publish" in refused.text
    assert 'id="publish-form"' in refused.text
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(PublishRow)) == 0
        assert session.get(ArticleRow, article).published_at is None


def test_publish_only_still_only_publishes(editor: httpx.Client, article, store: Store):
    html = editor.get(f"/editor/articles/{article}").text
    done = editor.post(f"/editor/articles/{article}/publish", data={"csrf_token": csrf_of(html), "action": "publish"})
    assert done.headers["location"] == f"/editor/articles/{article}?done=published"
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(PublishRow)) == 0


def test_an_unknown_publish_is_a_404(editor: httpx.Client):
    assert editor.get("/editor/publishes/999").status_code == 404
    assert editor.get("/editor/publishes/999.json").status_code == 404


def test_the_publishes_page_lists_them(editor: httpx.Client, article):
    fields = form_of(editor.get(f"/editor/articles/{article}").text)
    location = editor.post(f"/editor/articles/{article}/publishes", data=fields).headers["location"]
    listing = editor.get("/editor/publishes").text
    assert f'href="{location}"' in listing and "U.S. Rejects" in listing


def test_the_settings_page_saves_the_publish_defaults(editor: httpx.Client, article, store, settings):
    html = editor.get("/editor/settings").text
    assert 'id="publish-defaults"' in html
    assert 'name="publish_list" value="readers" checked' in html
    form = {
        **settings_form(html),
        "publish_shown": "yes",
        "publish_list": ["friends", "readers"],
        "publish_content": "summary",
    }
    saved = editor.post("/editor/settings", data=form, files={"logo": ("", b"", "application/octet-stream")})
    assert saved.status_code == 303, saved.text
    found = publication.load(store, settings)
    assert (found.publish_lists, found.publish_accounts, found.publish_full) == (["friends", "readers"], [], False)


def test_the_api_publishes_and_gives_the_timeline(robot_api: httpx.Client, article, store: Store):
    made = robot_api.post(f"/api/articles/{article}/publishes", json={"submission": "script-run-1"})
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["timeline_url"] == f"https://news.example.org/editor/publishes/{body['publish_id']}"
    assert body["timeline"]["lists"] == ["readers"] and body["timeline"]["created_by"] == "robot"
    again = robot_api.post(f"/api/articles/{article}/publishes", json={"submission": "script-run-1"})
    assert again.json()["publish_id"] == body["publish_id"]
    shown = robot_api.get(f"/api/publishes/{body['publish_id']}").json()
    assert shown["digest"]["total"] == 3 and shown["accounts"] == ["mastodon:social"]


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"lists": ["nobody"]}, 404, "there is no list called 'nobody' to mail on Publish"),
        ({"accounts": ["x:nowhere"]}, 422, "unknown account 'x:nowhere' to share to"),
        ({"submission": "not a token!"}, 422, "the form's submission token is not valid"),
    ],
)
def test_the_api_refuses_bad_input_naming_it(robot_api: httpx.Client, article, body, status, message):
    refused = robot_api.post(f"/api/articles/{article}/publishes", json=body)
    assert refused.status_code == status and message in refused.json()["detail"]


def test_the_api_publish_needs_the_send_scope(live_server, store: Store, article):
    editors.add_user(store, "reader-bot", "a long enough password")
    token = editors.create_token(store, "reader-bot", "read", frozenset({"read", "write"}))
    with httpx.Client(base_url=live_server.url, headers={"Authorization": f"Bearer {token}"}) as client:
        refused = client.post(f"/api/articles/{article}/publishes", json={})
    assert refused.status_code == 403 and "lacks the 'send' scope" in refused.json()["detail"]


def test_the_publish_defaults_are_in_the_publication_api(live_server, editor_user, store: Store, article):
    token = editors.create_token(store, "editor", "admin-script")  # the first user is an administrator
    with httpx.Client(base_url=live_server.url, headers={"Authorization": f"Bearer {token}"}) as admin:
        shown = admin.get("/api/publication").json()
        assert (shown["publish_lists"], shown["publish_accounts"], shown["publish_full"]) == (
            ["readers"],
            ["mastodon:social"],
            True,
        )
        changed = admin.patch("/api/publication", json={"publish_lists": ["friends"], "publish_full": False}).json()
        assert (changed["publish_lists"], changed["publish_full"]) == (["friends"], False)
        refused = admin.patch("/api/publication", json={"publish_lists": ["nobody"]})
    assert refused.status_code == 422
    assert "publish_lists: there is no list called 'nobody' to mail on Publish" in refused.json()["detail"]
