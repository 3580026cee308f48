"""The duplicate-send rule (issue 18 item 3): the same articles, in the same order, to the same list within
PUBLISHER_DUPLICATE_SEND_WINDOW_HOURS (default 24) are refused unless forced; a scheduled identical send
counts, a cancelled one does not; a form's submission token makes a double submit one campaign."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from publisher import campaigns, importers, library, runtime
from publisher.campaigns import create as campaigns_create
from publisher.campaigns import service
from publisher.config import Settings
from publisher.errors import AlreadySubmitted, Conflict, DuplicateSend, PublisherError
from publisher.store import Store
from publisher.store.models import Campaign, utcnow
from tests.support.factories import RecordingDispatcher, seed_article, subscribe

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "articles"


@pytest.fixture
def articles(any_store: Store, seed_path: Path) -> list[int]:
    """Two articles, and a list "news" of 5 readers and a list "other" of 3, on SQLite and on PostgreSQL."""
    first = seed_article(any_store, seed_path)
    [(second, _)] = library.save_articles(any_store, [importers.load(EXAMPLES / "library-opens-late.md")])
    subscribe(any_store, "news", 5)
    subscribe(any_store, "other", 3, domain="example.net")
    return [first, second]


def email_campaigns(store: Store) -> int:
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(Campaign).where(Campaign.kind == "email"))


def backdate(store: Store, campaign_id: int, hours: float) -> None:
    with store.session() as session:
        session.execute(
            update(Campaign).where(Campaign.id == campaign_id).values(created_at=utcnow() - timedelta(hours=hours))
        )


def test_the_same_digest_to_the_same_list_again_is_refused_naming_the_first(
    any_store: Store, settings: Settings, articles: list[int]
):
    first = campaigns.create_email_campaign(any_store, settings, articles, "news")

    with pytest.raises(DuplicateSend) as refused:
        campaigns.create_email_campaign(any_store, settings, articles, "news", subject="Another subject")

    assert isinstance(refused.value, Conflict)
    assert refused.value.campaign_id == first and refused.value.list_name == "news"
    assert abs(refused.value.when - utcnow()) < timedelta(minutes=1)
    assert f"went to list 'news' at {refused.value.when:%Y-%m-%d %H:%M} UTC as campaign {first}" in str(refused.value)
    assert "force" not in str(refused.value)  # each interface names its own way to force it
    assert email_campaigns(any_store) == 1


def test_forced_it_goes_out_again(any_store: Store, settings: Settings, articles: list[int]):
    first = campaigns.create_email_campaign(any_store, settings, articles, "news")

    again = campaigns.create_email_campaign(any_store, settings, articles, "news", force=True)

    assert again != first and campaigns.status(any_store, again).total == 5


@pytest.mark.parametrize(
    ("later", "to"),
    [([1, 0], "news"), ([0], "news"), ([0, 1], "other")],
    ids=["other-order", "other-articles", "other-list"],
)
def test_another_order_another_set_or_another_list_is_another_digest(
    any_store: Store, settings: Settings, articles: list[int], later: list[int], to: str
):
    campaigns.create_email_campaign(any_store, settings, articles, "news")

    campaigns.create_email_campaign(any_store, settings, [articles[i] for i in later], to)

    assert email_campaigns(any_store) == 2


def test_the_window_is_a_setting_and_zero_turns_the_rule_off(
    any_store: Store, settings: Settings, articles: list[int]
):
    first = campaigns.create_email_campaign(any_store, settings, articles, "news")
    backdate(any_store, first, hours=25)

    wide = settings.model_copy(update={"duplicate_send_window_hours": 48})
    with pytest.raises(DuplicateSend):
        campaigns.create_email_campaign(any_store, wide, articles, "news")
    campaigns.create_email_campaign(any_store, settings, articles, "news")  # 25 h on: outside the 24 h default
    off = settings.model_copy(update={"duplicate_send_window_hours": 0})
    campaigns.create_email_campaign(any_store, off, articles, "news")  # a minute on: 0 allows it
    assert email_campaigns(any_store) == 3


def test_the_window_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch):
    assert Settings().duplicate_send_window_hours == 24
    monkeypatch.setenv("PUBLISHER_DUPLICATE_SEND_WINDOW_HOURS", "0")
    assert Settings().duplicate_send_window_hours == 0


def test_a_scheduled_identical_send_counts_and_a_cancelled_one_does_not(
    any_store: Store, settings: Settings, articles: list[int]
):
    next_week = utcnow() + timedelta(days=7)
    scheduled = campaigns.create_email_campaign(any_store, settings, articles, "news", send_at=next_week)

    with pytest.raises(DuplicateSend, match="is scheduled to go to list 'news'") as refused:
        campaigns.create_email_campaign(any_store, settings, articles, "news")  # now, a week before it
    assert refused.value.scheduled and refused.value.campaign_id == scheduled and refused.value.when == next_week

    campaigns.cancel(any_store, scheduled)
    campaigns.create_email_campaign(any_store, settings, articles, "news")
    assert email_campaigns(any_store) == 2


def test_a_send_scheduled_beyond_the_window_of_the_last_one_is_another_digest(
    any_store: Store, settings: Settings, articles: list[int]
):
    campaigns.create_email_campaign(any_store, settings, articles, "news")

    with pytest.raises(DuplicateSend):
        campaigns.create_email_campaign(any_store, settings, articles, "news", send_at=utcnow() + timedelta(hours=20))
    campaigns.create_email_campaign(any_store, settings, articles, "news", send_at=utcnow() + timedelta(days=3))
    assert email_campaigns(any_store) == 2


def test_a_submission_token_makes_one_campaign_however_often_the_form_is_posted(
    any_store: Store, settings: Settings, articles: list[int]
):
    dispatcher = RecordingDispatcher()
    services = runtime.build(settings, store=any_store, dispatcher=dispatcher)

    first = service.send_digest(services, articles, "news", submission="form-token-1")
    again = service.send_digest(services, articles, "news", submission="form-token-1", force=True)

    assert again == first and email_campaigns(any_store) == 1
    assert {call[0] for call in dispatcher.calls} == {first} and len(dispatcher.calls) == 1  # dispatched once
    with pytest.raises(AlreadySubmitted) as used:  # what the service turns into "that campaign"
        campaigns.create_email_campaign(any_store, settings, articles, "news", submission="form-token-1")
    assert used.value.campaign_id == first


def test_a_token_that_is_not_one_we_made_is_refused(store: Store, settings: Settings, seed_path: Path):
    article_id = seed_article(store, seed_path)
    subscribe(store, "news", 1)
    with pytest.raises(PublisherError, match="submission token is not valid"):
        campaigns.create_email_campaign(store, settings, [article_id], "news", submission="x" * 65)
    with pytest.raises(PublisherError, match="submission token is not valid"):
        campaigns.create_email_campaign(store, settings, [article_id], "news", submission="a b\r\n")
    assert email_campaigns(store) == 0


def test_two_posts_of_one_form_that_both_pass_the_check_still_make_one_campaign(
    any_store: Store, settings: Settings, articles: list[int], monkeypatch: pytest.MonkeyPatch
):
    """The unique submission column is the backstop: here the second post's check misses the first campaign,
    as it could if the two raced, and its insert fails; the service answers with the first campaign."""
    real = campaigns_create.submitted_campaign
    calls: list[str] = []

    def racing(session, token: str) -> int | None:
        calls.append(token)
        return None if len(calls) <= 2 else real(session, token)  # both checks see nothing; the fallback looks

    monkeypatch.setattr(campaigns_create, "submitted_campaign", racing)
    services = runtime.build(settings, store=any_store, dispatcher=RecordingDispatcher())
    first = service.send_digest(services, articles, "news", submission="double-click", force=True)

    again = service.send_digest(services, articles, "news", submission="double-click", force=True)

    assert again == first and len(calls) == 3 and email_campaigns(any_store) == 1
