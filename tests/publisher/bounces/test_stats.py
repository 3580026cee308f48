import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select

from publisher import campaigns
from publisher.bounces.stats import bounce_report, campaign_bounces, parse_since, reason_words, threshold_of
from publisher.config import Settings
from publisher.errors import PublisherError
from publisher.store import Store
from publisher.store.models import Campaign, Suppression
from tests.support.bounce_seed import BLOCKED, MAILBOX_FULL, SPAM, USER_UNKNOWN, bounce, campaign_to
from tests.support.factories import RecordingDispatcher, subscribe


@pytest.fixture
def readers(store: Store) -> dict[str, list[str]]:
    return {
        "example.com": subscribe(store, "readers", 20, domain="example.com"),
        "gmail.test": subscribe(store, "gmail", 80, domain="gmail.test"),
    }


def report(store: Store, settings: Settings, **kwargs: object):
    with store.session() as session:
        return bounce_report(session, settings, **kwargs)


def test_counts_bounces_per_campaign_per_domain_and_by_reason(any_store: Store, settings: Settings):
    store = any_store
    com = subscribe(store, "readers", 10, domain="example.com")
    gmail = subscribe(store, "gmail", 10, domain="gmail.test")
    campaign = campaign_to(store, com + gmail, subject="November")
    for email in com[:2]:
        bounce(store, settings, campaign, email, USER_UNKNOWN)
    bounce(store, settings, campaign, gmail[0], MAILBOX_FULL)
    for email in gmail[1:4]:
        bounce(store, settings, campaign, email, BLOCKED)

    summary = report(store, settings)

    [row] = summary.campaigns
    assert (row.id, row.subject, row.sent, row.total) == (campaign, "November", 20, 6)
    assert row.by_kind == {"sender": 3, "hard": 2, "soft": 1}
    assert row.by_reason == {"blocked": 3, "userunknown": 2, "mailboxfull": 1}
    assert [(d.domain, d.by_reason) for d in summary.domains] == [
        ("gmail.test", {"blocked": 3, "mailboxfull": 1}),
        ("example.com", {"userunknown": 2}),
    ]
    assert "spamhaus" in summary.domains[0].top_diagnostic
    assert "User unknown" in summary.domains[1].top_diagnostic
    assert summary.by_reason == {"blocked": 3, "userunknown": 2, "mailboxfull": 1}
    assert summary.by_kind == {"sender": 3, "hard": 2, "soft": 1} and summary.total == 6


def test_blocked_bounces_of_a_sending_campaign_are_a_paused_alarm(store: Store, settings: Settings, readers):
    gmail = readers["gmail.test"]
    campaign = campaign_to(store, readers["example.com"] + gmail, state="sending")  # 100 sent: 5 pause it
    assert threshold_of(settings, 100) == 5
    for email in gmail[:5]:
        bounce(store, settings, campaign, email, BLOCKED)

    summary = report(store, settings)

    [alarm] = summary.alarms
    assert (alarm.campaign_id, alarm.state, alarm.paused, alarm.level) == (campaign, "paused", True, "passed")
    assert (alarm.alarm.count, alarm.alarm.sent, alarm.alarm.domain) == (5, 100, "gmail.test")
    assert alarm.describe().startswith("5 of 100 messages came back for the sender's problem")
    assert "sender blocked at gmail.test" in alarm.describe() and "spamhaus" in alarm.describe()
    with store.session() as session:
        assert session.scalar(select(Campaign.pause_reason).where(Campaign.id == campaign)) == alarm.pause_reason
        assert session.scalar(select(Suppression.email)) is None, "a blocked bounce suppresses nobody"


def test_sender_side_bounces_halfway_to_the_threshold_are_a_near_alarm(store: Store, settings: Settings, readers):
    everyone = readers["example.com"] + readers["gmail.test"]
    near = campaign_to(store, everyone, subject="Near")
    quiet = campaign_to(store, everyone, subject="Quiet")
    for email in readers["gmail.test"][:3]:
        bounce(store, settings, near, email, SPAM)
    bounce(store, settings, quiet, readers["gmail.test"][0], SPAM)

    summary = report(store, settings)

    assert [(a.campaign_id, a.level, a.paused, a.threshold) for a in summary.alarms] == [(near, "near", False, 5)]
    assert summary.alarms[0].alarm.reason == "spamdetected"


def test_a_resumed_campaign_counts_its_sender_side_bounces_from_its_mark(store: Store, settings: Settings, readers):
    gmail = readers["gmail.test"]
    campaign = campaign_to(store, readers["example.com"] + gmail, state="sending")
    for email in gmail[:5]:
        bounce(store, settings, campaign, email, BLOCKED)  # pauses it and moves the mark
    campaigns.resume(store, settings, RecordingDispatcher(), campaign)  # the editor fixed the sender
    bounce(store, settings, campaign, gmail[5], BLOCKED)

    summary = report(store, settings)

    assert summary.alarms == [], "1 blocked bounce since the mark is not yet half of 5"
    assert summary.campaigns[0].by_reason == {"blocked": 6}


def test_since_and_campaign_narrow_the_report(store: Store, settings: Settings, readers):
    com = readers["example.com"]
    first = campaign_to(store, com, subject="First")
    second = campaign_to(store, com, subject="Second")
    bounce(store, settings, first, com[0], USER_UNKNOWN, date=datetime.now(UTC) - timedelta(days=30))
    bounce(store, settings, second, com[1], MAILBOX_FULL)
    bounce(store, settings, second, com[2], MAILBOX_FULL)

    recent = report(store, settings, since=parse_since("7d"))
    one = report(store, settings, campaign_id=first)

    assert [c.id for c in recent.campaigns] == [second] and recent.by_reason == {"mailboxfull": 2}
    assert [c.id for c in one.campaigns] == [first] and one.by_reason == {"userunknown": 1}
    assert [c.id for c in report(store, settings).campaigns] == [second, first], "newest first"


def test_limit_keeps_the_newest_campaigns_and_the_busiest_domains(store: Store, settings: Settings, readers):
    com, gmail = readers["example.com"], readers["gmail.test"]
    campaigns = [campaign_to(store, com + gmail, subject=f"#{n}") for n in range(3)]
    for campaign in campaigns:
        bounce(store, settings, campaign, gmail[campaign], MAILBOX_FULL)
    bounce(store, settings, campaigns[0], com[0], USER_UNKNOWN)

    summary = report(store, settings, limit=2)

    assert [c.id for c in summary.campaigns] == campaigns[:0:-1] and summary.more_campaigns == 1
    assert [d.domain for d in summary.domains] == ["gmail.test", "example.com"] and summary.more_domains == 0
    assert [d.domain for d in report(store, settings, limit=1).domains] == ["gmail.test"]
    assert report(store, settings, limit=1).more_domains == 1


@contextmanager
def counting_queries(store: Store) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(store.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(store.engine, "before_cursor_execute", count)


def test_the_report_takes_as_many_queries_for_twenty_campaigns_as_for_one(store: Store, settings: Settings, readers):
    everyone = readers["example.com"] + readers["gmail.test"]
    gmail = readers["gmail.test"]
    one = campaign_to(store, everyone)
    bounce(store, settings, one, gmail[0], SPAM)
    with counting_queries(store) as for_one:
        report(store, settings)
    for n in range(19):
        campaign = campaign_to(store, everyone)
        bounce(store, settings, campaign, gmail[n], SPAM)
        bounce(store, settings, campaign, readers["example.com"][n], USER_UNKNOWN)

    with counting_queries(store) as for_twenty:
        summary = report(store, settings)

    assert len(summary.campaigns) == 20 and len(summary.domains) == 2
    assert len(for_twenty) == len(for_one) <= 9


def test_to_dict_is_json_with_every_reason_labelled(store: Store, settings: Settings, readers):
    gmail = readers["gmail.test"]
    campaign = campaign_to(store, readers["example.com"] + gmail, state="sending")
    for email in gmail[:5]:
        bounce(store, settings, campaign, email, BLOCKED)
    bounce(store, settings, campaign, readers["example.com"][0], USER_UNKNOWN)

    data = json.loads(json.dumps(report(store, settings, since=parse_since("2026-01-01")).to_dict()))

    assert data["since"] == "2026-01-01T00:00:00+00:00" and data["total"] == 6
    assert data["reasons"]["blocked"] == {"label": "sender blocked", "effect": "sender"}
    assert data["reasons"]["userunknown"] == {"label": "user unknown", "effect": "suppress"}
    assert data["alarms"][0]["paused"] is True and data["alarms"][0]["describe"].startswith("5 of 100")
    assert data["campaigns"][0]["by_kind"] == {"sender": 5, "hard": 1}
    assert data["domains"][0]["top_reason"] == "blocked"


def test_an_empty_store_reports_nothing(store: Store, settings: Settings):
    summary = report(store, settings)
    assert (summary.alarms, summary.campaigns, summary.domains, summary.total) == ([], [], [], 0)


def test_campaign_bounces_counts_one_campaign_by_what_the_bounces_did(store: Store, settings: Settings, readers):
    com = readers["example.com"]
    campaign = campaign_to(store, com)
    other = campaign_to(store, com)
    bounce(store, settings, campaign, com[0], USER_UNKNOWN)
    bounce(store, settings, campaign, com[1], MAILBOX_FULL)
    bounce(store, settings, campaign, com[2], MAILBOX_FULL)
    bounce(store, settings, other, com[3], USER_UNKNOWN)

    with store.session() as session:
        assert campaign_bounces(session, campaign) == {"soft": 2, "hard": 1}
        assert campaign_bounces(session, 999) == {}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7d", datetime(2026, 11, 24, 12, tzinfo=UTC)),
        ("12h", datetime(2026, 12, 1, tzinfo=UTC)),
        ("2w", datetime(2026, 11, 17, 12, tzinfo=UTC)),
        ("2026-11-01", datetime(2026, 11, 1, tzinfo=UTC)),
        ("all", None),
        ("", None),
    ],
)
def test_since_takes_a_span_or_a_date(text: str, expected: datetime | None):
    assert parse_since(text, now=datetime(2026, 12, 1, 12, tzinfo=UTC)) == expected


@pytest.mark.parametrize("text", ["yesterday", "7", "7y", "2026-13-01", "-7d"])
def test_since_refuses_anything_else_naming_the_forms(text: str):
    with pytest.raises(PublisherError, match=r"7d, 12h or 2w, or a date like 2026-11-01"):
        parse_since(text)


def test_reason_words_spell_out_what_the_reason_does():
    assert reason_words("userunknown") == "user unknown (suppressed)"
    assert reason_words("mailboxfull") == "mailbox full (counted)"
    assert reason_words("blocked") == "sender blocked (sender's problem)"
    assert reason_words("no-such-reason") == "undefined (counted)"
