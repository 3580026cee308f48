"""`publisher schedules ...`: add, list, pause, resume, run-due, remove, cadences; bad input exits 2 naming it."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import update

from publisher.store.automation import DigestSchedule
from publisher.store.models import utcnow
from tests.publisher.test_cli_campaign import publisher
from tests.support.recurring import campaigns_of, published, readers, runs_of


def test_a_schedule_added_listed_paused_resumed_run_and_removed_from_the_command_line(store, tmp_path):
    readers(store, "news", "reader", 2)

    added = publisher(
        "schedules", "add", "news", "every friday 08:00", "--tz", "Europe/Berlin", "--subject", "{count} new"
    )
    assert added.returncode == 0, added.stderr
    schedule_id = int(added.stdout.split()[0])
    assert "every friday 08:00 (Europe/Berlin)" in added.stdout and "UTC)" in added.stdout

    assert "next: paused" in publisher("schedules", "pause", str(schedule_id)).stdout
    assert "Europe/Berlin (" in publisher("schedules", "resume", str(schedule_id)).stdout

    published(store, tmp_path, "Harbour opens", utcnow() - timedelta(minutes=1))
    with store.session() as session:  # a week has gone by: its time has come
        week_ago, due = utcnow() - timedelta(days=7), utcnow() - timedelta(seconds=1)
        session.execute(update(DigestSchedule).values(collect_since=week_ago, next_run_at=due))
    ran = publisher("schedules", "run-due")
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == "1 digest run"
    [run] = runs_of(store, schedule_id)
    assert (run.outcome, run.detail) == ("sent", "1 article")
    assert run.campaign_id == campaigns_of(store)[0]

    listed = json.loads(publisher("schedules", "list", "--format", "json").stdout)
    assert [(s["id"], s["spec"], s["timezone"], s["runs"][0]["outcome"]) for s in listed] == [
        (schedule_id, "every friday 08:00", "Europe/Berlin", "sent")
    ]
    assert publisher("schedules", "remove", str(schedule_id)).stdout.strip() == f"schedule {schedule_id} removed"
    assert publisher("schedules", "list").stdout.strip() == "no recurring digests"


def test_bad_schedule_input_exits_2_naming_the_problem(store):
    readers(store, "news", "reader", 1)

    bad_day = publisher("schedules", "add", "news", "every fryday 08:00")
    bad_cadence = publisher("schedules", "add", "news", "daily 07:00", "--cadence", "hourly")
    unknown = publisher("schedules", "pause", "99")

    assert bad_day.returncode == 2 and "'fryday' is neither a day nor a time" in bad_day.stderr
    assert bad_cadence.returncode == 2 and "cadence 'hourly' is not one of" in bad_cadence.stderr
    assert unknown.returncode == 2 and "no recurring digest schedule 99" in unknown.stderr


def test_a_lists_cadences_are_set_and_shown(store):
    readers(store, "news", "reader", 1)

    shown = publisher("schedules", "cadences", "news", "--allow", "weekly,daily", "--default", "weekly")

    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.split() == ["news", "daily,weekly", "default", "weekly"]
