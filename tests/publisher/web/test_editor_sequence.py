"""The editor's "Welcome mail and sequence" pages and the API's /api/lists/{id}/sequence, over real HTTP."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from publisher import consent, editors, runtime, subscribers
from publisher.automation import sequences
from publisher.store import Store
from publisher.store.models import Subscription, utcnow
from tests.support.factories import RecordingDispatcher
from tests.support.web import LiveServer

from .conftest import csrf_of


@pytest.fixture
def list_id(store: Store) -> int:
    with store.session() as session:
        return subscribers.ensure_list(session, "readers").id


def save(editor: httpx.Client, list_id: int, **fields: str) -> httpx.Response:
    page = f"/editor/lists/{list_id}/sequence"
    return editor.post(page, data={"csrf_token": csrf_of(editor.get(page).text), **fields})


def test_an_editor_writes_the_welcome_mail_previews_it_and_adds_a_second_step(editor, list_id, store):
    index = editor.get("/editor/sequences")
    assert index.status_code == 200 and f'href="/editor/lists/{list_id}/sequence"' in index.text
    blank = editor.get(f"/editor/lists/{list_id}/sequence").text
    assert "Write the welcome mail" in blank and 'value="Welcome"' in blank  # a first step is offered

    saved = save(editor, list_id, step="0", after_days="0", subject="Hello there", body="We are **glad**.")
    assert saved.status_code == 303
    shown = editor.get(saved.headers["location"]).text
    assert "Welcome mail saved" in shown and "Hello there" in shown
    preview = editor.get(f"/editor/lists/{list_id}/sequence/0/preview")
    assert preview.status_code == 200 and "<strong>glad</strong>" in preview.text
    assert "Hello %%" not in preview.text  # the reader's personal parts are left out

    assert save(editor, list_id, step="1", after_days="3", subject="Day three", body="More.").status_code == 303
    listed = [(s.position, s.delay_days, s.subject) for s in sequences.list_steps(store, "readers")]
    assert listed == [(0, 0, "Hello there"), (1, 3, "Day three")]
    assert "Mail 1, 3 days after joining" in editor.get(f"/editor/lists/{list_id}/sequence").text
    campaign = editor.get(f"/editor/campaigns/{sequences.get_step(store, 'readers', 0).campaign_id}")
    assert campaign.status_code == 200 and "Hello there" in campaign.text  # the step's campaign page works


def test_a_bad_step_is_shown_with_its_problem_and_the_text_kept(editor, list_id, store):
    refused = save(editor, list_id, step="0", after_days="soon", subject="Hi", body="Kept text")
    assert refused.status_code == 422
    assert "the delay in days must be a whole number, not &#39;soon&#39;" in refused.text
    assert "Kept text" in refused.text
    empty = save(editor, list_id, step="0", after_days="0", subject="Hi", body="   ")
    assert empty.status_code == 422 and "the body is empty" in empty.text
    assert sequences.list_steps(store, "readers") == []


def test_an_editor_disables_and_removes_a_step(editor, list_id, store):
    save(editor, list_id, step="0", after_days="0", subject="Hi", body="Text")
    page = f"/editor/lists/{list_id}/sequence"
    token = csrf_of(editor.get(page).text)

    assert editor.post(f"{page}/0/enabled", data={"csrf_token": token, "enabled": "0"}).status_code == 303
    assert sequences.get_step(store, "readers", 0).enabled is False
    assert sequences.get_step(store, "readers", 0).campaign_state == "paused"
    assert editor.post(f"{page}/0/enabled", data={"csrf_token": token, "enabled": "1"}).status_code == 303
    assert sequences.get_step(store, "readers", 0).campaign_state == "sending"
    assert editor.post(f"{page}/0/remove", data={"csrf_token": token}).status_code == 303
    assert sequences.list_steps(store, "readers") == []


def test_an_unknown_list_is_a_404(editor):
    assert editor.get("/editor/lists/999/sequence").status_code == 404


def test_the_api_puts_reads_and_deletes_steps(robot_api, list_id):
    put = robot_api.put(f"/api/lists/{list_id}/sequence/0", json={"subject": "Welcome", "body": "Hi *there*."})
    assert put.status_code == 200, put.text
    assert (put.json()["step"], put.json()["after_days"], put.json()["enabled"]) == (0, 0, True)
    robot_api.put(f"/api/lists/{list_id}/sequence/1", json={"after_days": 3, "subject": "Day 3", "body": "x"})

    listed = robot_api.get(f"/api/lists/{list_id}/sequence").json()
    assert [(s["step"], s["after_days"], s["subject"]) for s in listed] == [(0, 0, "Welcome"), (1, 3, "Day 3")]
    assert robot_api.delete(f"/api/lists/{list_id}/sequence/1").status_code == 204
    assert [s["step"] for s in robot_api.get(f"/api/lists/{list_id}/sequence").json()] == [0]


def test_the_api_refuses_a_bad_step_with_its_problem(robot_api, list_id):
    newline = robot_api.put(f"/api/lists/{list_id}/sequence/0", json={"subject": "Hi\nBcc: x@y.z", "body": "x"})
    assert newline.status_code == 422 and "subject" in newline.text
    negative = robot_api.put(f"/api/lists/{list_id}/sequence/0", json={"after_days": -1, "subject": "Hi", "body": "x"})
    assert negative.status_code == 422 and "after_days" in negative.text
    assert robot_api.get("/api/lists/999/sequence").status_code == 404
    assert robot_api.delete(f"/api/lists/{list_id}/sequence/5").status_code == 404


def test_a_read_only_token_may_read_but_not_put_a_step(live_server: LiveServer, store, list_id):
    editors.add_user(store, "reader", "a long enough password")
    token = editors.create_token(store, "reader", "ro", ["read"])
    with httpx.Client(base_url=live_server.url, headers={"Authorization": f"Bearer {token}"}, timeout=10) as api:
        assert api.get(f"/api/lists/{list_id}/sequence").status_code == 200
        refused = api.put(f"/api/lists/{list_id}/sequence/0", json={"subject": "Hi", "body": "x"})
        assert refused.status_code == 403 and "send" in refused.text


def test_readers_added_by_the_api_and_the_subscribers_page_are_welcomed(editor, robot_api, list_id, store, settings):
    sequences.set_step(store, settings, "readers", 0, 0, "Welcome", "Hi.")
    added = robot_api.post("/api/subscribers", json={"emails": ["api@example.com"], "list_name": "readers"})
    assert added.status_code in (200, 201), added.text
    form = editor.get("/editor/subscribers").text
    page = editor.post(
        "/editor/subscribers/add", data={"csrf_token": csrf_of(form), "emails": "page@example.com", "list": "readers"}
    )
    assert page.status_code == 200

    services = runtime.build(settings, store=store, dispatcher=RecordingDispatcher())
    assert sequences.queue_due(services, now=utcnow()) == 2


def test_confirming_queues_and_dispatches_the_welcome_at_once_without_a_sweep(
    http, dispatcher, list_id, store, settings
):
    welcome = sequences.set_step(store, settings, "readers", 0, 0, "Welcome", "Hi.")
    consent.request_signup(store, settings, "new@example.com", list_name="readers")
    with store.session() as session:
        sid, nonce = session.execute(select(Subscription.subscriber_id, Subscription.confirm_nonce)).one()
    token = consent.confirm_token(settings.signing_key(), sid, list_id, nonce)
    dispatcher.calls.clear()

    assert http.post(f"/confirm/{token}").status_code == 200
    assert [call[0] for call in dispatcher.calls] == [welcome.campaign_id]
    assert sequences.get_step(store, "readers", 0).counts["queued"] == 1
