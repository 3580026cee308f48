"""The consent flows on PostgreSQL: savepoints, unique keys and set-based updates behave as on SQLite."""

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from publisher import bounces, consent, privacy, subscribers
from publisher.config import Settings
from publisher.store import Store
from publisher.store.models import Subscription
from publisher.suppression import is_suppressed
from tests.support.dsn import postfix_dsn
from tests.support.factories import sent_to
from tests.support.services import postgres_database


@pytest.fixture
def pg_store() -> Iterator[Store]:
    with postgres_database() as url:
        store = Store(url)
        yield store
        store.dispose()


def test_signup_confirm_unsubscribe_bounce_erase(pg_store: Store, settings: Settings):
    with pg_store.session() as session:
        subscribers.ensure_list(session, "readers")
    outcome = consent.request_signup(pg_store, settings, "ana@example.com", list_name="readers")
    assert outcome.status == "pending"
    with pg_store.session() as session:
        sub = session.scalar(select(Subscription))
        token = consent.confirm_token(settings.signing_key(), sub.subscriber_id, sub.list_id, sub.confirm_nonce)
    assert consent.confirm(pg_store, settings, token).email == "ana@example.com"
    with pytest.raises(consent.LinkRefused, match="already been used"):
        consent.confirm(pg_store, settings, token)

    link = subscribers.unsubscribe_token(settings.signing_key(), sub.subscriber_id, sub.list_id, "ana@example.com")
    assert [c.status for c in consent.unsubscribe(pg_store, settings, link).lists] == ["unsubscribed"]
    assert [c.status for c in consent.set_preferences(pg_store, settings, link, {sub.list_id}).lists] == ["active"]

    sent = sent_to(pg_store, "ana@example.com", kind="confirm")  # erasure deletes confirmation mails outright
    soft = postfix_dsn(
        "ana@example.com", "4.2.2", "452 4.2.2 Mailbox full", report_id="<s@mx>", original_message_id=sent
    )
    assert bounces.ingest_message(pg_store, settings, soft, source="t") == ["counted"]
    assert bounces.ingest_message(pg_store, settings, soft, source="t") == ["duplicate"]
    hard = postfix_dsn(
        "ana@example.com", "5.1.1", "550 5.1.1 User unknown", report_id="<h@mx>", original_message_id=sent
    )
    assert bounces.ingest_message(pg_store, settings, hard, source="t") == ["suppressed"]
    with pg_store.session() as session:
        assert is_suppressed(session, "ana@example.com")
    report = subscribers.add_to_list(pg_store, "readers", [subscribers.NewSubscriber("ana@example.com")])
    assert report.suppressed == ["ana@example.com"]

    erased = privacy.erase_subscriber(pg_store, "ana@example.com")
    assert erased == {"subscriber": 1, "subscriptions": 1, "deliveries_anonymized": 0, "bounces": 2, "suppression": 1}
