"""The editor's Send form, sent twice (issue 18 item 3): a double submit of one form is one campaign and the
second post lands on it; the same digest to the same list again needs the "send again" box; the API
answers 409 naming its `force` field."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from publisher import editing, editors
from publisher.store import Store
from tests.support.factories import RecordingDispatcher, seed_article, subscribe
from tests.support.web import LiveServer

from .conftest import csrf_of


@pytest.fixture
def article_id(store: Store, seed_path: Path) -> int:
    subscribe(store, "readers", 20)
    return seed_article(store, seed_path)


def confirmation(editor: httpx.Client, article_id: int) -> dict[str, str]:
    """The fields of the confirmation step's form, as the browser will post them."""
    page = f"/editor/articles/{article_id}/send"
    shown = editor.post(page, data={"csrf_token": csrf_of(editor.get(page).text), "list": "readers"})
    assert shown.status_code == 200 and "Yes, send to 20 subscribers" in shown.text
    form = shown.text.split('<section class="card confirm">', 1)[1].split("</form>", 1)[0]
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))


def campaign_of(response: httpx.Response) -> int:
    assert response.status_code == 303, response.text
    match = re.fullmatch(r"/editor/campaigns/(\d+)", response.headers["location"])
    assert match, response.headers["location"]
    return int(match.group(1))


def test_the_confirmation_carries_a_fresh_submission_token(editor: httpx.Client, article_id: int):
    first, second = confirmation(editor, article_id), confirmation(editor, article_id)

    assert len(first["submission"]) >= 32 and first["submission"] != second["submission"]


def test_posting_one_confirmation_twice_makes_one_campaign_and_shows_it_both_times(
    editor: httpx.Client, store: Store, article_id: int, dispatcher: RecordingDispatcher
):
    form = confirmation(editor, article_id)
    page = f"/editor/articles/{article_id}/send"

    first = campaign_of(editor.post(page, data=form))
    again = campaign_of(editor.post(page, data=form))  # a reload, a back-and-resubmit, a second click

    assert again == first
    assert [c.id for c in editing.recent_campaigns(store)] == [first]
    assert {call[0] for call in dispatcher.calls} == {first} and len(dispatcher.calls) == 1


def test_a_double_click_racing_itself_makes_one_campaign(
    editor: httpx.Client, live_server: LiveServer, store: Store, article_id: int, dispatcher: RecordingDispatcher
):
    form = confirmation(editor, article_id)
    page = f"{live_server.url}/editor/articles/{article_id}/send"
    start, answers = threading.Barrier(2), []

    def click() -> None:
        with httpx.Client(cookies=editor.cookies, timeout=30) as browser:
            start.wait()
            answers.append(browser.post(page, data=form))

    clicks = [threading.Thread(target=click) for _ in range(2)]
    for t in clicks:
        t.start()
    for t in clicks:
        t.join()

    assert len({campaign_of(a) for a in answers}) == 1
    assert len(editing.recent_campaigns(store)) == 1


def test_the_same_digest_again_is_flagged_and_needs_the_send_again_box(
    editor: httpx.Client, store: Store, article_id: int, dispatcher: RecordingDispatcher
):
    page = f"/editor/articles/{article_id}/send"
    first = campaign_of(editor.post(page, data=confirmation(editor, article_id)))

    shown = editor.post(page, data={"csrf_token": csrf_of(editor.get(page).text), "list": "readers"})
    assert "This digest already went to readers at" in shown.text
    assert f'<a href="/editor/campaigns/{first}">campaign #{first}</a>' in shown.text
    assert 'name="force" value="yes"' in shown.text and "Send again" in shown.text
    form = confirmation(editor, article_id)

    refused = editor.post(page, data=form)
    assert refused.status_code == 409
    assert "went to list &#39;readers&#39;" in refused.text and "tick “send again” to send it again" in refused.text
    assert 'name="force" value="yes"' in refused.text  # the confirmation again, with the box
    assert len(editing.recent_campaigns(store)) == 1

    second = campaign_of(editor.post(page, data={**form, "force": "yes"}))
    assert second != first and len(editing.recent_campaigns(store)) == 2


@pytest.fixture
def api(live_server: LiveServer, store: Store, dispatcher: RecordingDispatcher) -> Iterator[httpx.Client]:
    editors.add_user(store, "robot", "a long enough password")
    token = editors.create_token(store, "robot", "tests")
    with httpx.Client(base_url=live_server.url, headers={"Authorization": f"Bearer {token}"}, timeout=10) as client:
        yield client


def test_the_api_answers_409_naming_force_and_sends_with_it(api: httpx.Client, store: Store, article_id: int):
    body = {"article_ids": [article_id], "list_name": "readers"}
    first = api.post("/api/campaigns/send", json=body)
    assert first.status_code == 201, first.text

    again = api.post("/api/campaigns/send", json=body)

    assert again.status_code == 409
    detail = again.json()["detail"]
    assert "went to list 'readers'" in detail and f"as campaign {first.json()['id']}" in detail
    assert 'send "force": true to send it again' in detail
    forced = api.post("/api/campaigns/send", json={**body, "force": True})
    assert forced.status_code == 201 and forced.json()["id"] != first.json()["id"]
    assert "force" in api.get("/api/openapi.json").json()["components"]["schemas"]["SendIn"]["properties"]
