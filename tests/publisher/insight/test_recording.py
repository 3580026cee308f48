"""Opens and clicks recorded in batches (issue 17): nothing is written until the recorder flushes, then each
event as if written alone: the one-minute dedupe and the click-burst rule see the batch's earlier events and
the earlier batches'; an erased reader records nothing; the app's shutdown writes what is waiting; a write
error loses that batch only (logged) and never the reader's page."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from publisher.clock import FixedClock
from publisher.config import Settings
from publisher.insight.capture import Capture, Hit
from publisher.insight.recording import Arrival, Recorder
from publisher.privacy import erase_subscriber
from publisher.store import Store
from publisher.store.insight import TrackingRecent
from publisher.store.models import utcnow
from publisher.tracking import Mode
from publisher.tracking_tokens import Token
from publisher.web import create_app
from tests.publisher.insight.test_capture import BROWSER, events, sent_campaign, subscriber_ids, tokens
from tests.support.web import LiveServer

PERSON = Hit("GET", BROWSER, "203.0.113.9")


@pytest.fixture
def batched(settings: Settings) -> Settings:
    """The production setting: a flush interval (long, so that only an explicit flush writes in a test)."""
    return settings.model_copy(update={"tracking_flush_seconds": 60.0})


def test_events_are_written_only_when_the_recorder_flushes(any_store: Store, batched: Settings, seed_path: Path):
    campaign_id = sent_campaign(any_store, batched, seed_path, "individual")
    first, second = subscriber_ids(any_store)[:2]
    capture = Capture(any_store, batched)
    made = tokens(batched, campaign_id)

    assert capture.click(made.click_token(1, first), PERSON) is not None
    assert capture.open(made.open_token(second) + ".gif", PERSON)
    assert events(any_store) == [] and capture.recorder.pending() == 2

    assert capture.flush() == 2
    assert [(e.kind, e.subscriber_id, e.verdict) for e in events(any_store)] == [
        ("click", first, "human"),
        ("open", second, "human"),
    ]
    assert capture.recorder.pending() == 0 and capture.flush() == 0
    capture.close()


def test_the_dedupe_and_the_click_burst_see_the_batch_and_the_batches_before(
    any_store: Store, batched: Settings, seed_path: Path
):
    campaign_id = sent_campaign(any_store, batched, seed_path, "aggregate")
    reader, other = subscriber_ids(any_store)[:2]
    clock = FixedClock(utcnow())
    capture = Capture(any_store, batched, clock)
    made = tokens(batched, campaign_id)

    for _ in range(2):
        capture.open(made.open_token(reader), PERSON)  # a proxy fetching twice: one open
    capture.open(made.open_token(other), PERSON)
    for position in (1, 2, 3):  # three clicks of one message within a second: a scanner's third
        capture.click(made.click_token(position, reader), PERSON)
    capture.flush()
    capture.open(made.open_token(reader), PERSON)  # the next batch, within the minute: not again
    capture.flush()
    clock.when += timedelta(minutes=2)
    capture.open(made.open_token(reader), PERSON)  # after the minute: a new open
    capture.flush()

    assert [(e.kind, e.reason) for e in events(any_store)] == [
        ("open", "browser"),
        ("open", "browser"),
        ("click", "browser"),
        ("click", "browser"),
        ("click", "click-burst"),
        ("open", "browser"),
    ]
    with any_store.session() as session:
        assert len(list(session.scalars(select(TrackingRecent.id)))) == 6  # one per event written


def test_an_erased_reader_in_a_batch_records_nothing_and_the_rest_is_written(
    store: Store, batched: Settings, seed_path: Path
):
    campaign_id = sent_campaign(store, batched, seed_path, "aggregate")
    erased, kept = subscriber_ids(store)[:2]
    capture = Capture(store, batched)
    made = tokens(batched, campaign_id)
    capture.click(made.click_token(1, erased), PERSON)
    capture.click(made.click_token(1, kept), PERSON)

    erase_subscriber(store, "reader00000@example.com")  # between the answer and the flush
    capture.flush()

    [event] = events(store)
    assert event.kind == "click" and event.subscriber_id is None


def test_a_write_error_loses_that_batch_only_and_is_logged(
    store: Store, batched: Settings, seed_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
):
    campaign_id = sent_campaign(store, batched, seed_path, "aggregate")
    reader = subscriber_ids(store)[0]
    capture = Capture(store, batched)
    made = tokens(batched, campaign_id)
    original = Capture._insert

    def broken(*_: object) -> None:
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(Capture, "_insert", broken)
    assert capture.click(made.click_token(1, reader), PERSON) is not None
    with caplog.at_level(logging.ERROR, logger="publisher.insight.recording"):
        assert capture.flush() == 1
    assert events(store) == [] and f"could not record 1 tracking events of campaigns [{campaign_id}]" in caplog.text

    monkeypatch.setattr(Capture, "_insert", original)
    capture.click(made.click_token(2, reader), PERSON)
    capture.flush()
    assert [e.position for e in events(store)] == [2]


def test_the_writer_thread_writes_when_a_batch_is_full_and_holds_no_more_than_its_bound():
    written: list[list[Arrival]] = []
    done = threading.Event()

    def write(batch: list[Arrival]) -> None:
        written.append(batch)
        done.set()

    recorder = Recorder(write, 3600.0, max_batch=3, max_pending=5)
    arrival = Arrival(Token("open", 1, 0, 1), PERSON, utcnow(), Mode.AGGREGATE)
    for _ in range(3):
        recorder.add(arrival)
    assert done.wait(10)  # the thread woke for the full batch, not the hour
    assert [len(b) for b in written] == [3]

    stalled = Recorder(write, 3600.0, max_batch=100, max_pending=5)
    for _ in range(7):
        stalled.add(arrival)
    assert stalled.pending() == 5 and stalled.dropped == 2
    stalled.close()  # shutdown writes what is waiting
    assert [len(b) for b in written] == [3, 5] and stalled.pending() == 0
    recorder.close()


def test_the_apps_shutdown_writes_the_clicks_and_opens_still_in_memory(
    store: Store, batched: Settings, seed_path: Path
):
    campaign_id = sent_campaign(store, batched, seed_path, "aggregate")
    readers = subscriber_ids(store)
    made = tokens(batched, campaign_id)
    app = create_app(batched, store)
    server = LiveServer(app).start()
    try:
        with httpx.Client(base_url=server.url, timeout=10, headers={"User-Agent": BROWSER}) as client:
            for reader in readers:
                assert client.get(f"/r/{made.click_token(1, reader)}").status_code == 302
                assert client.get(f"/o/{made.open_token(reader)}.gif").status_code == 200
        assert app.state.tracking_capture.recorder.pending() == 2 * len(readers)  # the hour has not passed
    finally:
        server.stop()
    assert sorted(e.kind for e in events(store)) == ["click"] * len(readers) + ["open"] * len(readers)
