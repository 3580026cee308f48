"""Sender-side bounces never cost a reader: a campaign whose mail comes back "blocked" pauses with the reason
and suppresses nobody; one whose mail comes back "user unknown" suppresses exactly those addresses.

Both ways bounces come back are covered: refused at send time by the receiving server (a 5xx to RCPT TO,
from a real SMTP server) and reported later in delivery status notifications sent to the VERP return path.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from publisher import bounces, campaigns, delivery, subscribers
from publisher.config import Settings
from publisher.store import Store
from publisher.store.models import BounceEvent, Campaign, OutboxRow, Subscriber, Suppression
from publisher.verp import verp_of
from tests.support.dsn import postfix_dsn
from tests.support.factories import RecordingDispatcher, seed_article
from tests.support.smtp import SmtpServer

BLOCKED = (
    "550 5.7.1 Service unavailable, Client host [203.0.113.9] blocked using zen.spamhaus.org; "
    "https://www.spamhaus.org/query/ip/203.0.113.9"
)
UNKNOWN = "550 5.1.1 <{address}>: Recipient address rejected: User unknown in virtual mailbox table"


@pytest.fixture
def smtp_settings(smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("PUBLISHER_SMTP_HOST", smtp_server.host)
    monkeypatch.setenv("PUBLISHER_SMTP_PORT", str(smtp_server.port))
    monkeypatch.setenv("PUBLISHER_RETRY_BASE_SECONDS", "0")
    return Settings()


def readers(store: Store, count: int) -> tuple[list[str], list[str]]:
    """`count` readers, every 20th of them at gmail.com: (all addresses in id order, the gmail.com ones)."""
    people, at_gmail = [], []
    for i in range(count):
        domain = "gmail.com" if i % 20 == 7 else "example.com"
        people.append(subscribers.NewSubscriber(f"reader{i:05d}@{domain}", f"Reader {i}"))
        if domain == "gmail.com":
            at_gmail.append(people[-1].email)
    subscribers.add_to_list(store, "news", people)
    return [p.email for p in people], at_gmail


def new_campaign(store: Store, settings: Settings, seed_path: Path) -> int:
    return campaigns.create_email_campaign(store, settings, [seed_article(store, seed_path)], "news")


def deliver(store: Store, settings: Settings, campaign_id: int, *, upto: int | None = None) -> delivery.BatchOutcome:
    with store.session() as session:
        [batch] = campaigns.batches(session, campaign_id, 10_000)
    last = batch.last_id if upto is None else batch.first_id + upto - 1
    return delivery.deliver_batch(store, settings, campaign_id, batch.channel, batch.first_id, last)


def suppressed(store: Store) -> set[str]:
    with store.session() as session:
        return set(session.scalars(select(Suppression.email)))


def campaign(store: Store, campaign_id: int) -> Campaign:
    with store.session() as session:
        found = session.get(Campaign, campaign_id)
        assert found is not None
        session.expunge(found)
        return found


def unsent(store: Store, campaign_id: int) -> int:
    with store.session() as session:
        return session.scalar(
            select(func.count())
            .select_from(OutboxRow)
            .where(OutboxRow.campaign_id == campaign_id, OutboxRow.state == "queued")
        )


def test_blocked_at_send_time_pauses_the_campaign_and_suppresses_nobody(
    store: Store, smtp_settings: Settings, smtp_server: SmtpServer, seed_path: Path
):
    _, at_gmail = readers(store, 400)
    smtp_server.handler.reject.update({address: BLOCKED for address in at_gmail})  # 5% of the list
    campaign_id = new_campaign(store, smtp_settings, seed_path)

    outcome = deliver(store, smtp_settings, campaign_id)

    paused = campaign(store, campaign_id)
    assert paused.state == "paused" and outcome.paused == paused.pause_reason
    assert "gmail.com" in paused.pause_reason and "blocked" in paused.pause_reason
    assert "spamhaus" in paused.pause_reason
    assert unsent(store, campaign_id) > 0  # it stopped before burning the rest of the list
    assert suppressed(store) == set()
    with store.session() as session:
        events = list(session.scalars(select(BounceEvent)))
    assert events and {(e.reason, e.kind, e.format, e.domain) for e in events} == {
        ("blocked", "sender", "smtp", "gmail.com")
    }


def test_user_unknown_at_send_time_suppresses_exactly_those(
    store: Store, smtp_settings: Settings, smtp_server: SmtpServer, seed_path: Path
):
    _, at_gmail = readers(store, 400)
    smtp_server.handler.reject.update({a: UNKNOWN.format(address=a) for a in at_gmail})
    campaign_id = new_campaign(store, smtp_settings, seed_path)

    deliver(store, smtp_settings, campaign_id)

    assert campaign(store, campaign_id).state == "done"
    assert suppressed(store) == set(at_gmail)


def dsn_to_return_path(
    store: Store, settings: Settings, campaign_id: int, address: str, status: str, words: str
) -> list[bounces.Outcome]:
    """A Postfix DSN for our message to `address`, delivered to that message's VERP return path."""
    verp = verp_of(settings)
    assert verp is not None
    with store.session() as session:
        subscriber_id = session.scalar(select(Subscriber.id).where(Subscriber.email == address))
    return_path = verp.address(campaign_id, subscriber_id)
    # The reporting MTA dropped the original headers: only the return path maps it to its send.
    raw = postfix_dsn(address, status, words, original_message_id="<lost@mx.example.net>", report_id=f"<{address}>")
    return bounces.ingest_message(store, settings, raw, source="test", envelope_to=return_path)


def test_blocked_reports_pause_a_sending_campaign_and_suppress_nobody(
    store: Store, smtp_settings: Settings, seed_path: Path
):
    addresses, _ = readers(store, 400)
    campaign_id = new_campaign(store, smtp_settings, seed_path)
    deliver(store, smtp_settings, campaign_id, upto=200)  # half sent; the campaign is still sending
    assert campaign(store, campaign_id).state in ("queued", "sending")

    outcomes = [
        dsn_to_return_path(store, smtp_settings, campaign_id, a, "5.7.1", BLOCKED) for a in addresses[:200:20]
    ]  # 10 of the 200 sent: 5%

    assert all(o == ["sender-side"] for o in outcomes)
    paused = campaign(store, campaign_id)
    assert paused.state == "paused" and "blocked" in paused.pause_reason
    assert [o[0].paused for o in outcomes if o[0].paused] == [paused.pause_reason]  # paused once
    assert suppressed(store) == set()
    assert deliver(store, smtp_settings, campaign_id).sent == 0  # nothing more goes out until it is resumed


def test_user_unknown_reports_suppress_exactly_those_readers(store: Store, smtp_settings: Settings, seed_path: Path):
    addresses, _ = readers(store, 400)
    campaign_id = new_campaign(store, smtp_settings, seed_path)
    deliver(store, smtp_settings, campaign_id, upto=200)
    bounced = addresses[:200:20]

    for address in bounced:
        words = UNKNOWN.format(address=address)
        assert dsn_to_return_path(store, smtp_settings, campaign_id, address, "5.1.1", words) == ["suppressed"]

    assert campaign(store, campaign_id).state in ("queued", "sending")
    assert suppressed(store) == set(bounced)


def test_a_resumed_campaign_is_judged_on_new_bounces_only(store: Store, smtp_settings: Settings, seed_path: Path):
    addresses, _ = readers(store, 400)
    campaign_id = new_campaign(store, smtp_settings, seed_path)
    deliver(store, smtp_settings, campaign_id, upto=200)
    for address in addresses[:200:20]:
        dsn_to_return_path(store, smtp_settings, campaign_id, address, "5.7.1", BLOCKED)
    assert campaign(store, campaign_id).state == "paused"
    campaigns.resume(store, smtp_settings, RecordingDispatcher(), campaign_id)  # the editor fixed the sender

    late = addresses[1:200:20][:4]  # fewer than PUBLISHER_SENDER_BOUNCE_PAUSE_MIN (5) new ones
    assert [dsn_to_return_path(store, smtp_settings, campaign_id, a, "5.7.1", BLOCKED) for a in late] == [
        ["sender-side"]
    ] * 4

    assert campaign(store, campaign_id).state == "sending"


def test_a_finished_campaign_is_not_paused_but_its_alarm_is_kept(
    store: Store, smtp_settings: Settings, seed_path: Path
):
    addresses, _ = readers(store, 100)
    campaign_id = new_campaign(store, smtp_settings, seed_path)
    deliver(store, smtp_settings, campaign_id)

    for address in addresses[:10]:
        dsn_to_return_path(store, smtp_settings, campaign_id, address, "5.7.1", BLOCKED)

    assert campaign(store, campaign_id).state == "done"
    with store.session() as session:
        alarm = bounces.alarm_of(session, campaign_id)
    assert alarm is not None and (alarm.count, alarm.sent, alarm.reason) == (10, 100, "blocked")
    assert "10 of 100 messages" in alarm.describe()
    assert suppressed(store) == set()


def test_a_report_to_a_forged_return_path_is_ignored(store: Store, smtp_settings: Settings, seed_path: Path):
    addresses, _ = readers(store, 20)
    campaign_id = new_campaign(store, smtp_settings, seed_path)
    deliver(store, smtp_settings, campaign_id)
    verp = verp_of(smtp_settings)
    assert verp is not None
    forged = verp.address(campaign_id, 1).replace(".r1.", ".r2.")
    raw = postfix_dsn(addresses[1], "5.1.1", UNKNOWN.format(address=addresses[1]), original_message_id="<x@y>")

    [outcome] = bounces.ingest_message(store, smtp_settings, raw, source="test", envelope_to=forged)

    assert outcome == "ignored" and "forged" in outcome.why
    assert suppressed(store) == set()


def test_a_wrong_return_path_signature_leaves_the_message_id_to_name_the_send(
    store: Store, smtp_settings: Settings, seed_path: Path
):
    addresses, _ = readers(store, 20)
    campaign_id = new_campaign(store, smtp_settings, seed_path)
    deliver(store, smtp_settings, campaign_id)
    with store.session() as session:
        subscriber_id = session.scalar(select(Subscriber.id).where(Subscriber.email == addresses[1]))
    stale = f"bounces+c{campaign_id}.r{subscriber_id}.000000000000@example.org"  # e.g. signed before a key change
    message_id = f"<publisher.c{campaign_id}.r{subscriber_id}@example.org>"
    raw = postfix_dsn(addresses[1], "5.1.1", UNKNOWN.format(address=addresses[1]), original_message_id=message_id)

    assert bounces.ingest_message(store, smtp_settings, raw, source="test", envelope_to=stale) == ["suppressed"]
    assert suppressed(store) == {addresses[1]}
