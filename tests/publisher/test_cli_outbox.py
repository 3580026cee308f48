"""`publisher outbox compact` as an operator runs it (a real process): what is due by the retention, or the
campaigns named; the report is the same afterwards; a campaign that is not finished mail is refused by name."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta

from sqlalchemy import func, select, update

from publisher.store import Store
from publisher.store.models import Campaign, OutboxRow, utcnow
from tests.support.factories import subscribe
from tests.support.tracking import tracked_campaign


def publisher(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "publisher", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200", **env},
        timeout=60,
    )


def finished_digest(store: Store, days_ago: float, *, list_name: str = "readers") -> int:
    campaign_id = tracked_campaign(store, subscribe(store, list_name, 25), list_name=list_name)
    with store.session() as session:
        session.execute(
            update(Campaign).where(Campaign.id == campaign_id).values(finished_at=utcnow() - timedelta(days=days_ago))
        )
    return campaign_id


def rows_of(store: Store, campaign_id: int) -> int:
    with store.session() as session:
        return session.scalar(select(func.count()).where(OutboxRow.campaign_id == campaign_id)) or 0


def test_compact_takes_what_the_retention_says_and_the_report_stays_the_same(store: Store):
    old, recent = finished_digest(store, 100), finished_digest(store, 3)
    store.dispose()  # the commands open the same SQLite file
    before = publisher("report", str(old), "--format", "json")

    done = publisher("outbox", "compact", "--format", "json")

    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [{"campaign": old, "rows": 25, "partition": False}]
    assert publisher("report", str(old), "--format", "json").stdout == before.stdout
    assert (rows_of(store, old), rows_of(store, recent)) == (0, 25)
    assert json.loads(publisher("outbox", "compact", "--format", "json").stdout) == []  # again: nothing


def test_named_campaigns_are_compacted_whatever_their_age_with_a_summary(store: Store):
    recent = finished_digest(store, 1)
    store.dispose()

    done = publisher("outbox", "compact", "--campaign", str(recent))

    assert done.returncode == 0, done.stderr
    assert "Compacted" in done.stdout and "1 campaign(s), 25 rows" in done.stdout
    assert rows_of(store, recent) == 0
    shown = publisher("status", str(recent))
    assert "compacted" in shown.stdout and "the counts are kept" in shown.stdout


def test_older_than_overrides_the_setting_and_zero_days_keeps_everything(store: Store):
    campaign_id = finished_digest(store, 10)
    store.dispose()

    kept = publisher("outbox", "compact", PUBLISHER_OUTBOX_RETENTION_DAYS="0")
    assert kept.returncode == 0, kept.stderr
    assert "rows are kept for ever" in kept.stderr and rows_of(store, campaign_id) == 25

    done = publisher("outbox", "compact", "--older-than", "7", PUBLISHER_OUTBOX_RETENTION_DAYS="0")
    assert done.returncode == 0, done.stderr
    assert rows_of(store, campaign_id) == 0


def test_a_campaign_still_sending_is_refused_by_name(store: Store):
    campaign_id = finished_digest(store, 100)
    with store.session() as session:
        session.execute(update(Campaign).where(Campaign.id == campaign_id).values(state="sending"))
    store.dispose()

    done = publisher("outbox", "compact", "--campaign", str(campaign_id))

    assert done.returncode == 2
    assert f"campaign {campaign_id} is sending: only a done or cancelled one is compacted" in done.stderr
    assert rows_of(store, campaign_id) == 25
