"""Opens and clicks through the real web app: /r/<token> redirects only to the stored URL and records the click,
/o/<token>.gif records the open; forged tokens, mode off and erased readers record nothing; aggregate rows
name nobody, individual rows name the reader; a flood of pixel requests neither grows memory nor miscounts."""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, update

from publisher import campaigns, publication, runtime
from publisher.clock import FixedClock
from publisher.config import Settings
from publisher.insight.capture import Capture, Hit, forget_recent
from publisher.privacy import erase_subscriber, export_subscriber
from publisher.store import Store
from publisher.store.insight import TrackedLink, TrackingEvent, TrackingRecent
from publisher.store.models import OutboxRow, Subscriber, utcnow
from publisher.tracking import reader_hash, sketch_of
from publisher.tracking_tokens import MessageTokens, TokenSigner
from publisher.web import create_app
from tests.support.factories import seed_article, subscribe
from tests.support.web import LiveServer

BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


@pytest.fixture
def http(settings: Settings, any_store: Store) -> Iterator[httpx.Client]:
    server = LiveServer(create_app(settings, any_store)).start()
    try:
        with httpx.Client(base_url=server.url, timeout=10, headers={"User-Agent": BROWSER}) as client:
            yield client
    finally:
        server.stop()


def sent_campaign(store: Store, settings: Settings, seed_path: Path, mode: str, readers: int = 3) -> int:
    """A campaign in this mode whose mails went out an hour ago."""
    publication.update(store, settings, {"tracking": mode})
    article_id = seed_article(store, seed_path)
    subscribe(store, "news", readers)
    campaign_id = campaigns.create_email_campaign(store, settings, [article_id], "news")
    with store.session() as session:
        session.execute(
            update(OutboxRow)
            .where(OutboxRow.campaign_id == campaign_id)
            .values(state="sent", updated_at=utcnow() - timedelta(hours=1))
        )
    return campaign_id


def tokens(settings: Settings, campaign_id: int) -> MessageTokens:
    return MessageTokens(TokenSigner(settings.signing_key()), campaign_id)


def subscriber_ids(store: Store) -> list[int]:
    with store.session() as session:
        return list(session.scalars(select(Subscriber.id).order_by(Subscriber.id)))


def events(store: Store) -> list[TrackingEvent]:
    with store.session() as session:
        return list(session.scalars(select(TrackingEvent).order_by(TrackingEvent.id)))


def link_url(store: Store, campaign_id: int, position: int) -> str:
    with store.session() as session:
        link = session.get(TrackedLink, (campaign_id, position))
        assert link is not None
        return link.url


def test_a_click_redirects_to_the_stored_url_and_is_counted_without_naming_the_reader(
    http: httpx.Client, any_store: Store, settings: Settings, seed_path: Path
):
    campaign_id = sent_campaign(any_store, settings, seed_path, "aggregate")
    reader = subscriber_ids(any_store)[0]

    answer = http.get(f"/r/{tokens(settings, campaign_id).click_token(1, reader)}")

    assert answer.status_code == 302 and answer.headers["location"] == link_url(any_store, campaign_id, 1)
    [event] = events(any_store)
    assert (event.kind, event.position, event.verdict, event.reason) == ("click", 1, "human", "browser")
    assert event.subscriber_id is None  # aggregate: no row names a reader
    assert event.sketch == sketch_of(reader_hash(settings.signing_key(), campaign_id, reader))
    assert event.domain == "example.com"


def test_an_open_is_the_pixel_never_cached_and_counted_once_a_minute(
    http: httpx.Client, any_store: Store, settings: Settings, seed_path: Path
):
    campaign_id = sent_campaign(any_store, settings, seed_path, "aggregate")
    reader = subscriber_ids(any_store)[0]
    path = f"/o/{tokens(settings, campaign_id).open_token(reader)}.gif"

    first, again = http.get(path), http.get(path)

    for answer in (first, again):
        assert answer.status_code == 200 and answer.headers["content-type"] == "image/gif"
        assert answer.headers["cache-control"] == "no-store" and answer.content.startswith(b"GIF89a")
    [event] = events(any_store)  # the second fetch of the same message within a minute is not counted again
    assert (event.kind, event.position, event.verdict, event.subscriber_id) == ("open", None, "human", None)


def test_individual_mode_names_the_reader_and_the_export_shows_it(
    http: httpx.Client, any_store: Store, settings: Settings, seed_path: Path
):
    campaign_id = sent_campaign(any_store, settings, seed_path, "individual")
    reader = subscriber_ids(any_store)[1]
    http.get(f"/r/{tokens(settings, campaign_id).click_token(2, reader)}")
    http.get(f"/o/{tokens(settings, campaign_id).open_token(reader)}.gif")

    assert [(e.kind, e.subscriber_id) for e in events(any_store)] == [("click", reader), ("open", reader)]
    export = export_subscriber(any_store, "reader00001@example.com")
    assert [(t["kind"], t["url"], t["verdict"]) for t in export["tracking"]] == [
        ("click", link_url(any_store, campaign_id, 2), "human"),
        ("open", None, "human"),
    ]


@pytest.mark.parametrize("mode", ["aggregate", "individual"])
def test_an_erased_reader_still_gets_their_page_and_is_counted_nowhere(
    http: httpx.Client, any_store: Store, settings: Settings, seed_path: Path, mode: str
):
    campaign_id = sent_campaign(any_store, settings, seed_path, mode)
    reader = subscriber_ids(any_store)[0]
    http.get(f"/r/{tokens(settings, campaign_id).click_token(1, reader)}")
    erase_subscriber(any_store, "reader00000@example.com")
    assert events(any_store) == [] or mode == "aggregate"  # individual: their rows went with them

    answer = http.get(f"/r/{tokens(settings, campaign_id).click_token(1, reader)}")
    http.get(f"/o/{tokens(settings, campaign_id).open_token(reader)}.gif")

    assert answer.status_code == 302 and answer.headers["location"] == link_url(any_store, campaign_id, 1)
    assert len(events(any_store)) == (1 if mode == "aggregate" else 0)  # nothing new for them


def test_forged_and_unknown_tokens_are_a_neutral_404_and_record_nothing(
    http: httpx.Client, any_store: Store, settings: Settings, seed_path: Path
):
    campaign_id = sent_campaign(any_store, settings, seed_path, "aggregate")
    reader = subscriber_ids(any_store)[0]
    good = tokens(settings, campaign_id).click_token(1, reader)
    forged = TokenSigner("not the key").make("click", campaign_id, 1, reader)
    beyond = tokens(settings, campaign_id).click_token(999, reader)  # signed, but no such link
    elsewhere = tokens(settings, campaign_id + 1000).click_token(1, reader)  # no such campaign
    opened = tokens(settings, campaign_id).open_token(reader)  # an open token is no link

    for bad in (forged, good[:-2], good[:-1] + ("A" if good[-1] != "A" else "B"), beyond, elsewhere, opened, "x"):
        answer = http.get(f"/r/{bad}")
        assert answer.status_code == 404 and "location" not in answer.headers, bad
    assert http.get(f"/r/{good}?url=https://evil.example/").headers["location"] == link_url(any_store, campaign_id, 1)
    assert http.get(f"/o/{forged}.gif").status_code == 200  # the pixel, recording nothing
    assert [e.kind for e in events(any_store)] == ["click"]  # only the good one


def test_a_head_request_is_a_machine_and_still_redirected(
    http: httpx.Client, any_store: Store, settings: Settings, seed_path: Path
):
    campaign_id = sent_campaign(any_store, settings, seed_path, "aggregate")
    reader = subscriber_ids(any_store)[0]
    answer = http.head(f"/r/{tokens(settings, campaign_id).click_token(1, reader)}")
    assert answer.status_code == 302
    [event] = events(any_store)
    assert (event.verdict, event.reason) == ("machine", "head")


def test_the_honeypot_is_a_machine(http: httpx.Client, any_store: Store, settings: Settings, seed_path: Path):
    campaign_id = sent_campaign(any_store, settings, seed_path, "aggregate")
    with any_store.session() as session:
        trap = session.scalar(select(TrackedLink.position).where(TrackedLink.honeypot.is_(True)))
    assert trap is not None
    http.get(f"/r/{tokens(settings, campaign_id).click_token(trap, subscriber_ids(any_store)[0])}")
    [event] = events(any_store)
    assert (event.verdict, event.reason) == ("machine", "honeypot")


def test_mode_off_records_nothing(http: httpx.Client, any_store: Store, settings: Settings, seed_path: Path):
    campaign_id = sent_campaign(any_store, settings, seed_path, "off")
    reader = subscriber_ids(any_store)[0]
    assert http.get(f"/o/{tokens(settings, campaign_id).open_token(reader)}.gif").status_code == 200
    assert http.get(f"/r/{tokens(settings, campaign_id).click_token(1, reader)}").status_code == 404  # no links
    assert events(any_store) == []


def test_an_error_writing_the_event_never_breaks_the_redirect(
    http: httpx.Client, any_store: Store, settings: Settings, seed_path: Path, monkeypatch: pytest.MonkeyPatch
):
    campaign_id = sent_campaign(any_store, settings, seed_path, "aggregate")

    def broken(*_: object) -> None:
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(Capture, "_insert", broken)
    answer = http.get(f"/r/{tokens(settings, campaign_id).click_token(1, subscriber_ids(any_store)[0])}")
    assert answer.status_code == 302 and events(any_store) == []


def test_a_click_right_after_delivery_is_a_scanner(store: Store, settings: Settings, seed_path: Path):
    campaign_id = sent_campaign(store, settings, seed_path, "aggregate")
    reader = subscriber_ids(store)[0]
    with store.session() as session:
        session.execute(update(OutboxRow).where(OutboxRow.campaign_id == campaign_id).values(updated_at=utcnow()))
    capture = Capture(store, settings)
    capture.click(tokens(settings, campaign_id).click_token(1, reader), Hit("GET", BROWSER, "203.0.113.9"))
    [event] = events(store)
    assert (event.verdict, event.reason) == ("machine", "early-click")


def test_recent_rows_are_kept_a_day(store: Store, settings: Settings, seed_path: Path):
    with store.session() as session:
        session.add(TrackingRecent(digest="old", kind="open", at=utcnow() - timedelta(days=1, minutes=1)))
        session.add(TrackingRecent(digest="new", kind="open", at=utcnow() - timedelta(hours=23)))
    assert forget_recent(store, utcnow()) == 1
    with store.session() as session:
        assert list(session.scalars(select(TrackingRecent.digest))) == ["new"]


def test_a_flood_of_pixel_requests_neither_grows_memory_nor_miscounts(
    store: Store, settings: Settings, seed_path: Path
):
    campaign_id = sent_campaign(store, settings, seed_path, "aggregate", readers=20)
    readers = subscriber_ids(store)
    clock = FixedClock(utcnow())  # the flood takes longer than the minute a repeated open is not counted in
    server = LiveServer(create_app(services=runtime.build(settings, store=store, clock=clock))).start()
    made = tokens(settings, campaign_id)
    paths = [f"/o/{made.open_token(readers[i % len(readers)])}.gif" for i in range(1_200)]
    forged = "/o/" + TokenSigner("forger").make("open", campaign_id, 0, readers[0]) + ".gif"
    try:
        with httpx.Client(base_url=server.url, timeout=10, headers={"User-Agent": BROWSER}) as client:
            for path in paths[:200]:  # warm up: connections, caches, the first of each reader recorded
                assert client.get(path).status_code == 200
            gc.collect()
            tracemalloc.start()
            before = tracemalloc.take_snapshot()
            for n, path in enumerate(paths[200:]):
                assert client.get(forged if n % 10 == 0 else path).status_code == 200
            gc.collect()
            after = tracemalloc.take_snapshot()
            tracemalloc.stop()
    finally:
        server.stop()
    grown = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    assert grown < 2_000_000, f"memory grew by {grown:,} bytes over 1,000 requests"
    assert len(events(store)) == len(readers)  # each reader's open once (the rest within the same minute)
