"""Recurring digests (issue 16): a schedule fires at its time, once, skips a week with nothing new, runs a
missed time once and late, serves the readers of its cadence, and survives a worker that dies mid-run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from publisher.automation import recurring, sweep
from publisher.automation.recurring_run import _claim, run_due
from publisher.campaigns.service import send_digest
from publisher.config import Settings
from publisher.errors import BrokerUnavailable, NotFound, PublisherError
from publisher.store.automation import DigestRun, DigestSchedule, Feed, FeedEntry
from publisher.store.models import Campaign
from tests.support.recurring import campaigns_of, published, readers, recipients, runs_of, services_at

THU = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)  # a Thursday; Friday 08:00 in Berlin is 07:00 UTC
FRI_0800_BERLIN = datetime(2026, 12, 4, 7, 0, tzinfo=UTC)


def weekly_friday(store, **kwargs) -> recurring.ScheduleView:
    return recurring.add_schedule(store, "news", "every friday 08:00", "Europe/Berlin", now=THU, **kwargs)


def test_a_weekly_digest_fires_at_its_time_once_and_not_again_after_a_worker_restart(any_store, settings, tmp_path):
    readers(any_store, "news", "reader", 3)
    schedule = weekly_friday(any_store, subject_template="{count} new: {first_title}")
    published(any_store, tmp_path, "Harbour opens", THU + timedelta(hours=1))
    published(any_store, tmp_path, "Library late", THU + timedelta(hours=2))

    assert schedule.next_run_at == FRI_0800_BERLIN
    assert (
        run_due(
            services_at(any_store, settings, FRI_0800_BERLIN - timedelta(seconds=1)),
            now=FRI_0800_BERLIN - timedelta(seconds=1),
        )
        == 0
    )
    assert campaigns_of(any_store) == []

    assert run_due(services_at(any_store, settings, FRI_0800_BERLIN), now=FRI_0800_BERLIN) == 1
    later = FRI_0800_BERLIN + timedelta(minutes=1)
    assert run_due(services_at(any_store, settings, later), now=later) == 0  # a restarted worker's sweep

    [campaign_id] = campaigns_of(any_store)
    [run] = runs_of(any_store, schedule.id)
    assert (run.outcome, run.campaign_id, run.due_at, run.detail) == (
        "sent",
        campaign_id,
        FRI_0800_BERLIN,
        "2 articles",
    )
    assert recipients(any_store, campaign_id) == [f"reader{i}@example.com" for i in range(3)]
    with any_store.session() as session:
        assert session.scalar(select(Campaign.subject).where(Campaign.id == campaign_id)) == "2 new: Harbour opens"
    after = recurring.get_schedule(any_store, schedule.id)
    assert after.next_run_at == FRI_0800_BERLIN + timedelta(days=7)
    assert after.collect_since == FRI_0800_BERLIN


def test_a_week_with_no_new_article_is_skipped_saying_so_and_makes_no_campaign(any_store, settings, tmp_path):
    readers(any_store, "news", "reader", 2)
    schedule = weekly_friday(any_store)
    published(any_store, tmp_path, "Harbour opens", THU + timedelta(hours=1))
    run_due(services_at(any_store, settings, FRI_0800_BERLIN), now=FRI_0800_BERLIN)
    next_friday = FRI_0800_BERLIN + timedelta(days=7)

    assert run_due(services_at(any_store, settings, next_friday), now=next_friday) == 1

    assert len(campaigns_of(any_store)) == 1
    skipped = runs_of(any_store, schedule.id)[-1]
    assert (skipped.outcome, skipped.campaign_id) == ("skipped", None)
    assert skipped.detail == "no new article since 2026-12-04 08:00 Europe/Berlin"
    assert recurring.get_schedule(any_store, schedule.id).next_run_at == next_friday + timedelta(days=7)


def test_due_times_missed_while_every_worker_was_down_run_once_late_saying_so(any_store, settings, tmp_path):
    readers(any_store, "news", "reader", 2)
    monday = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)
    schedule = recurring.add_schedule(any_store, "news", "daily 07:00", "UTC", now=monday)
    published(any_store, tmp_path, "Harbour opens", monday + timedelta(hours=3))
    back = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)  # Thursday 08:00: Monday to Thursday 07:00 were missed

    assert run_due(services_at(any_store, settings, back), now=back) == 1

    [run] = runs_of(any_store, schedule.id)
    assert run.due_at == datetime(2026, 12, 3, 7, 0, tzinfo=UTC)
    assert run.outcome == "sent"
    assert "ran 60 min late; 3 earlier due times missed while no worker swept" in run.detail
    assert len(campaigns_of(any_store)) == 1
    assert recurring.get_schedule(any_store, schedule.id).next_run_at == datetime(2026, 12, 4, 7, 0, tzinfo=UTC)


def test_a_0230_schedule_on_the_spring_forward_day_runs_once(store, settings, tmp_path):
    readers(store, "news", "reader", 1)
    saturday = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)
    schedule = recurring.add_schedule(store, "news", "daily 02:30", "Europe/Berlin", now=saturday)
    published(store, tmp_path, "Clocks go forward", saturday + timedelta(hours=1))

    for minute in range(0, 121, 15):  # sweeps every 15 minutes through the night, 00:00 to 02:00 UTC
        now = datetime(2026, 3, 29, 0, 0, tzinfo=UTC) + timedelta(minutes=minute)
        run_due(services_at(store, settings, now), now=now)

    [run] = runs_of(store, schedule.id)
    assert run.due_at == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)  # 03:00 CEST, the first minute after the gap
    assert recurring.get_schedule(store, schedule.id).next_run_at == datetime(2026, 3, 30, 0, 30, tzinfo=UTC)


def test_a_0230_schedule_on_the_fall_back_day_runs_once_at_the_first_0230(store, settings, tmp_path):
    readers(store, "news", "reader", 1)
    saturday = datetime(2026, 10, 24, 12, 0, tzinfo=UTC)
    schedule = recurring.add_schedule(store, "news", "daily 02:30", "Europe/Berlin", now=saturday)
    published(store, tmp_path, "Clocks go back", saturday + timedelta(hours=1))

    for minute in range(0, 181, 15):  # 00:00 to 03:00 UTC: 02:30 local happens at 00:30 and again at 01:30 UTC
        now = datetime(2026, 10, 25, 0, 0, tzinfo=UTC) + timedelta(minutes=minute)
        run_due(services_at(store, settings, now), now=now)

    [run] = runs_of(store, schedule.id)
    assert run.due_at == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert recurring.get_schedule(store, schedule.id).next_run_at == datetime(2026, 10, 26, 1, 30, tzinfo=UTC)


def test_weekly_readers_get_the_weekly_and_daily_readers_the_daily(any_store, settings, tmp_path):
    daily = readers(any_store, "news", "daily", 2, cadence="daily")
    weekly = readers(any_store, "news", "weekly", 1, cadence="weekly")
    undecided = readers(any_store, "news", "undecided", 1)  # the list's default: weekly
    recurring.set_list_cadences(any_store, "news", ["daily", "weekly"], "weekly")
    daily_schedule = recurring.add_schedule(any_store, "news", "daily 07:00", "UTC", cadence="daily", now=THU)
    weekly_schedule = weekly_friday(any_store, cadence="weekly")
    published(any_store, tmp_path, "Harbour opens", THU + timedelta(hours=1))

    sweep_at = datetime(2026, 12, 4, 7, 0, tzinfo=UTC)  # both are due: daily 07:00 UTC, Friday 08:00 Berlin
    assert run_due(services_at(any_store, settings, sweep_at), now=sweep_at) == 2

    [daily_run] = runs_of(any_store, daily_schedule.id)
    [weekly_run] = runs_of(any_store, weekly_schedule.id)
    assert recipients(any_store, daily_run.campaign_id) == sorted(daily)
    assert recipients(any_store, weekly_run.campaign_id) == sorted(weekly + undecided)


def test_a_schedule_whose_cadence_no_reader_has_is_skipped_saying_so(store, settings, tmp_path):
    readers(store, "news", "reader", 2)
    schedule = weekly_friday(store, cadence="weekly")
    published(store, tmp_path, "Harbour opens", THU + timedelta(hours=1))

    run_due(services_at(store, settings, FRI_0800_BERLIN), now=FRI_0800_BERLIN)

    [run] = runs_of(store, schedule.id)
    assert (run.outcome, run.detail) == ("skipped", "no active reader with the cadence 'weekly'")
    assert campaigns_of(store) == []


def test_articles_already_mailed_to_the_list_and_those_of_another_lists_feed_are_left_out(store, settings, tmp_path):
    readers(store, "news", "reader", 2)
    readers(store, "sports", "fan", 1)
    schedule = weekly_friday(store)
    mailed = published(store, tmp_path, "Mailed by hand", THU + timedelta(hours=1))
    theirs = published(store, tmp_path, "Sports feed item", THU + timedelta(hours=2))
    ours = published(store, tmp_path, "Harbour opens", THU + timedelta(hours=3))
    send_digest(services_at(store, settings, THU), [mailed], "news")
    with store.session() as session:
        sports_id = session.scalar(select(Campaign.list_id).where(Campaign.id == campaigns_of(store)[0]))  # news
        feed = Feed(url="https://sports.example.org/feed", list_id=None)
        session.add(feed)
        session.flush()
        from publisher.store.models import MailingList

        feed.list_id = session.scalar(select(MailingList.id).where(MailingList.name == "sports"))
        session.add(FeedEntry(feed_id=feed.id, entry_key="k" * 64, article_id=theirs))
    assert sports_id is not None

    run_due(services_at(store, settings, FRI_0800_BERLIN), now=FRI_0800_BERLIN)

    [run] = runs_of(store, schedule.id)
    assert run.detail == "1 article"
    with store.session() as session:
        from publisher.store.models import CampaignArticle

        sent = session.scalars(select(CampaignArticle.article_id).where(CampaignArticle.campaign_id == run.campaign_id))
        assert list(sent) == [ours]


def test_a_run_whose_worker_died_before_the_campaign_is_retried_once_after_a_lease(any_store, settings, tmp_path):
    readers(any_store, "news", "reader", 2)
    schedule = weekly_friday(any_store)
    published(any_store, tmp_path, "Harbour opens", THU + timedelta(hours=1))
    run_id = _claim(services_at(any_store, settings, FRI_0800_BERLIN), schedule.id, FRI_0800_BERLIN)  # then it died
    assert run_id is not None

    soon = FRI_0800_BERLIN + timedelta(minutes=1)
    assert run_due(services_at(any_store, settings, soon), now=soon) == 0  # still within its lease: left alone
    after_lease = FRI_0800_BERLIN + timedelta(seconds=settings.lease_seconds + 1)
    assert run_due(services_at(any_store, settings, after_lease), now=after_lease) == 1

    [run] = runs_of(any_store, schedule.id)
    assert run.outcome == "sent"
    assert "retried: the worker running it stopped" in run.detail
    assert len(campaigns_of(any_store)) == 1


def test_a_run_whose_worker_died_after_making_the_campaign_does_not_send_it_twice(any_store, settings, tmp_path):
    readers(any_store, "news", "reader", 2)
    schedule = weekly_friday(any_store)
    article = published(any_store, tmp_path, "Harbour opens", THU + timedelta(hours=1))
    services = services_at(any_store, settings, FRI_0800_BERLIN)
    run_id = _claim(services, schedule.id, FRI_0800_BERLIN)
    made = send_digest(services, [article], "news", submission=f"digest-run-{run_id}", force=True)  # then it died

    after_lease = FRI_0800_BERLIN + timedelta(seconds=settings.lease_seconds + 1)
    run_due(services_at(any_store, settings, after_lease), now=after_lease)

    [run] = runs_of(any_store, schedule.id)
    assert (run.outcome, run.campaign_id) == ("sent", made)
    assert campaigns_of(any_store) == [made]


def test_each_article_mails_instant_readers_whenever_something_was_published(any_store, settings, tmp_path):
    instant = readers(any_store, "news", "instant", 2, cadence="instant")
    readers(any_store, "news", "weekly", 1, cadence="weekly")
    schedule = recurring.add_schedule(any_store, "news", "each article", now=THU)
    assert schedule.cadence == "instant" and schedule.next_run_at is None
    first = THU + timedelta(hours=1)
    published(any_store, tmp_path, "Harbour opens", first)

    assert (
        run_due(services_at(any_store, settings, first + timedelta(minutes=1)), now=first + timedelta(minutes=1)) == 1
    )
    assert (
        run_due(services_at(any_store, settings, first + timedelta(minutes=2)), now=first + timedelta(minutes=2)) == 0
    )
    second = first + timedelta(hours=1)
    published(any_store, tmp_path, "Library late", second)
    assert (
        run_due(services_at(any_store, settings, second + timedelta(minutes=1)), now=second + timedelta(minutes=1)) == 1
    )

    runs = runs_of(any_store, schedule.id)
    assert [(r.due_at, r.outcome) for r in runs] == [(first, "sent"), (second, "sent")]
    assert all(recipients(any_store, r.campaign_id) == sorted(instant) for r in runs)


def test_a_paused_schedule_does_not_run_and_resuming_runs_from_the_next_due_time(store, settings, tmp_path):
    readers(store, "news", "reader", 1)
    schedule = weekly_friday(store)
    published(store, tmp_path, "Harbour opens", THU + timedelta(hours=1))
    assert recurring.pause(store, schedule.id).next_run_at is None

    assert run_due(services_at(store, settings, FRI_0800_BERLIN), now=FRI_0800_BERLIN) == 0
    resumed = recurring.resume(store, schedule.id, now=FRI_0800_BERLIN + timedelta(hours=1))
    assert resumed.next_run_at == FRI_0800_BERLIN + timedelta(days=7)
    assert "Europe/Berlin" in resumed.when and "UTC" in resumed.when

    nxt = FRI_0800_BERLIN + timedelta(days=7)
    run_due(services_at(store, settings, nxt), now=nxt)
    [run] = runs_of(store, schedule.id)
    assert run.detail == "1 article"  # what was published while paused goes into the next run


def test_the_sweep_runs_due_digests(store, settings, tmp_path):
    readers(store, "news", "reader", 1)
    weekly_friday(store)
    published(store, tmp_path, "Harbour opens", THU + timedelta(hours=1))

    assert sweep(services_at(store, settings, FRI_0800_BERLIN)).digests_run == 1


def test_removing_a_schedule_removes_its_runs_and_an_unknown_one_is_named(store, settings):
    readers(store, "news", "reader", 1)
    schedule = weekly_friday(store)
    recurring.remove(store, schedule.id)

    assert recurring.list_schedules(store) == []
    with pytest.raises(NotFound, match=f"no recurring digest schedule {schedule.id}"):
        recurring.pause(store, schedule.id)


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"list_name": "nope"}, "no list named 'nope'"),
        ({"list_name": "ne\x00ws"}, r"no list named 'ne\\x00ws'"),
        ({"cadence": "hourly"}, "cadence 'hourly' is not one of daily, weekly, instant"),
        ({"cadence": "instant"}, "the cadence 'instant' goes with the spec 'each article'"),
        ({"subject_template": "{secret}"}, r"names \{secret\}; it may use only \{date\}, \{count\}, \{first_title\}"),
        ({"subject_template": "{date.__class__}"}, r"names \{date.__class__\}"),
        ({"subject_template": "{count:>99999}"}, r"\{count\} takes no conversion or format"),
        ({"subject_template": "News\nBcc: x@example.com"}, "has a line break"),
        ({"subject_template": "News\x00"}, "has a control character"),
        ({"options": {"preheader": "a\x00b"}}, "the preheader is one line of text"),
        ({"options": {"colour": "red"}}, "unknown digest option 'colour'"),
        ({"spec": "every fryday 08:00"}, "'fryday' is neither a day nor a time"),
        ({"tz": "Mars/Olympus"}, "'Mars/Olympus' is not a time zone name"),
    ],
)
def test_bad_schedule_input_is_refused_naming_the_problem(any_store, kwargs, problem):
    readers(any_store, "news", "reader", 1)
    given = {"list_name": "news", "spec": "every friday 08:00", "tz": "Europe/Berlin", **kwargs}

    with pytest.raises(PublisherError, match=problem):
        recurring.add_schedule(any_store, given.pop("list_name"), given.pop("spec"), given.pop("tz"), **given)
    with any_store.session() as session:
        assert session.scalars(select(DigestSchedule)).all() == []


def test_a_subject_template_formats_the_date_in_the_schedules_zone():
    template = recurring.check_subject_template("Week of {date:%d %B %Y}: {first_title} (+{count})")

    subject = recurring.render_subject(template, FRI_0800_BERLIN, 3, "Harbour opens")

    assert subject == "Week of 04 December 2026: Harbour opens (+3)"


def test_a_lists_allowed_cadences_are_checked(store):
    readers(store, "news", "reader", 1)

    assert recurring.set_list_cadences(store, "news", ["weekly", "daily"], "weekly") == (["daily", "weekly"], "weekly")
    with pytest.raises(PublisherError, match="cadence 'hourly' is not one of instant, daily, weekly"):
        recurring.set_list_cadences(store, "news", ["hourly"])
    with pytest.raises(PublisherError, match="the default cadence 'instant' is not among"):
        recurring.set_list_cadences(store, "news", ["weekly"], "instant")


def test_a_run_abandoned_twice_is_marked_failed_and_not_retried_again(store, settings, tmp_path):
    readers(store, "news", "reader", 1)
    schedule = weekly_friday(store)
    published(store, tmp_path, "Harbour opens", THU + timedelta(hours=1))
    run_id = _claim(services_at(store, settings, FRI_0800_BERLIN), schedule.id, FRI_0800_BERLIN)
    with store.session() as session:  # its retry's worker died too
        session.execute(update(DigestRun).where(DigestRun.id == run_id).values(outcome="retrying"))

    after_lease = FRI_0800_BERLIN + timedelta(seconds=settings.lease_seconds + 1)
    run_due(services_at(store, settings, after_lease), now=after_lease)

    [run] = runs_of(store, schedule.id)
    assert run.outcome == "failed" and "its worker stopped twice; not retried" in run.detail
    assert campaigns_of(store) == []


def test_a_run_that_fails_with_an_error_says_it_and_its_articles_go_into_the_next_run(store, monkeypatch, tmp_path):
    readers(store, "news", "reader", 1)
    schedule = weekly_friday(store)
    published(store, tmp_path, "Harbour opens", THU + timedelta(hours=1))
    monkeypatch.setenv("PUBLISHER_DKIM_KEY_PATH", str(tmp_path / "missing.pem"))
    monkeypatch.setenv("PUBLISHER_DKIM_SELECTOR", "mail")
    broken = Settings()

    run_due(services_at(store, broken, FRI_0800_BERLIN), now=FRI_0800_BERLIN)
    monkeypatch.delenv("PUBLISHER_DKIM_KEY_PATH")
    monkeypatch.delenv("PUBLISHER_DKIM_SELECTOR")
    next_friday = FRI_0800_BERLIN + timedelta(days=7)
    run_due(services_at(store, Settings(), next_friday), now=next_friday)

    failed, sent = runs_of(store, schedule.id)
    assert failed.outcome == "failed" and "missing.pem" in failed.detail
    assert (sent.outcome, sent.detail) == ("sent", "1 article")


class BrokerDown:
    """A dispatcher whose broker does not answer: the campaign is saved, its batches wait for the sweep."""

    def deliver(self, campaign_id: int, channel: str, first_id: int, last_id: int, queue: str) -> None:
        raise BrokerUnavailable(f"campaign {campaign_id} is saved, but the broker could not take its batches")


def test_a_run_whose_broker_is_down_is_sent_with_its_campaign_saying_so(store, settings, tmp_path):
    readers(store, "news", "reader", 2)
    schedule = weekly_friday(store)
    published(store, tmp_path, "Harbour opens", THU + timedelta(hours=1))

    run_due(services_at(store, settings, FRI_0800_BERLIN, dispatcher=BrokerDown()), now=FRI_0800_BERLIN)

    [run] = runs_of(store, schedule.id)
    assert (run.outcome, run.campaign_id) == ("sent", campaigns_of(store)[0])
    assert run.detail.startswith("1 article; campaign ") and "the broker could not take its batches" in run.detail
