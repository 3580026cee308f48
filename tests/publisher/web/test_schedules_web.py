"""The Recurring digests page (/editor/schedules) and /api/schedules: add, pause, resume, remove, next run in
the schedule's zone and UTC, runs with their outcome (sent links to its campaign), and clear errors."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from publisher import editors
from publisher.automation import recurring
from publisher.automation.recurring_run import run_due
from publisher.store import Store
from tests.publisher.web.conftest import csrf_of
from tests.support.recurring import published, readers, services_at
from tests.support.web import LiveServer

THU = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
FRI_0800_BERLIN = datetime(2026, 12, 4, 7, 0, tzinfo=UTC)


@pytest.fixture
def api(live_server: LiveServer, store: Store, dispatcher) -> Iterator[httpx.Client]:
    editors.add_user(store, "robot", "a long enough password")
    token = editors.create_token(store, "robot", "tests")
    with httpx.Client(base_url=live_server.url, headers={"Authorization": f"Bearer {token}"}, timeout=10) as client:
        yield client


def test_an_editor_adds_a_schedule_and_sees_its_next_run_in_its_zone_and_utc(editor: httpx.Client, store: Store):
    readers(store, "news", "reader", 1)
    page = editor.get("/editor/schedules")
    assert page.status_code == 200 and 'href="/editor/automation"' in page.text  # the nav's one link for it
    assert 'href="/editor/schedules"' in editor.get("/editor/automation").text

    added = editor.post(
        "/editor/schedules",
        data={
            "csrf_token": csrf_of(page.text),
            "list": "news",
            "spec": "Every Friday 08:00",
            "timezone": "Europe/Berlin",
            "cadence": "",
            "subject": "Week of {date:%d %B}",
            "full": "summaries",
        },
    )

    assert added.status_code == 303
    [view] = recurring.list_schedules(store)
    assert (view.spec, view.zone, view.options) == ("every friday 08:00", "Europe/Berlin", {"full": False})
    shown = editor.get("/editor/schedules").text
    assert "every friday 08:00" in shown and "Europe/Berlin (" in shown and " UTC)" in shown
    assert "no run yet" in shown


def test_a_bad_spec_on_the_page_is_refused_naming_the_word_and_keeps_what_was_typed(editor: httpx.Client, store):
    readers(store, "news", "reader", 1)
    page = editor.get("/editor/schedules")

    refused = editor.post(
        "/editor/schedules",
        data={"csrf_token": csrf_of(page.text), "list": "news", "spec": "every fryday 08:00", "timezone": "UTC"},
    )

    assert refused.status_code == 422
    assert "&#39;fryday&#39; is neither a day nor a time" in refused.text
    assert 'value="every fryday 08:00"' in refused.text
    assert recurring.list_schedules(store) == []


def test_runs_show_their_outcome_a_sent_one_linking_to_its_campaign(editor, store, settings, tmp_path):
    readers(store, "news", "reader", 1)
    schedule = recurring.add_schedule(store, "news", "every friday 08:00", "Europe/Berlin", now=THU)
    published(store, tmp_path, "Harbour opens", THU + timedelta(hours=1))
    run_due(services_at(store, settings, FRI_0800_BERLIN), now=FRI_0800_BERLIN)
    week = FRI_0800_BERLIN + timedelta(days=7, minutes=30)
    run_due(services_at(store, settings, week), now=week)

    shown = editor.get("/editor/schedules").text

    [skipped, sent] = recurring.get_schedule(store, schedule.id).runs
    assert f'<a href="/editor/campaigns/{sent.campaign_id}">sent</a>' in shown
    assert 'skipped <span class="muted">(no new article since 2026-12-04 08:00 Europe/Berlin; ran 30 min late)' in shown
    assert skipped.outcome == "skipped"


def test_pause_resume_and_remove_on_the_page(editor: httpx.Client, store: Store):
    readers(store, "news", "reader", 1)
    schedule = recurring.add_schedule(store, "news", "daily 07:00", "UTC")
    token = csrf_of(editor.get("/editor/schedules").text)

    assert editor.post(f"/editor/schedules/{schedule.id}/pause", data={"csrf_token": token}).status_code == 303
    assert recurring.get_schedule(store, schedule.id).paused
    assert editor.post(f"/editor/schedules/{schedule.id}/resume", data={"csrf_token": token}).status_code == 303
    assert recurring.get_schedule(store, schedule.id).next_run_at is not None
    assert editor.post(f"/editor/schedules/{schedule.id}/remove", data={"csrf_token": token}).status_code == 303
    assert recurring.list_schedules(store) == []
    assert editor.post(f"/editor/schedules/{schedule.id}/pause", data={}).status_code in (400, 403)  # no CSRF token


def test_a_lists_cadences_are_set_on_the_page(editor: httpx.Client, store: Store):
    readers(store, "news", "reader", 1)
    token = csrf_of(editor.get("/editor/schedules").text)

    saved = editor.post(
        "/editor/schedules/cadences",
        data={"csrf_token": token, "list": "news", "allow": ["daily", "weekly"], "default": "weekly"},
    )

    assert saved.status_code == 200 and "Saved the cadences of news." in saved.text
    assert recurring.list_cadences(store) == [("news", ["daily", "weekly"], "weekly")]


def test_the_api_adds_lists_pauses_resumes_and_deletes_schedules(api: httpx.Client, store: Store):
    readers(store, "news", "reader", 1)

    made = api.post(
        "/api/schedules",
        json={"list": "news", "spec": "first monday of the month 09:00", "timezone": "Europe/Berlin", "cadence": None},
    )

    assert made.status_code == 201, made.text
    body = made.json()
    assert (body["spec"], body["timezone"], body["paused"]) == (
        "first monday of the month 09:00",
        "Europe/Berlin",
        False,
    )
    assert datetime.fromisoformat(body["next_run_local"]).hour == 9
    schedule_id = body["id"]
    assert [s["id"] for s in api.get("/api/schedules").json()] == [schedule_id]
    assert api.post(f"/api/schedules/{schedule_id}/pause").json()["next_run_at"] is None
    assert api.post(f"/api/schedules/{schedule_id}/resume").json()["next_run_at"] is not None
    assert api.delete(f"/api/schedules/{schedule_id}").status_code == 204
    assert api.get(f"/api/schedules/{schedule_id}").status_code == 404


def test_bad_api_input_is_a_422_naming_the_problem(api: httpx.Client, store: Store):
    readers(store, "news", "reader", 1)

    bad = api.post("/api/schedules", json={"list": "news", "spec": "daily 07:00", "subject_template": "{secret}"})
    unknown = api.post("/api/schedules", json={"list": "nope", "spec": "daily 07:00"})

    assert bad.status_code == 422 and "{secret}" in bad.json()["detail"]
    assert unknown.status_code == 404 and "no list named 'nope'" in unknown.json()["detail"]
