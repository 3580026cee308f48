"""A campaign's report over seeded tracking rows, on SQLite and PostgreSQL: people and machines counted
apart, exact uniques in mode individual and estimated ones in mode aggregate, the honeypot left out of the
links but counted as a machine, an erased reader gone from every number, the timeline by hour then by day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from publisher import privacy
from publisher.errors import NotFound
from publisher.insight.report import campaign_report
from publisher.store.models import Subscription, TrackingEvent
from tests.support.bounce_seed import USER_UNKNOWN, bounce
from tests.support.factories import subscribe
from tests.support.tracking import events, subscriber_ids, tracked_campaign


def test_human_and_machine_opens_and_clicks_are_counted_apart_exactly_in_mode_individual(any_store, settings):
    addresses = subscribe(any_store, "readers", 50)
    campaign = tracked_campaign(any_store, addresses, mode="individual")
    ids = subscriber_ids(any_store, addresses)
    events(any_store, campaign, ids[:20], "open", times=2)  # 20 people, each opened twice
    events(any_store, campaign, ids[:40], "open", verdict="machine", reason="apple-mpp")
    events(any_store, campaign, ids[:10], "click", position=0)
    events(any_store, campaign, ids[40:], "click", position=1, verdict="machine", reason="scanner-agent", times=3)

    report = campaign_report(any_store, campaign, settings=settings).to_dict()

    assert report["mode"] == "individual"
    assert report["delivered"] == 50
    assert report["opens"] == {
        "human": 20,
        "machine": 40,
        "human_total": 40,
        "machine_total": 40,
        "reasons": {"apple-mpp": 40},
        "estimated": False,
    }
    assert (report["clicks"]["human"], report["clicks"]["machine"]) == (10, 10)
    assert (report["clicks"]["human_total"], report["clicks"]["machine_total"]) == (10, 30)
    assert [(link["position"], link["human"], link["machine"], link["machine_total"]) for link in report["links"]] == [
        (0, 10, 0, 0),
        (1, 0, 10, 30),
    ]


def test_mode_aggregate_estimates_unique_readers_from_the_sketches_and_says_so(any_store, settings):
    addresses = subscribe(any_store, "readers", 300)
    campaign = tracked_campaign(any_store, addresses, mode="aggregate")
    ids = subscriber_ids(any_store, addresses)
    events(any_store, campaign, ids[:250], "open", times=3)
    events(any_store, campaign, ids[:30], "click", position=0, times=2)

    report = campaign_report(any_store, campaign, settings=settings).to_dict()

    with any_store.session() as session:
        named = session.scalars(select(TrackingEvent.subscriber_id).where(TrackingEvent.campaign_id == campaign))
        assert set(named) == {None}, "mode aggregate: no event row names a reader"
    assert report["opens"]["estimated"] is True
    assert report["opens"]["human_total"] == 750
    assert abs(report["opens"]["human"] - 250) <= 5, "about 1 % off for hundreds of readers"
    assert report["clicks"]["human"] == 30, "linear counting is exact for a few dozen"
    assert report["links"][0]["human"] == 30
    assert "estimated" in report["notes"]


def test_the_honeypot_is_not_a_link_of_the_report_but_its_clicks_count_as_machines(any_store, settings):
    addresses = subscribe(any_store, "readers", 5)
    campaign = tracked_campaign(any_store, addresses, mode="individual", links=["https://news.example.org/a"])
    ids = subscriber_ids(any_store, addresses)
    events(any_store, campaign, ids[:3], "click", position=1)  # the honeypot, stored as a human's click

    report = campaign_report(any_store, campaign, settings=settings).to_dict()

    assert [link["url"] for link in report["links"]] == ["https://news.example.org/a"]
    assert report["clicks"]["human"] == 0
    assert report["clicks"]["machine"] == 3
    assert report["clicks"]["reasons"] == {"honeypot": 3}


def test_an_erased_readers_events_are_gone_from_every_number(any_store, settings):
    addresses = subscribe(any_store, "readers", 4)
    campaign = tracked_campaign(any_store, addresses, mode="individual")
    ids = subscriber_ids(any_store, addresses)
    events(any_store, campaign, ids, "open")
    events(any_store, campaign, ids[:1], "click", position=0, times=2)

    privacy.erase_subscriber(any_store, addresses[0])
    report = campaign_report(any_store, campaign, settings=settings).to_dict()

    assert (report["opens"]["human"], report["opens"]["human_total"]) == (3, 3)
    assert (report["clicks"]["human"], report["clicks"]["human_total"]) == (0, 0)
    assert report["links"][0]["human_total"] == 0
    assert sum(d["opens_human"] for d in report["domains"]) == 3
    assert sum(b["opens_human"] for b in report["timeline"]) == 3


def test_the_timeline_goes_by_hour_for_48_hours_then_by_day(any_store, settings):
    addresses = subscribe(any_store, "readers", 6)
    start = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
    campaign = tracked_campaign(any_store, addresses, mode="individual", started_at=start)
    ids = subscriber_ids(any_store, addresses)
    events(any_store, campaign, ids[:2], "open", at=start + timedelta(minutes=10))  # hour 09:00
    events(any_store, campaign, ids[2:3], "open", at=start + timedelta(hours=2))  # 11:00
    events(any_store, campaign, ids[3:4], "click", position=0, at=start + timedelta(hours=47, minutes=20))  # last hour
    events(any_store, campaign, ids[4:5], "open", at=start + timedelta(hours=50))  # day 1 after the hourly part
    events(any_store, campaign, ids[5:6], "open", at=start + timedelta(hours=80))  # day 2

    timeline = campaign_report(any_store, campaign, settings=settings).to_dict()["timeline"]

    hours = [b for b in timeline if b["span"] == "hour"]
    days = [b for b in timeline if b["span"] == "day"]
    assert len(hours) == 48, "every hour of the first 48, the empty ones too"
    assert hours[0]["start"] == "2026-11-02T09:00:00+00:00" and hours[0]["opens_human"] == 2
    assert hours[2]["opens_human"] == 1 and hours[1]["opens_human"] == 0
    assert hours[47]["start"] == "2026-11-04T08:00:00+00:00" and hours[47]["clicks_human"] == 1
    assert [(d["start"], d["opens_human"]) for d in days] == [
        ("2026-11-04T09:00:00+00:00", 1),
        ("2026-11-05T09:00:00+00:00", 1),
    ]


def test_outbox_bounces_unsubscribes_and_domains(any_store, settings):
    com = subscribe(any_store, "readers", 4, domain="example.com")
    net = subscribe(any_store, "readers", 3, domain="example.net")
    campaign = tracked_campaign(any_store, com[:3] + net, mode="individual", failed=com[3:])
    bounce(any_store, settings, campaign, net[0], USER_UNKNOWN)
    ids = subscriber_ids(any_store, com + net)
    events(any_store, campaign, ids[:2], "open")
    with any_store.session() as session:  # one reader left the list after the mail came
        session.execute(
            update(Subscription)
            .where(Subscription.subscriber_id == ids[1])
            .values(status="unsubscribed", updated_at=datetime.now(UTC))
        )

    report = campaign_report(any_store, campaign, settings=settings).to_dict()

    assert (report["delivered"], report["failed"]) == (6, 1)
    assert report["bounced"]["total"] == 1
    assert report["bounced"]["by_reason"] == {"userunknown": 1}
    assert report["complained"] == 0
    assert report["unsubscribed"] == 1
    assert "attributed by time" in report["notes"]["unsubscribed"]
    by_domain = {d["domain"]: d for d in report["domains"]}
    assert (by_domain["example.com"]["delivered"], by_domain["example.com"]["failed"]) == (3, 1)
    assert by_domain["example.com"]["opens_human"] == 2
    assert by_domain["example.net"]["bounced"] == 1


def test_the_report_has_its_documented_keys_and_an_unknown_campaign_is_named(store, settings):
    addresses = subscribe(store, "readers", 1)
    campaign = tracked_campaign(store, addresses, mode="off", links=[], honeypot=False)

    report = campaign_report(store, campaign, settings=settings).to_dict()

    for key in ("campaign", "mode", "delivered", "failed", "bounced", "complained", "unsubscribed"):
        assert key in report
    for key in ("opens", "clicks", "links", "timeline", "domains", "posts"):
        assert key in report
    assert report["mode"] == "off" and "off" in report["notes"]
    with pytest.raises(NotFound, match="no campaign with id 999"):
        campaign_report(store, 999, settings=settings)


def test_an_unsubscribe_after_a_later_mail_is_not_this_campaigns(store, settings):
    addresses = subscribe(store, "readers", 2)
    first = tracked_campaign(store, addresses, mode="off", started_at=datetime.now(UTC) - timedelta(days=9))
    second = tracked_campaign(store, addresses[:1], mode="off", started_at=datetime.now(UTC) - timedelta(days=2))
    with store.session() as session:  # both left today: the first reader had had the second mail by then
        session.execute(update(Subscription).values(status="unsubscribed", updated_at=datetime.now(UTC)))

    assert campaign_report(store, first, settings=settings).unsubscribed == 1, "only the reader the second missed"
    assert campaign_report(store, second, settings=settings).unsubscribed == 1
