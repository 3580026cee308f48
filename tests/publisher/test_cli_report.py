"""`publisher report ID` as an operator runs it (a real process): JSON with the documented keys, CSV with
one row per number or link, Rich tables; an unknown id is named."""

import csv
import io
import json
import os
import subprocess
import sys

import pytest

from publisher.insight.export import COLUMNS
from publisher.store import Store
from publisher.store.models import Campaign, OutboxRow, PostMetric, utcnow
from tests.support.factories import subscribe
from tests.support.tracking import events, subscriber_ids, tracked_campaign


def publisher(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "publisher", *args], capture_output=True, text=True, env=env, timeout=60
    )


@pytest.fixture
def campaign(store: Store) -> int:
    """50 readers: 20 opened, 10 clicked the first link, a scanner clicked both links of 10 more."""
    addresses = subscribe(store, "readers", 50)
    campaign_id = tracked_campaign(store, addresses, mode="individual")
    ids = subscriber_ids(store, addresses)
    events(store, campaign_id, ids[:20], "open")
    events(store, campaign_id, ids[:10], "click", position=0)
    for position in (0, 1):
        events(store, campaign_id, ids[20:30], "click", position=position, verdict="machine", reason="scanner-agent")
    store.dispose()  # the command opens the same SQLite file
    return campaign_id


def test_json_gives_people_and_machines_apart_with_per_link_counts(campaign):
    done = publisher("report", str(campaign), "--format", "json")

    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["opens"]["human"] == 20
    assert (report["clicks"]["human"], report["clicks"]["machine"]) == (10, 10)
    assert report["clicks"]["reasons"] == {"scanner-agent": 20}
    assert [(link["human"], link["machine"]) for link in report["links"]] == [(10, 10), (0, 10)]
    assert report["campaign"]["id"] == campaign and report["mode"] == "individual"


def test_csv_has_the_documented_columns_and_a_row_per_number_and_link(campaign):
    done = publisher("report", str(campaign), "--format", "csv")

    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert list(rows[0]) == COLUMNS
    by = {(r["section"], r["name"]): r for r in rows}
    assert by[("summary", "delivered")]["value"] == "50"
    assert (by[("opens", "readers")]["human"], by[("opens", "readers")]["detail"]) == ("20", "exact")
    assert (by[("clicks", "readers")]["human"], by[("clicks", "readers")]["machine"]) == ("10", "10")
    link = by[("link", "https://news.example.org/a")]
    assert (link["position"], link["human"], link["machine"]) == ("0", "10", "10")
    assert ("link", "https://news.example.org/") not in by, "the honeypot is no link of the report"


def test_text_shows_the_tables(campaign):
    done = publisher("report", str(campaign))

    assert done.returncode == 0, done.stderr
    assert "Readers" in done.stdout and "Links" in done.stdout
    assert "https://news.example.org/b" in done.stdout
    assert "scanner-agent 20" in done.stdout


def test_an_unknown_campaign_is_named_and_exits_2(store):
    store.dispose()
    done = publisher("report", "4242", "--format", "json")

    assert done.returncode == 2
    assert "no campaign with id 4242" in done.stderr


def test_a_shares_text_report_lists_its_posts_with_their_counts(store):
    with store.session() as session:
        share = Campaign(kind="share", state="done", subject="The bridge")
        session.add(share)
        session.flush()
        row = OutboxRow(
            campaign_id=share.id,
            recipient_id=0,
            channel="mastodon",
            state="sent",
            provider_id="7",
            url="https://social.example/@e/7",
        )
        session.add(row)
        session.flush()
        session.add(
            PostMetric(outbox_id=row.id, campaign_id=row.campaign_id, likes=31, reposts=4, replies=2, read_at=utcnow())
        )
        share_id = share.id
    store.dispose()

    done = publisher("report", str(share_id))

    assert done.returncode == 0, done.stderr
    line = next(line for line in done.stdout.splitlines() if "mastodon" in line)
    assert "https://social.example/@e/7" in line and "31" in line and "4" in line
    assert "unsubscribed" not in done.stdout and "tracking mode" not in done.stdout
