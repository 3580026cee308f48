import mailbox
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from publisher import bounces
from publisher.config import Settings
from publisher.errors import PublisherError
from publisher.store import Store
from publisher.store.models import BounceEvent, Subscriber, Subscription, Suppression
from publisher.suppression import is_suppressed
from tests.support.dsn import arf_complaint, postfix_dsn, qmail_bounce
from tests.support.factories import sent_to, subscribe

HARD = "550 5.1.1 <reader00000@example.com>: Recipient address rejected: User unknown in virtual mailbox table"
SOFT = "452 4.2.2 <reader00000@example.com>: Mailbox full, try again later"


@pytest.fixture
def reader(store: Store) -> tuple[int, str]:
    [address] = subscribe(store, "readers", 1)
    with store.session() as session:
        return session.scalar(select(Subscriber.id).where(Subscriber.email == address)), address


def suppression(store: Store, address: str) -> Suppression | None:
    with store.session() as session:
        return session.scalar(select(Suppression).where(Suppression.email == address))


def subscription_status(store: Store, address: str) -> str:
    with store.session() as session:
        return session.scalar(select(Subscription.status).join(Subscriber).where(Subscriber.email == address))


def test_parse_reads_recipient_status_and_original_send():
    [report] = bounces.parse_report(
        postfix_dsn("x@example.com", "5.1.1", HARD, original_message_id="<publisher.c7.r42@example.org>")
    )
    assert (report.email, report.kind, report.status) == ("x@example.com", "hard", "5.1.1")
    assert report.message_id == "<publisher.c7.r42@example.org>"
    assert "User unknown" in report.diagnostic


@pytest.mark.parametrize(
    ("status", "action", "reason", "hard"),
    [
        ("5.1.1", "failed", "userunknown", True),
        ("4.2.2", "failed", "mailboxfull", False),
        ("5.2.2", "failed", "mailboxfull", False),
        ("4.4.1", "delayed", None, None),
        ("2.0.0", "delivered", None, None),
    ],
)
def test_classification(status: str, action: str, reason: str | None, hard: bool | None):
    verdict = bounces.classify(status, action=action)

    assert (verdict.reason, verdict.hard) == (reason, hard) if reason else verdict is None


def test_hard_bounce_suppresses_at_once(store: Store, settings: Settings, reader):
    sid, address = reader
    sent_to(store, address)
    message_id = sent_to(store, address)  # campaign 2
    raw = postfix_dsn(address, "5.1.1", HARD, original_message_id=message_id)

    assert bounces.ingest_message(store, settings, raw, source="test") == ["suppressed"]

    entry = suppression(store, address)
    assert entry.reason == "hard_bounce" and "5.1.1" in entry.detail
    assert subscription_status(store, address) == "bounced"
    with store.session() as session:
        event = session.scalar(select(BounceEvent))
    assert (event.campaign_id, event.subscriber_id, event.kind) == (2, sid, "hard")


def test_soft_bounces_suppress_after_the_limit_within_the_window(store: Store, settings: Settings, reader):
    sid, address = reader
    assert settings.soft_bounce_limit == 3
    sends = {n: sent_to(store, address) for n in range(1, 5)}

    def soft(n: int, days_ago: float = 0) -> list[str]:
        raw = postfix_dsn(
            address,
            "4.2.2",
            SOFT,
            original_message_id=sends[n],
            report_id=f"<soft-{n}@mx.example.net>",
            date=datetime.now(UTC) - timedelta(days=days_ago),
        )
        return bounces.ingest_message(store, settings, raw, source="test")

    assert soft(1, days_ago=30) == ["counted"]  # outside the 14-day window: does not count toward the limit
    assert soft(2) == ["counted"]
    assert soft(3) == ["counted"]
    assert suppression(store, address) is None and subscription_status(store, address) == "active"
    assert soft(3) == ["duplicate"]  # the same report read again counts once
    assert suppression(store, address) is None

    assert soft(4) == ["suppressed"]
    assert suppression(store, address).reason == "soft_bounce"
    assert subscription_status(store, address) == "bounced"


def test_a_delay_warning_is_not_a_bounce(store: Store, settings: Settings, reader):
    _, address = reader
    raw = postfix_dsn(address, "4.4.1", "connect to mail.example.com: Connection timed out", action="delayed")
    assert bounces.ingest_message(store, settings, raw, source="test") == []
    assert not is_suppressed_now(store, address)


def is_suppressed_now(store: Store, address: str) -> bool:
    with store.session() as session:
        return is_suppressed(session, address)


def test_message_id_maps_the_bounce_to_the_subscriber_behind_a_forwarding_alias(
    store: Store, settings: Settings, reader
):
    sid, address = reader
    # The alias's MTA reports the address it forwarded to as Final-Recipient, ours as Original-Recipient.
    raw = postfix_dsn(
        "alias@forwarder.example",
        "5.1.1",
        HARD,
        original_message_id=sent_to(store, address),
        original_recipient=address,
    )
    assert bounces.ingest_message(store, settings, raw, source="test") == ["suppressed"]
    assert is_suppressed_now(store, address)
    assert not is_suppressed_now(store, "alias@forwarder.example")


def test_complaint_suppresses(store: Store, settings: Settings, reader):
    sid, address = reader
    raw = arf_complaint(address, sent_to(store, address))
    assert bounces.ingest_message(store, settings, raw, source="test") == ["suppressed"]
    assert suppression(store, address).reason == "complaint"
    assert subscription_status(store, address) == "complained"


def test_non_standard_bounce_is_read_by_flufl_bounce(store: Store, settings: Settings, reader):
    _, address = reader
    assert bounces.ingest_message(store, settings, qmail_bounce(address, sent_to(store, address)), source="test") == [
        "suppressed"
    ]
    assert suppression(store, address).reason == "hard_bounce"


def test_ordinary_mail_is_not_a_bounce(store: Store, settings: Settings):
    raw = (
        b"From: a@example.com\r\nTo: news@example.org\r\nSubject: hello\r\nMessage-ID: <x@y>\r\n\r\nJust saying hi.\r\n"
    )
    assert bounces.ingest_message(store, settings, raw, source="test") == []


def test_maildir_and_mbox_are_ingested_once(store: Store, settings: Settings, tmp_path: Path):
    people = subscribe(store, "readers", 3)
    maildir = mailbox.Maildir(str(tmp_path / "bounces"), create=True)
    maildir.add(
        postfix_dsn(people[0], "5.1.1", HARD, report_id="<a@mx>", original_message_id=sent_to(store, people[0]))
    )
    maildir.add(b"From: x@example.com\r\nSubject: not a bounce\r\n\r\nhello\r\n")
    maildir.close()
    box = mailbox.mbox(str(tmp_path / "bounces.mbox"), create=True)
    box.add(postfix_dsn(people[1], "4.2.2", SOFT, report_id="<b@mx>", original_message_id=sent_to(store, people[1])))
    box.add(arf_complaint(people[2], sent_to(store, people[2])))
    box.close()

    first = bounces.ingest_mailbox(store, settings, tmp_path / "bounces")
    assert dict(first.outcomes) == {"suppressed": 1} and first.not_reports == 1
    second = bounces.ingest_mailbox(store, settings, tmp_path / "bounces.mbox")
    assert dict(second.outcomes) == {"counted": 1, "suppressed": 1}
    again = bounces.ingest_mailbox(store, settings, tmp_path / "bounces.mbox")
    assert dict(again.outcomes) == {"duplicate": 2}
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(BounceEvent)) == 3
    assert [is_suppressed_now(store, p) for p in people] == [True, False, True]


def test_a_path_that_is_no_mailbox_is_refused(store: Store, settings: Settings, tmp_path: Path):
    with pytest.raises(PublisherError, match="must be a Maildir"):
        bounces.ingest_mailbox(store, settings, tmp_path)
    with pytest.raises(PublisherError, match="no such Maildir or mbox"):
        bounces.ingest_mailbox(store, settings, tmp_path / "missing")


def test_mail_to_the_unsubscribe_mailto_unsubscribes(store: Store, settings: Settings, reader, tmp_path: Path):
    from publisher.subscriber_links import unsubscribe_token

    sid, address = reader
    with store.session() as session:
        list_id = session.scalar(select(Subscription.list_id))
    token = unsubscribe_token(settings.signing_key(), sid, list_id, address)
    box = mailbox.mbox(str(tmp_path / "inbound.mbox"), create=True)
    box.add(f"From: {address}\r\nTo: unsubscribe@example.org\r\nSubject: unsubscribe {token}\r\n\r\n".encode())
    box.add(f"From: {address}\r\nSubject: unsubscribe {token[:-2]}xx\r\n\r\n".encode())  # forged: ignored
    box.close()

    report = bounces.ingest_mailbox(store, settings, tmp_path / "inbound.mbox")

    assert dict(report.outcomes) == {"unsubscribed": 1} and report.not_reports == 1
    assert subscription_status(store, address) == "unsubscribed"
