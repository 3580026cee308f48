"""The inbound SMTP listener, run in-process on a free port and spoken to with smtplib, as an MTA would."""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select, text

from publisher.bounces.listener import Listener, Received, parse_listen
from publisher.config import Settings
from publisher.errors import PublisherError
from publisher.store import Store
from publisher.store.models import BounceEvent, Campaign, OutboxRow, Subscriber
from publisher.suppression import is_suppressed
from publisher.verp import verp_of
from tests.support.dsn import postfix_dsn
from tests.support.factories import sent_to, subscribe
from tests.support.services import free_port

HARD = "550 5.1.1 <reader00000@example.com>: Recipient address rejected: User unknown in virtual mailbox table"
BLOCKED = "554 5.7.1 Service unavailable; Client host [198.51.100.7] blocked using zen.spamhaus.org"


@pytest.fixture
def received() -> list[Received]:
    return []


@pytest.fixture
def listener(store: Store, settings: Settings, received: list[Received]) -> Iterator[Listener]:
    running = Listener(store, settings, listen=f"127.0.0.1:{free_port()}", on_message=received.append).start()
    yield running
    running.stop()


@pytest.fixture
def send(store: Store, settings: Settings) -> tuple[str, str, str]:
    """A reader who was sent a campaign: (address, the mail's Message-ID, its signed VERP return path)."""
    [address] = subscribe(store, "readers", 1)
    message_id = sent_to(store, address)
    with store.session() as session:
        subscriber_id = session.scalar(select(Subscriber.id).where(Subscriber.email == address))
    campaign_id = int(message_id.split(".c")[1].split(".")[0])
    return address, message_id, verp_of(settings).address(campaign_id, subscriber_id)


def deliver(listener: Listener, rcpts: list[str], raw: bytes) -> dict[str, tuple[int, bytes]]:
    with smtplib.SMTP(listener.host, listener.port, timeout=30) as client:
        return client.sendmail("", rcpts, raw)  # a bounce's envelope sender is null


def events(store: Store) -> list[BounceEvent]:
    with store.session() as session:
        return list(session.scalars(select(BounceEvent)))


def test_a_bounce_to_a_verp_address_suppresses_its_reader_even_without_the_original_headers(
    listener: Listener, store: Store, send, received: list[Received]
):
    address, _, verp = send
    raw = postfix_dsn(address, "5.1.1", HARD, original_message_id="<headers-lost@mx.example.net>")

    refused = deliver(listener, [verp], raw)

    assert refused == {}
    with store.session() as session:
        assert is_suppressed(session, address)
    [event] = events(store)
    assert (event.reason, event.source) == ("userunknown", "smtp-in:127.0.0.1")
    assert [r.outcomes for r in received] == [{"suppressed": 1}]
    assert "User unknown" not in received[0].line()  # the console line never shows the report's content


def test_a_bounce_to_the_plain_bounce_address_is_matched_by_its_message_id(
    listener: Listener, store: Store, settings: Settings, send
):
    address, message_id, _ = send

    deliver(
        listener,
        [f"bounces@{settings.return_path_domain}"],
        postfix_dsn(address, "5.1.1", HARD, original_message_id=message_id),
    )

    with store.session() as session:
        assert is_suppressed(session, address)


def test_a_blocked_bounce_suppresses_nobody(listener: Listener, store: Store, send):
    address, message_id, verp = send

    deliver(listener, [verp], postfix_dsn(address, "5.7.1", BLOCKED, original_message_id=message_id))

    with store.session() as session:
        assert not is_suppressed(session, address)
    assert [e.kind for e in events(store)] == ["sender"]


@pytest.mark.parametrize("rcpt", ["someone@elsewhere.example", "bounces@example.org.evil.example", "news2@example.org"])
def test_mail_for_any_other_address_is_refused_550(listener: Listener, send, rcpt: str):
    address, message_id, _ = send

    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        deliver(listener, [rcpt], postfix_dsn(address, "5.1.1", HARD, original_message_id=message_id))

    code, reply = refused.value.recipients[rcpt]
    assert code == 550 and reply.startswith(b"5.1.1")


def test_the_from_address_and_the_unsubscribe_mailto_are_accepted(
    store: Store, monkeypatch: pytest.MonkeyPatch, received: list[Received]
):
    monkeypatch.setenv("PUBLISHER_UNSUBSCRIBE_MAILTO", "leave@lists.example.org")
    listener = Listener(store, Settings(), listen=f"127.0.0.1:{free_port()}", on_message=received.append).start()
    try:
        refused = deliver(listener, ["news@example.org", "leave@lists.example.org"], b"Subject: hello\r\n\r\nhi\r\n")
    finally:
        listener.stop()

    assert refused == {}
    assert [(r.recipients, r.not_reports) for r in received] == [(2, 1)]  # the rest is ingested once


def test_a_message_over_the_size_limit_is_refused_552(store: Store, monkeypatch: pytest.MonkeyPatch, send):
    address, message_id, verp = send
    monkeypatch.setenv("PUBLISHER_BOUNCE_MAX_BYTES", "4096")
    listener = Listener(store, Settings(), listen=f"127.0.0.1:{free_port()}").start()
    raw = postfix_dsn(address, "5.1.1", HARD + " " + "x" * 8000, original_message_id=message_id)
    try:
        with pytest.raises(smtplib.SMTPResponseException) as refused:
            deliver(listener, [verp], raw)
    finally:
        listener.stop()

    assert refused.value.smtp_code == 552
    assert events(store) == []


def test_the_same_bounce_delivered_twice_is_one_bounce_event(
    listener: Listener, store: Store, send, received: list[Received]
):
    address, message_id, verp = send
    raw = postfix_dsn(address, "4.2.2", "452 4.2.2 Mailbox full", original_message_id=message_id)

    deliver(listener, [verp], raw)
    deliver(listener, [verp], raw)

    assert len(events(store)) == 1
    assert [r.outcomes for r in received] == [{"counted": 1}, {"duplicate": 1}]


def test_a_failing_ingest_answers_451_records_nothing_and_the_retry_is_recorded(
    listener: Listener, store: Store, send, received: list[Received]
):
    address, message_id, verp = send
    raw = postfix_dsn(address, "5.1.1", HARD, original_message_id=message_id)
    with store.session() as session:  # the database breaks under the listener: its table is gone
        session.execute(text("ALTER TABLE bounce_events RENAME TO bounce_events_away"))

    with pytest.raises(smtplib.SMTPDataError) as refused:
        deliver(listener, [verp], raw)

    assert refused.value.smtp_code == 451 and refused.value.smtp_error.startswith(b"4.3.0")
    with store.session() as session:
        session.execute(text("ALTER TABLE bounce_events_away RENAME TO bounce_events"))
        assert session.scalar(select(func.count()).select_from(BounceEvent)) == 0
        assert not is_suppressed(session, address)
    assert received == []

    deliver(listener, [verp], raw)  # the sending MTA retries later

    with store.session() as session:
        assert is_suppressed(session, address)


def test_a_message_to_two_return_paths_is_ingested_for_each(store: Store, settings: Settings, listener: Listener):
    first, second = subscribe(store, "two", 2, domain="example.net")
    verps = []
    for address in (first, second):
        message_id = sent_to(store, address)
        campaign_id, subscriber_id = (
            int(x) for x in message_id.strip("<>").split("@")[0][len("publisher.c") :].split(".r")
        )
        verps.append(verp_of(settings).address(campaign_id, subscriber_id))
    raw = postfix_dsn(first, "5.1.1", HARD, original_message_id="<lost@mx.example.net>")

    deliver(listener, verps, raw)

    # The report names the first reader: under the second's return path it is not believed.
    with store.session() as session:
        assert is_suppressed(session, first) and not is_suppressed(session, second)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("127.0.0.1:2525", ("127.0.0.1", 2525)), ("[::1]:25", ("::1", 25)), ("0.0.0.0:2525", ("0.0.0.0", 2525))],
)
def test_listen_addresses_are_read(value: str, expected: tuple[str, int]):
    assert parse_listen(value) == expected


@pytest.mark.parametrize("value", ["2525", "localhost:0", "localhost:99999", "a b:25", ""])
def test_a_bad_listen_address_is_a_clear_error(value: str):
    with pytest.raises(PublisherError, match="PUBLISHER_BOUNCE_LISTEN must be HOST:PORT"):
        parse_listen(value)


def test_a_port_in_use_is_a_clear_error(store: Store, settings: Settings, listener: Listener):
    with pytest.raises(PublisherError, match=f"cannot listen on 127.0.0.1:{listener.port}"):
        Listener(store, settings, listen=f"127.0.0.1:{listener.port}").start()


def test_no_log_line_holds_the_report_s_content_even_at_debug_level(
    store: Store, settings: Settings, send, caplog: pytest.LogCaptureFixture
):
    address, message_id, verp = send
    caplog.set_level(logging.DEBUG)
    listener = Listener(store, settings, listen=f"127.0.0.1:{free_port()}").start()
    try:
        deliver(listener, [verp], postfix_dsn(address, "5.1.1", HARD, original_message_id=message_id))
    finally:
        listener.stop()

    assert "suppressed" in caplog.text  # the listener did log the message
    assert "User unknown" not in caplog.text and "Netanyahu" not in caplog.text


def test_blocked_bounces_by_smtp_pause_their_campaign_and_say_why(
    listener: Listener, store: Store, settings: Settings, received: list[Received]
):
    addresses = subscribe(store, "many", 100, domain="gmail.com")
    with store.session() as session:
        ids = list(session.scalars(select(Subscriber.id).where(Subscriber.email.in_(addresses))))
        campaign = Campaign(kind="email", state="sending", subject="Digest")
        session.add(campaign)
        session.flush()
        session.add_all(OutboxRow(campaign_id=campaign.id, recipient_id=i, channel="smtp", state="sent") for i in ids)
        campaign_id = campaign.id
    verp = verp_of(settings)

    for n, (address, subscriber_id) in enumerate(zip(addresses[:5], ids[:5], strict=True)):
        raw = postfix_dsn(address, "5.7.1", BLOCKED, original_message_id="<lost@mx>", report_id=f"<b{n}@mx>")
        deliver(listener, [verp.address(campaign_id, subscriber_id)], raw)

    with store.session() as session:
        assert session.scalar(select(Campaign.state).where(Campaign.id == campaign_id)) == "paused"
        assert not any(is_suppressed(session, a) for a in addresses)
    assert [bool(r.paused) for r in received] == [False] * 4 + [True]
    assert "gmail.com" in received[-1].paused[0]
