"""A bounce suppresses someone only when it points at a send of ours to that very address (issue 18, item 6).

Anyone can mail the bounce mailbox, so a report must name a campaign that exists, an outbox row of it
that was sent, a Message-ID in our sender domain (example.org in tests), and, as recipient, the address
that row went to. Anything else suppresses nobody and comes back as "ignored" with the reason.
"""

from __future__ import annotations

import logging
import mailbox
from pathlib import Path

import pytest
from sqlalchemy import func, select

from publisher import bounces, privacy
from publisher.config import Settings
from publisher.store import Store
from publisher.store.models import BounceEvent, Campaign, Subscriber, Suppression
from tests.support.dsn import arf_complaint, postfix_dsn, qmail_bounce
from tests.support.factories import sent_to, subscribe

HARD = "550 5.1.1 User unknown"


def suppressed(store: Store) -> set[str]:
    with store.session() as session:
        return set(session.scalars(select(Suppression.email)))


def bounce_events(store: Store) -> int:
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(BounceEvent)) or 0


def subscriber_id(store: Store, address: str) -> int:
    with store.session() as session:
        found = session.scalar(select(Subscriber.id).where(Subscriber.email == address))
        assert found is not None
        return found


def ingest(store: Store, settings: Settings, raw: bytes) -> list[bounces.Outcome]:
    return bounces.ingest_message(store, settings, raw, source="test")


def test_bounce_for_unknown_campaign_suppresses_nobody(store: Store, settings: Settings, caplog):
    [victim, other] = subscribe(store, "readers", 2)
    forged = postfix_dsn(
        other, "5.1.1", HARD, original_message_id=f"<publisher.c999.r{subscriber_id(store, victim)}@any>"
    )
    forged_here = postfix_dsn(
        victim, "5.1.1", HARD, original_message_id=f"<publisher.c999.r{subscriber_id(store, victim)}@example.org>"
    )

    with caplog.at_level(logging.WARNING, logger="publisher.bounces"):
        [first] = ingest(store, settings, forged)
        [second] = ingest(store, settings, forged_here)

    assert (first, second) == ("ignored", "ignored")
    assert "'any' is not ours" in first.why
    assert second.why == "campaign 999 does not exist"
    assert "campaign 999 does not exist" in caplog.text
    assert suppressed(store) == set() and bounce_events(store) == 0


def test_bounce_whose_message_id_domain_is_not_ours_suppresses_nobody(store: Store, settings: Settings):
    [reader] = subscribe(store, "readers", 1)
    message_id = sent_to(store, reader, domain="attacker.example")

    [outcome] = ingest(store, settings, postfix_dsn(reader, "5.1.1", HARD, original_message_id=message_id))

    assert outcome == "ignored" and "'attacker.example' is not ours ('example.org')" in outcome.why
    assert suppressed(store) == set()


def test_bounce_for_someone_the_campaign_never_mailed_suppresses_nobody(store: Store, settings: Settings):
    [mailed, never] = subscribe(store, "readers", 2)
    message_id = sent_to(store, mailed)
    campaign = message_id.split(".")[1]  # "c1"
    forged = f"<publisher.{campaign}.r{subscriber_id(store, never)}@example.org>"

    [outcome] = ingest(store, settings, postfix_dsn(never, "5.1.1", HARD, original_message_id=forged))

    assert outcome == "ignored" and "sent nothing to subscriber" in outcome.why
    assert suppressed(store) == set()


def test_bounce_for_a_share_campaign_suppresses_nobody(store: Store, settings: Settings):
    [reader] = subscribe(store, "readers", 1)
    message_id = sent_to(store, reader, kind="share")

    [outcome] = ingest(store, settings, postfix_dsn(reader, "5.1.1", HARD, original_message_id=message_id))

    assert outcome == "ignored" and "share campaign, not mail" in outcome.why


def test_bounce_whose_recipient_is_not_the_address_we_sent_to_suppresses_nobody(store: Store, settings: Settings):
    [reader, bystander] = subscribe(store, "readers", 2)
    message_id = sent_to(store, reader)

    [outcome] = ingest(store, settings, postfix_dsn(bystander, "5.1.1", HARD, original_message_id=message_id))

    assert outcome == "ignored" and f"names {bystander}" in outcome.why
    assert suppressed(store) == set()


def test_bounce_without_a_message_id_of_ours_suppresses_nobody(store: Store, settings: Settings):
    [reader] = subscribe(store, "readers", 1)
    sent_to(store, reader)

    [outcome] = ingest(store, settings, postfix_dsn(reader, "5.1.1", HARD, original_message_id="<x@elsewhere>"))
    [complaint] = ingest(store, settings, arf_complaint(reader, "<other@example.org>"))

    assert outcome == "ignored" and outcome.why == "Message-ID '<x@elsewhere>' is not one of ours"
    assert complaint == "ignored"
    assert suppressed(store) == set()


def test_bounce_naming_the_address_we_sent_to_suppresses_it(store: Store, settings: Settings):
    [reader, other] = subscribe(store, "readers", 2)

    assert ingest(store, settings, postfix_dsn(reader, "5.1.1", HARD, original_message_id=sent_to(store, reader))) == [
        "suppressed"
    ]
    # The recipient as flufl.bounce reads it from a non-standard bounce, and the Message-ID quoted in its body.
    assert ingest(store, settings, qmail_bounce(other, original_message_id=sent_to(store, other))) == ["suppressed"]
    assert suppressed(store) == {reader, other}


def test_late_bounce_after_erasure_does_not_reach_the_next_subscriber(store: Store, settings: Settings):
    """Ids may be reused: the old send's row is anonymized on erasure, and the address must match anyway."""
    [leaver] = subscribe(store, "readers", 1, domain="leaving.example")
    old_send = sent_to(store, leaver)
    privacy.erase_subscriber(store, leaver)
    [victim] = subscribe(store, "readers", 1, domain="victim.example")
    new_send = sent_to(store, victim)
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(Campaign)) == 2

    [late] = ingest(store, settings, postfix_dsn(leaver, "5.1.1", HARD, original_message_id=old_send))
    [retargeted] = ingest(store, settings, postfix_dsn(leaver, "5.1.1", HARD, original_message_id=new_send))

    assert (late, retargeted) == ("ignored", "ignored")
    assert suppressed(store) == set()


def test_mailbox_ingest_reports_why_a_bounce_was_ignored(store: Store, settings: Settings, tmp_path: Path):
    [reader] = subscribe(store, "readers", 1)
    box = mailbox.mbox(str(tmp_path / "bounces.mbox"), create=True)
    box.add(postfix_dsn(reader, "5.1.1", HARD, original_message_id="<publisher.c999.r1@example.org>"))
    box.close()

    report = bounces.ingest_mailbox(store, settings, tmp_path / "bounces.mbox")

    assert dict(report.outcomes) == {"ignored": 1}
    assert report.details == ["message 0: ignored, campaign 999 does not exist"]


@pytest.mark.parametrize("message_id", [None, "<publisher.c999.r1@example.org>"])
def test_trusted_json_may_name_a_bare_address_but_a_message_id_is_checked(
    store: Store, settings: Settings, message_id: str | None
):
    [reader] = subscribe(store, "readers", 1)
    report = bounces.BounceReport(reader, "userunknown", True, "5.1.1", message_id=message_id, report_id="esp-1")
    with store.session() as session:
        outcome = bounces.record(session, settings, report, source="webhook", trusted=True)
    assert outcome == ("suppressed" if message_id is None else "ignored")
