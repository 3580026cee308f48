"""Welcome mail and sequences: who gets which step when, through the real outbox, delivery and SMTP server.

Each test drives publisher.automation.sequences with a recording dispatcher and delivers what it dispatched
the way a worker does (delivery.deliver_batch over the SMTP channel to aiosmtpd), on SQLite and PostgreSQL.
"""

from __future__ import annotations

import email
import email.policy
import logging
import re
import threading
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import func, select

from publisher import automation, consent, delivery, preferences, runtime, subscribers
from publisher.automation import sequences
from publisher.campaigns import service
from publisher.clock import FixedClock
from publisher.config import Settings
from publisher.errors import NotFound, PublisherError
from publisher.runtime import Services
from publisher.states import CampaignKind
from publisher.store import Store
from publisher.store.models import Campaign, OutboxRow, utcnow
from tests.support.factories import RecordingDispatcher
from tests.support.smtp import SmtpServer

WELCOME = "Thanks for joining, we are **glad** you are here.\n\n- one\n- two\n"


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch, smtp_server: SmtpServer) -> Settings:
    monkeypatch.setenv("PUBLISHER_SMTP_HOST", smtp_server.host)
    monkeypatch.setenv("PUBLISHER_SMTP_PORT", str(smtp_server.port))
    return Settings()


@pytest.fixture
def dispatcher() -> RecordingDispatcher:
    return RecordingDispatcher()


@pytest.fixture
def services(any_store: Store, settings: Settings, dispatcher: RecordingDispatcher) -> Services:
    with any_store.session() as session:
        subscribers.ensure_list(session, "readers")
    return runtime.build(settings, store=any_store, dispatcher=dispatcher)


def deliver(services: Services, dispatcher: RecordingDispatcher) -> None:
    """What a worker does with each dispatched batch."""
    calls, dispatcher.calls[:] = list(dispatcher.calls), []
    for campaign_id, channel, first_id, last_id, _queue in calls:
        delivery.deliver_batch(services.store, services.settings, campaign_id, channel, first_id, last_id)


def join(services: Services, *addresses: str, name: str = "Ana") -> None:
    """An editor's add: the subscriptions become active now."""
    people = subscribers.parse_addresses(list(addresses), name=name)
    subscribers.add_to_list(services.store, "readers", people, welcome=True)


def step(services: Services, position: int, days: int, subject: str, body: str = WELCOME) -> sequences.Step:
    return sequences.set_step(services.store, services.settings, "readers", position, days, subject, body)


def parse(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def sweep_at(services: Services, dispatcher: RecordingDispatcher, days: float) -> int:
    """The workers' automation sweep with the clock `days` ahead; how many sequence mails it queued."""
    services.clock = FixedClock(utcnow() + timedelta(days=days))
    failures = Failures()
    logging.getLogger("publisher.automation").addHandler(failures)
    try:
        queued = automation.sweep(services).sequence_mails
    finally:
        logging.getLogger("publisher.automation").removeHandler(failures)
    assert failures.records == [], "the sweep's sequences part failed"  # a 0 must mean nothing was due
    deliver(services, dispatcher)
    return queued


class Failures(logging.Handler):
    """The sweep logs a part that raised and carries on: this keeps those records."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def rows_of(store: Store, campaign_id: int | None) -> int:
    with store.session() as session:
        return session.scalar(select(func.count()).where(OutboxRow.campaign_id == campaign_id)) or 0


def test_a_welcome_mail_looks_like_the_newsletter_and_can_be_left(services, dispatcher, smtp_server):
    step(services, 0, 0, "Welcome to the desk")
    join(services, "ana@example.com")

    assert sweep_at(services, dispatcher, 0) == 1
    [received] = smtp_server.wait_for(1)
    mail = parse(received.data)
    html = mail.get_body(("html",)).get_content()
    text = mail.get_body(("plain",)).get_content()

    assert received.rcpt_tos == ["ana@example.com"]
    assert mail["Subject"] == "Welcome to the desk"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "Hello Ana," in text and "Thanks for joining, we are glad you are here." in text
    assert "\nUnsubscribe: https://news.example.org/unsubscribe/" in text
    assert re.search(r"<strong>glad</strong>", html) and re.search(r"<li[^>]*>one</li>", html)
    assert "Unsubscribe" in html
    # The text has no page on the site: no "Read on the web", no share links.
    assert "Read on the web" not in text and "Share:" not in html and "/articles/" not in html


def test_step_two_goes_out_three_days_after_joining_and_not_before(services, dispatcher, smtp_server):
    step(services, 0, 0, "Welcome")
    step(services, 1, 3, "Three days in")
    join(services, "ana@example.com")

    assert sweep_at(services, dispatcher, 0) == 1
    assert sweep_at(services, dispatcher, 2.9) == 0
    assert sweep_at(services, dispatcher, 3.01) == 1
    assert sweep_at(services, dispatcher, 10) == 0  # once

    assert [parse(m.data)["Subject"] for m in smtp_server.wait_for(2)] == ["Welcome", "Three days in"]


def test_a_reader_who_unsubscribed_gets_no_further_step(services, dispatcher, smtp_server):
    step(services, 0, 0, "Welcome")
    step(services, 1, 3, "Three days in")
    join(services, "ana@example.com", "bo@example.com")
    sweep_at(services, dispatcher, 0)
    ana = next(m for m in smtp_server.wait_for(2) if m.rcpt_tos == ["ana@example.com"])
    [link] = re.findall(r"/unsubscribe/(\S+)>", parse(ana.data)["List-Unsubscribe"])
    consent.unsubscribe(services.store, services.settings, link)  # the welcome mail's own link

    assert sweep_at(services, dispatcher, 4) == 1
    assert [m.rcpt_tos for m in smtp_server.wait_for(3)[2:]] == [["bo@example.com"]]


def test_a_mail_queued_before_the_reader_left_is_not_sent(services, dispatcher, smtp_server):
    step(services, 0, 0, "Welcome")
    join(services, "ana@example.com")
    sequences.queue_due(services, now=utcnow())
    preferences.unsubscribe_address(services.store, "ana@example.com", "readers")
    deliver(services, dispatcher)

    with services.store.session() as session:
        assert session.scalars(select(OutboxRow.state)).all() == ["suppressed"]
    assert smtp_server.messages == []


def test_two_sweepers_at_once_queue_each_mail_once(services, dispatcher):
    welcome = step(services, 0, 0, "Welcome")
    join(services, *[f"reader{i}@example.com" for i in range(20)])
    sweepers = 4
    ready = threading.Barrier(sweepers)
    counts: list[int] = []
    errors: list[BaseException] = []

    def sweep() -> None:
        try:
            ready.wait()
            counts.append(sequences.queue_due(services, now=utcnow()))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=sweep) for _ in range(sweepers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(counts) == [0, 0, 0, 20]
    assert rows_of(services.store, welcome.campaign_id) == 20


def test_a_csv_import_mails_nobody(services, dispatcher, tmp_path: Path, smtp_server):
    step(services, 0, 0, "Welcome")
    csv = tmp_path / "people.csv"
    csv.write_text("email,name\nana@example.com,Ana\nbo@example.com,Bo\n")
    report = subscribers.read_csv(csv)
    subscribers.add_to_list(services.store, "readers", report.people, source="csv:people.csv")

    assert sweep_at(services, dispatcher, 30) == 0
    assert smtp_server.messages == []


def test_readers_who_joined_before_the_step_existed_get_nothing(services, dispatcher, smtp_server):
    join(services, "early@example.com")
    step(services, 0, 0, "Welcome")
    join(services, "late@example.com")

    assert sweep_at(services, dispatcher, 1) == 1
    assert [m.rcpt_tos for m in smtp_server.wait_for(1)] == [["late@example.com"]]


def test_an_edited_step_mails_new_readers_its_new_text_and_nobody_twice(services, dispatcher, smtp_server):
    first = step(services, 0, 0, "Welcome")
    join(services, "ana@example.com")
    sweep_at(services, dispatcher, 0)
    edited = step(services, 0, 0, "Welcome, edited", "New text.")
    join(services, "bo@example.com", name="Bo")

    assert edited.campaign_id != first.campaign_id
    assert sweep_at(services, dispatcher, 1) == 1
    received = smtp_server.wait_for(2)
    assert [(m.rcpt_tos, parse(m.data)["Subject"]) for m in received] == [
        (["ana@example.com"], "Welcome"),
        (["bo@example.com"], "Welcome, edited"),
    ]
    [shown] = sequences.list_steps(services.store, "readers")
    assert shown.counts["sent"] == 2  # counted over both renderings


def test_a_steps_campaign_stays_open_while_current_and_finishes_once_replaced(services, dispatcher):
    first = step(services, 0, 0, "Welcome")
    join(services, "ana@example.com")
    sweep_at(services, dispatcher, 0)
    with services.store.session() as session:  # a digest whose last row is final, not yet marked done
        digest = Campaign(kind=CampaignKind.EMAIL, state="sending", subject="Digest")
        session.add(digest)
        session.flush()
        digest_id = digest.id
    service.sweep(services, stalled_only=True)  # the sweep marks campaigns with nothing pending done

    assert campaign_state(services.store, digest_id) == "done"
    assert campaign_state(services.store, first.campaign_id) == "sending"
    step(services, 0, 0, "Welcome again")
    assert campaign_state(services.store, first.campaign_id) == "done"


def test_a_disabled_step_queues_nobody_until_enabled(services, dispatcher, smtp_server):
    step(services, 0, 0, "Welcome")
    sequences.set_enabled(services, "readers", 0, False)
    join(services, "ana@example.com")

    assert sweep_at(services, dispatcher, 1) == 0
    shown = sequences.set_enabled(services, "readers", 0, True)  # queues what is due at once
    deliver(services, dispatcher)
    assert shown.counts["queued"] + shown.counts["sent"] == 1
    assert len(smtp_server.wait_for(1)) == 1


def test_a_removed_step_is_queued_to_nobody(services, dispatcher):
    step(services, 0, 0, "Welcome")
    sequences.remove_step(services.store, "readers", 0)
    join(services, "ana@example.com")

    assert sweep_at(services, dispatcher, 1) == 0
    assert sequences.list_steps(services.store, "readers") == []
    with pytest.raises(NotFound, match="list 'readers' has no sequence step 0"):
        sequences.remove_step(services.store, "readers", 0)


def test_sequence_campaigns_are_left_out_of_the_recent_campaigns(services):
    from publisher import editing

    step(services, 0, 0, "Welcome")
    assert [c.kind for c in editing.recent_campaigns(services.store)] == []
    with services.store.session() as session:
        assert session.scalars(select(Campaign.kind)).all() == [CampaignKind.SEQUENCE]


@pytest.mark.parametrize(
    ("position", "days", "subject", "body", "problem"),
    [
        (0, -1, "Welcome", "Hi", "step 0: the delay is -1 days; it must be 0 to 3650"),
        (100, 0, "Welcome", "Hi", "step 100: a step number is 0 (the welcome mail) to 99"),
        (0, 0, "  ", "Hi", "step 0: the subject is empty"),
        (0, 0, "Welcome\nBcc: x@example.com", "Hi", "subject"),
        (0, 0, "Welcome", " \n", "step 0: the body is empty; write the mail in Markdown"),
    ],
)
def test_a_bad_step_is_refused_with_its_problem_and_stores_nothing(services, position, days, subject, body, problem):
    with pytest.raises(PublisherError, match=re.escape(problem)):
        step(services, position, days, subject, body)
    assert sequences.list_steps(services.store, "readers") == []


def test_a_step_for_an_unknown_list_is_refused(services):
    with pytest.raises(NotFound, match="nobody"):
        sequences.set_step(services.store, services.settings, "nobody", 0, 0, "Welcome", "Hi")


def campaign_state(store: Store, campaign_id: int | None) -> str | None:
    with store.session() as session:
        return session.scalar(select(Campaign.state).where(Campaign.id == campaign_id))


def test_a_step_due_while_every_worker_was_down_goes_out_once_late_and_says_so(services, dispatcher, caplog):
    step(services, 0, 0, "Welcome")
    step(services, 1, 3, "Three days in")
    join(services, "ana@example.com")

    with caplog.at_level("WARNING", logger="publisher.automation.sequences"):
        assert sweep_at(services, dispatcher, 3 + 1 / 24) == 2  # an hour after step 1 was due: both, once
        assert sweep_at(services, dispatcher, 3 + 2 / 24) == 0
    assert "step 1 of list" in caplog.text and "up to 60 min late" in caplog.text


def test_a_steps_campaign_has_a_status_and_a_report_like_any_mail(services, dispatcher):
    from publisher.campaigns.status import status
    from publisher.insight.report import campaign_report

    welcome = step(services, 0, 0, "Welcome")
    join(services, "ana@example.com")
    sweep_at(services, dispatcher, 0)

    shown = status(services.store, welcome.campaign_id or 0)
    assert (shown.kind, shown.state, shown.counts["sent"]) == ("sequence", "sending", 1)
    report = campaign_report(services.store, welcome.campaign_id or 0, settings=services.settings)
    assert report.to_dict()["campaign"]["kind"] == "sequence"
