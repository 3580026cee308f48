"""The outbox over time (issue 17), on SQLite and PostgreSQL: a finished digest past the retention loses its
outbox rows and keeps its figures, so its status, report, the dashboard and the bounce report read the same
before and after; it runs again harmlessly, goes on where it was interrupted, leaves alone what is not due,
and runs in the workers' sweep. On PostgreSQL a big campaign's rows go as a partition, dropped at once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, text, update

from publisher import automation
from publisher.bounces.stats import bounce_report
from publisher.campaigns.outbox import queue_subscribers
from publisher.campaigns.status import status as campaign_status
from publisher.clock import FixedClock
from publisher.config import Settings
from publisher.insight import retention
from publisher.insight.report import campaign_report
from publisher.runtime import Services
from publisher.store import Store, partitions
from publisher.store.models import Campaign, CampaignTotals, MailingList, OutboxRow, Subscription, utcnow
from publisher.web.dashboard import recent_sends
from tests.support.bounce_seed import USER_UNKNOWN, bounce
from tests.support.factories import RecordingDispatcher, subscribe
from tests.support.tracking import events, subscriber_ids, tracked_campaign

LONG_AGO = timedelta(days=120)  # past the default retention of 90 days


def finished(store: Store, campaign_id: int, ago: timedelta = LONG_AGO, state: str = "done") -> None:
    with store.session() as session:
        session.execute(
            update(Campaign).where(Campaign.id == campaign_id).values(state=state, finished_at=utcnow() - ago)
        )
        session.execute(
            update(OutboxRow)
            .where(OutboxRow.campaign_id == campaign_id, OutboxRow.state == "sent")
            .values(updated_at=utcnow() - ago - timedelta(minutes=5))
        )


def digest(store: Store) -> int:
    """A digest to 40 readers on two domains (4 failed), opened and clicked, a bounce and an unsubscribe."""
    addresses = subscribe(store, "readers", 30) + subscribe(store, "readers", 10, domain="example.net")
    campaign_id = tracked_campaign(store, addresses[4:], failed=addresses[:4], mode="individual")
    ids = subscriber_ids(store, addresses)
    events(store, campaign_id, ids[5:25], "open")
    events(store, campaign_id, ids[5:10], "click", position=0)
    with store.session() as session:
        session.execute(update(Subscription).where(Subscription.subscriber_id == ids[30]).values(status="unsubscribed"))
    finished(store, campaign_id)
    return campaign_id


def everything(store: Store, settings: Settings, campaign_id: int) -> dict[str, Any]:
    """What the interfaces show of the campaign, less the mark of the compaction itself."""
    shown = campaign_status(store, campaign_id, with_deliveries=False).to_dict()
    shown.pop("compacted_at")
    with store.read_session() as session:
        bounces = bounce_report(session, settings)
    return {
        "status": shown,
        "report": campaign_report(store, campaign_id, settings=settings).to_dict(),
        "dashboard": [s for s in recent_sends(store) if s.id == campaign_id],
        "bounce report": [(c.id, c.sent, c.by_kind) for c in bounces.campaigns],
    }


def rows_of(store: Store, campaign_id: int) -> int:
    with store.session() as session:
        return session.scalar(select(func.count()).where(OutboxRow.campaign_id == campaign_id)) or 0


def test_a_compacted_digest_reads_the_same_everywhere_and_has_no_rows_left(any_store: Store, settings: Settings):
    campaign_id = digest(any_store)
    bounce(any_store, settings, campaign_id, "reader00010@example.com", USER_UNKNOWN)
    before = everything(any_store, settings, campaign_id)
    assert before["report"]["delivered"] == 36 and before["report"]["unsubscribed"] == 1  # a real report

    [done] = retention.compact_due(any_store, settings)

    assert (done.campaign_id, done.rows, done.finished) == (campaign_id, 40, True)
    assert rows_of(any_store, campaign_id) == 0
    assert everything(any_store, settings, campaign_id) == before
    assert campaign_status(any_store, campaign_id).compacted_at is not None


def test_compacting_again_changes_nothing(any_store: Store, settings: Settings):
    campaign_id = digest(any_store)
    retention.compact_due(any_store, settings)
    with any_store.session() as session:
        kept = session.get(CampaignTotals, campaign_id)
        assert kept is not None
        first = (kept.counts, kept.figures, kept.rows)

    assert retention.compact_due(any_store, settings) == []  # nothing due any more
    assert retention.compact(any_store, campaign_id) == retention.Compacted(campaign_id, 0)
    with any_store.session() as session:
        kept = session.get(CampaignTotals, campaign_id)
        assert kept is not None and (kept.counts, kept.figures, kept.rows) == first


def test_an_interrupted_compaction_reads_the_same_meanwhile_and_goes_on_later(
    store: Store, settings: Settings, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(retention, "SLICE_ROWS", 10)
    campaign_id = digest(store)
    before = everything(store, settings, campaign_id)

    stopped = retention.compact(store, campaign_id, deadline=0.0)  # the time budget is spent after one slice

    assert stopped is not None and not stopped.finished
    assert rows_of(store, campaign_id) == 30
    assert everything(store, settings, campaign_id) == before
    assert retention.due(store, now=utcnow(), older_than_days=90) == [campaign_id]  # not marked yet

    [done] = retention.compact_due(store, settings)
    assert done.finished and rows_of(store, campaign_id) == 0
    assert everything(store, settings, campaign_id) == before


def test_only_finished_mail_campaigns_past_the_retention_are_compacted(any_store: Store, settings: Settings):
    recent = digest(any_store)
    finished(any_store, recent, ago=timedelta(days=10))
    sending = digest(any_store)
    with any_store.session() as session:
        session.execute(update(Campaign).where(Campaign.id == sending).values(state="sending", finished_at=None))
    share = digest(any_store)
    with any_store.session() as session:
        session.execute(update(Campaign).where(Campaign.id == share).values(kind="share"))
    cancelled = digest(any_store)
    finished(any_store, cancelled, state="cancelled")

    assert [c.campaign_id for c in retention.compact_due(any_store, settings)] == [cancelled]
    assert [rows_of(any_store, c) for c in (recent, sending, share)] == [40, 40, 40]
    keep_for_ever = settings.model_copy(update={"outbox_retention_days": 0})
    assert retention.compact_due(any_store, keep_for_ever) == []
    assert [c.campaign_id for c in retention.compact_due(any_store, settings, older_than_days=5)] == [recent]


def test_a_campaign_that_is_not_finished_mail_is_refused_by_name(any_store: Store):
    campaign_id = digest(any_store)
    with any_store.session() as session:
        session.execute(update(Campaign).where(Campaign.id == campaign_id).values(state="paused"))

    with pytest.raises(Exception, match=f"campaign {campaign_id} is paused: only a done or cancelled one"):
        retention.compact(any_store, campaign_id)


def test_the_workers_sweep_compacts_what_is_due(any_store: Store, settings: Settings):
    campaign_id = digest(any_store)
    services = Services(settings, any_store, clock=FixedClock(utcnow()), _dispatcher=RecordingDispatcher())

    swept = automation.sweep(services)

    assert swept.campaigns_compacted == 1
    assert rows_of(any_store, campaign_id) == 0


def _big_list(store: Store, readers: int) -> int:
    """A list of this many active readers, made with set-based SQL; its id."""
    with store.session() as session:
        session.add(MailingList(name="many"))
        session.flush()
        list_id = session.scalar(select(MailingList.id).where(MailingList.name == "many"))
        session.execute(
            text(
                "INSERT INTO subscribers (email, name, attributes, created_at)"
                " SELECT 'r' || i || '@big.example', '', '{}', now() FROM generate_series(1, :n) i"
            ),
            {"n": readers},
        )
        session.execute(
            text(
                "INSERT INTO subscriptions (list_id, subscriber_id, status, source, created_at, updated_at)"
                " SELECT :list, id, 'active', '', now(), now() FROM subscribers WHERE email LIKE '%@big.example'"
            ),
            {"list": list_id},
        )
    assert list_id is not None
    return list_id


@pytest.mark.parametrize("readers", [120])
def test_on_postgresql_a_big_campaign_is_a_partition_dropped_at_once(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, readers: int
):
    from tests.support.services import postgres_database

    monkeypatch.setattr(partitions, "PARTITION_MIN_ROWS", 100)
    with postgres_database(migrated=True) as url:
        store = Store(url)
        try:
            list_id = _big_list(store, readers)
            small_list = _big_list_small(store)
            with store.session() as session:
                big, small = Campaign(kind="email", subject="big"), Campaign(kind="email", subject="small")
                session.add_all([big, small])
                session.flush()
                queue_subscribers(session, big.id, list_id, "email")
                queue_subscribers(session, small.id, small_list, "email")
                big_id, small_id = big.id, small.id
            with store.session() as session:
                assert set(partitions.campaign_partitions(session)) == {big_id}
                in_own = session.scalar(text(f"SELECT count(*) FROM {partitions.partition_name(big_id)}"))
                assert in_own == readers
                session.execute(update(OutboxRow).values(state="sent", updated_at=utcnow() - LONG_AGO))
            for campaign_id in (big_id, small_id):
                finished(store, campaign_id)
            before = {c: everything(store, settings, c) for c in (big_id, small_id)}

            done = {c.campaign_id: c for c in retention.compact_due(store, settings)}

            assert done[big_id].partition and done[big_id].rows == readers
            assert not done[small_id].partition and done[small_id].rows == 3
            with store.session() as session:
                assert partitions.campaign_partitions(session) == {}
            assert {c: everything(store, settings, c) for c in (big_id, small_id)} == before
            assert rows_of(store, big_id) == rows_of(store, small_id) == 0
        finally:
            store.dispose()


def _big_list_small(store: Store) -> int:
    subscribe(store, "few", 3)
    with store.session() as session:
        list_id = session.scalar(select(MailingList.id).where(MailingList.name == "few"))
    assert list_id is not None
    return list_id


def test_a_scheduled_campaign_with_rows_keeps_its_late_joiners_in_the_default_partition(
    monkeypatch: pytest.MonkeyPatch,
):
    from tests.support.services import postgres_database

    monkeypatch.setattr(partitions, "PARTITION_MIN_ROWS", 100)
    with postgres_database(migrated=True) as url:
        store = Store(url)
        try:
            list_id = _big_list_small(store)
            with store.session() as session:
                campaign = Campaign(kind="email", subject="scheduled")
                session.add(campaign)
                session.flush()
                queue_subscribers(session, campaign.id, list_id, "email")
                campaign_id = campaign.id
            subscribe(store, "few", 150, domain="late.example")
            with store.session() as session:
                queue_subscribers(session, campaign_id, list_id, "email", only_new=True)
            with store.session() as session:
                assert partitions.campaign_partitions(session) == {}
            assert rows_of(store, campaign_id) == 153
        finally:
            store.dispose()


def test_a_click_on_a_compacted_digest_still_redirects_and_counts(store: Store, settings: Settings):
    import httpx

    from publisher.tracking_tokens import MessageTokens, TokenSigner
    from publisher.web import create_app
    from tests.support.web import LiveServer

    campaign_id = digest(store)
    retention.compact_due(store, settings)
    reader = subscriber_ids(store, ["reader00020@example.com"])[0]
    token = MessageTokens(TokenSigner(settings.signing_key()), campaign_id).click_token(1, reader)
    server = LiveServer(create_app(settings, store)).start()
    try:
        answer = httpx.get(f"{server.url}/r/{token}", headers={"User-Agent": "Mozilla/5.0 Firefox/128.0"})
    finally:
        server.stop()

    assert answer.status_code == 302 and answer.headers["location"] == "https://news.example.org/b"
    report = campaign_report(store, campaign_id, settings=settings).to_dict()
    assert [(link["position"], link["human"]) for link in report["links"]] == [(0, 5), (1, 1)]


def test_a_late_bounce_of_a_compacted_digest_is_ignored_with_the_reason(store: Store, settings: Settings):
    from publisher import bounces
    from tests.support.dsn import postfix_dsn

    campaign_id = digest(store)
    retention.compact_due(store, settings)
    reader = subscriber_ids(store, ["reader00020@example.com"])[0]
    raw = postfix_dsn(
        "reader00020@example.com",
        "5.1.1",
        "550 5.1.1 User unknown",
        original_message_id=f"<publisher.c{campaign_id}.r{reader}@{settings.sender_domain}>",
        report_id="<late@mx.example.net>",
    )

    [outcome] = bounces.ingest_message(store, settings, raw, source="test")

    assert outcome == "ignored"
    assert f"campaign {campaign_id} was compacted" in outcome.why


def test_the_sent_counter_of_the_metrics_keeps_counting_compacted_rows(any_store: Store, settings: Settings):
    from publisher.insight.metrics import StoreCollector

    def sent() -> dict[str, float]:
        families = {family.name: family for family in StoreCollector(any_store).collect()}
        return {s.labels["channel"]: s.value for s in families["publisher_outbox_sent"].samples}

    digest(any_store)
    before = sent()
    retention.compact_due(any_store, settings)

    assert before == {"email": 36} and sent() == before  # a counter never goes down
