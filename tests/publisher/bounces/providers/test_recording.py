"""Provider reports through bounces.record on SQLite and PostgreSQL: hostile text stored, the reason acted on."""

import pytest
from sqlalchemy import select

from publisher import bounces
from publisher.bounces.providers import postmark, sendgrid, settled
from publisher.config import Settings
from publisher.store import Store
from publisher.store.models import BounceEvent
from publisher.suppression import is_suppressed
from tests.publisher.bounces.providers import keys
from tests.support.factories import sent_to, subscribe


def test_a_report_with_nuls_and_lone_surrogates_is_stored_and_suppresses(any_store: Store, settings: Settings):
    [reader] = subscribe(any_store, "readers", 1)
    record = keys.postmark_bounce(reader, Details="550 5.1.1 \ud800 no such user\x00 here",
                                  Metadata={"message-id": sent_to(any_store, reader)})
    report = postmark.read_record(record)

    with any_store.session() as session:
        outcome = bounces.record(session, settings, report, source="postmark:test", trusted=True)
    with any_store.session() as session:
        stored = session.scalar(select(BounceEvent.diagnostic))
        assert is_suppressed(session, reader)

    assert outcome == "suppressed" and stored == "550 5.1.1 ? no such user here"


def test_the_same_event_posted_twice_counts_once(store: Store, settings: Settings):
    [reader] = subscribe(store, "readers", 1)
    event = keys.sendgrid_event(reader, type="bounce", status="4.2.2", reason="452 4.2.2 mailbox full",
                                **{"smtp-id": sent_to(store, reader)})
    reports = settled([sendgrid.read_event(event)] * 2, settings)

    with store.session() as session:
        outcomes = [bounces.record(session, settings, r, source="sendgrid:test", trusted=True) for r in reports]

    assert outcomes == ["counted", "duplicate"]


@pytest.mark.parametrize("sender", ["news@example.org", "someone+c1.r1.000000000000@elsewhere.example"])
def test_settled_drops_an_envelope_sender_that_is_not_our_return_path(settings: Settings, sender: str):
    report = sendgrid.read_event(keys.sendgrid_event("a@example.com", type="bounce", status="5.1.1"))
    [found] = settled([bounces.BounceReport(**{**report.__dict__, "sent_to": sender})], settings)
    assert found.sent_to is None
