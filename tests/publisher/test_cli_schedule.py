"""`publisher send --at`, `publisher status` and `publisher campaign reschedule|cancel` for a scheduled send."""

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.publisher.test_cli_campaign import nothing_queued, publisher


@pytest.fixture
def article(seed_path: Path) -> str:
    imported = publisher("import", str(seed_path))
    assert imported.returncode == 0, imported.stderr
    assert publisher("subscribers", "add", "a@example.com", "b@example.com", "--list", "readers").returncode == 0
    return imported.stdout.strip()


def test_send_at_a_time_schedules_the_campaign_and_status_shows_when(article):
    tomorrow = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    local = tomorrow.astimezone(timezone(timedelta(hours=1)))

    sent = publisher("send", article, "--list", "readers", "--at", local.isoformat())

    assert sent.returncode == 0, sent.stderr
    campaign_id = sent.stdout.strip()
    assert f"scheduled for {tomorrow:%Y-%m-%d %H:%M:%S} UTC" in sent.stderr
    shown = publisher("status", campaign_id)
    assert "scheduled" in shown.stdout and f"scheduled for {tomorrow:%Y-%m-%d %H:%M:%S} UTC" in shown.stdout
    data = json.loads(publisher("status", campaign_id, "--format", "json").stdout)
    assert (data["state"], data["scheduled_at"], data["counts"]["queued"]) == ("scheduled", tomorrow.isoformat(), 2)

    later = tomorrow + timedelta(hours=2)
    moved = publisher("campaign", "reschedule", campaign_id, "--at", later.isoformat().replace("+00:00", "Z"))
    assert moved.returncode == 0, moved.stderr
    assert f"scheduled for {later:%Y-%m-%d %H:%M:%S} UTC" in moved.stdout
    cancelled = publisher("campaign", "cancel", campaign_id)
    assert cancelled.returncode == 0 and "2 messages will not be sent" in cancelled.stdout
    again = publisher("campaign", "reschedule", campaign_id, "--at", later.isoformat())
    assert again.returncode == 2 and "is cancelled; only a scheduled campaign" in again.stderr


@pytest.mark.parametrize(
    ("at", "message"),
    [
        ("2026-12-01T09:00:00", "has no UTC offset"),
        ("2020-01-01T09:00:00+00:00", "is in the past"),
        ("tomorrow 9am", "is not an ISO 8601 date and time"),
    ],
)
def test_send_at_refuses_a_time_without_offset_in_the_past_or_unreadable(article, at, message):
    refused = publisher("send", article, "--list", "readers", "--at", at)

    assert refused.returncode == 2
    assert message in refused.stderr and "Traceback" not in refused.stderr
    assert nothing_queued()
