"""`publisher share ID --at TIME`, `--queue`, `publisher channels slots|queue` (issue 14), in their own process."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.publisher.test_cli_campaign import nothing_queued, publisher

ACCOUNTS = json.dumps({"mastodon:work": "mastodon://tok@social.example", "bluesky": "bluesky://me.example:pw@"})


@pytest.fixture(autouse=True)
def accounts(monkeypatch) -> None:
    monkeypatch.setenv("PUBLISHER_ACCOUNTS", ACCOUNTS)


@pytest.fixture
def article(seed_path: Path) -> str:
    imported = publisher("import", str(seed_path))
    assert imported.returncode == 0, imported.stderr
    return imported.stdout.strip()


def test_share_at_a_time_schedules_the_share_and_status_shows_when(article):
    tomorrow = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    local = tomorrow.astimezone(timezone(timedelta(hours=-5)))

    shared = publisher("share", article, "-c", "bluesky", "-c", "mastodon:work", "--at", local.isoformat())

    assert shared.returncode == 0, shared.stderr
    campaign_id = shared.stdout.strip()
    assert f"scheduled for {tomorrow:%Y-%m-%d %H:%M:%S} UTC; a worker's sweep posts it then" in shared.stderr
    shown = publisher("status", campaign_id)
    assert f"campaign {campaign_id} (share): scheduled" in shown.stdout
    assert f"scheduled for {tomorrow:%Y-%m-%d %H:%M:%S} UTC" in shown.stdout
    cancelled = publisher("campaign", "cancel", campaign_id)
    assert cancelled.returncode == 0 and "2 messages will not be sent" in cancelled.stdout
    again = publisher("share", article, "-c", "bluesky", "--at", local.isoformat())
    assert again.returncode == 0, again.stderr  # a cancelled share is not "already shared"


@pytest.mark.parametrize(
    ("at", "message"),
    [
        ("2027-01-01T09:00:00", "has no UTC offset"),
        ("2020-01-01T09:00:00+00:00", "is in the past"),
        ("next friday", "is not an ISO 8601 date and time"),
    ],
)
def test_share_at_a_bad_time_is_refused_and_nothing_is_stored(article, at, message):
    refused = publisher("share", article, "-c", "bluesky", "--at", at)

    assert refused.returncode == 2
    assert message in refused.stderr and "Traceback" not in refused.stderr
    assert nothing_queued()


def test_slots_are_set_shown_and_the_queue_takes_the_next_free_one_per_account(article, seed_path):
    second = publisher("import", str(seed_path.parent / "library-opens-late.md")).stdout.strip()

    set_ = publisher("channels", "slots", "bluesky", "weekdays 09:00 and 17:00", "--tz", "Europe/Berlin")
    assert set_.returncode == 0, set_.stderr
    assert "bluesky: weekdays 09:00, 17:00 (Europe/Berlin); next free slot " in set_.stdout
    assert publisher("channels", "slots", "mastodon:work", "daily 12:00 America/New_York").returncode == 0
    assert publisher("channels", "slots", "bluesky").stdout.strip() == "bluesky: weekdays 09:00, 17:00 (Europe/Berlin)"

    one = publisher("share", article, "-c", "bluesky", "-c", "mastodon:work", "--queue")
    two = publisher("share", second, "-c", "bluesky", "--queue")

    assert one.returncode == 0 and two.returncode == 0, one.stderr + two.stderr
    lines = [line.split() for line in (one.stdout + two.stdout).splitlines()]
    assert [(line[1], line[4]) for line in lines] == [
        ("bluesky", "Europe/Berlin"),
        ("mastodon:work", "America/New_York"),
        ("bluesky", "Europe/Berlin"),
    ]
    first_at, second_at = (datetime.fromisoformat(f"{line[2]}T{line[3]}") for line in (lines[0], lines[2]))
    assert first_at.strftime("%H:%M") in ("09:00", "17:00") and second_at > first_at
    listed = json.loads(publisher("channels", "queue", "--format", "json").stdout)
    assert sorted(item["campaign_id"] for item in listed) == sorted(int(line[0]) for line in lines)
    status = publisher("status", lines[0][0])
    expected = first_at.replace(tzinfo=ZoneInfo("Europe/Berlin")).astimezone(UTC)
    assert f"scheduled for {expected:%Y-%m-%d %H:%M:%S} UTC" in status.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["channels", "slots", "bluesky", "weekdays 25:00"], "25:00 is not a time of day"),
        (["channels", "slots", "bluesky", "daily 09:00", "--tz", "Mars/Olympus"], "is not a time zone name"),
        (["channels", "slots", "x:home", "daily 09:00"], "unknown channel 'x:home'"),
        (["channels", "slots", "bluesky"], "bluesky has no posting slots"),
    ],
)
def test_a_bad_slot_command_is_refused_with_the_problem(args, message):
    refused = publisher(*args)

    assert refused.returncode == 2, refused.stdout
    assert message in " ".join(refused.stderr.split()) and "Traceback" not in refused.stderr


def test_queueing_on_an_account_without_slots_is_refused_and_nothing_is_stored(article):
    refused = publisher("share", article, "-c", "bluesky", "--queue")

    assert refused.returncode == 2
    assert "bluesky has no posting slots; set them first" in " ".join(refused.stderr.split())
    assert nothing_queued()
