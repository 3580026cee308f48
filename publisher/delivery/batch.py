"""Delivering one batch: set up (message source, channel, rate limit), then claim -> build -> send -> record,
a chunk at a time, over one channel connection.

A setup that fails is the configuration's fault, not any message's (a DKIM key that cannot be read, a
channel setting that does not parse, a template that does not build): it pauses the campaign with the
reason before a single row is claimed, so the rows stay queued with their attempts untouched, and fixing
the setting and resuming loses nothing. Retrying would fail the same way forever.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from publisher import logs, telemetry
from publisher.channels import Channel, open_channel
from publisher.config import Settings
from publisher.delivery.claim import CHUNK, claim, in_batch
from publisher.delivery.outcome import BatchOutcome, ChunkHealth
from publisher.delivery.record import record
from publisher.delivery.send import send_chunk
from publisher.delivery.sources import MessageSource, message_source
from publisher.errors import PublisherError, StorageUnavailable
from publisher.ratelimit import RateLimiter, rate_limiter
from publisher.states import ACTIVE_CAMPAIGNS, RowState
from publisher.store import Store
from publisher.store.models import Campaign, OutboxRow, utcnow
from publisher.store.progress import finish_if_done, pause_campaign

log = logging.getLogger(__name__)
T = TypeVar("T")

RATE_LIMITED_CHUNK_SECONDS = 30  # under a rate limit, a chunk holds about this many seconds of sending
# How long a worker holds on to a sent chunk's results while the store cannot take them (well inside the
# batch's time budget and the broker's redelivery window), and how it spaces the attempts.
RECORD_PATIENCE_SECONDS = 120.0
RECORD_RETRY_FIRST_SECONDS = 0.5
RECORD_RETRY_MAX_SECONDS = 15.0


class SetupError(Exception):
    """Delivery cannot start with these settings; the message says why."""


@dataclass(frozen=True)
class _Work:
    """One batch: the rows of (campaign, channel) with id in [first_id, last_id]."""

    campaign_id: int
    channel: str
    first_id: int
    last_id: int


@dataclass
class _Setup:
    source: MessageSource
    connection: Channel
    limiter: RateLimiter | None
    chunk: int


def deliver_batch(
    store: Store,
    settings: Settings,
    campaign_id: int,
    channel: str,
    first_id: int,
    last_id: int,
    *,
    time_budget: float | None = None,
) -> BatchOutcome:
    """Send every due row of (campaign, channel) with id in [first_id, last_id]; safe to run again.

    With a time budget, no new chunk is claimed once it is spent, and retry_in says to come back at once:
    a task stays well inside the broker's redelivery window even when a rate limit slows it down.
    """
    with logs.bound(campaign_id=campaign_id, channel=channel, batch_id=logs.batch_id(first_id, last_id)):
        return _deliver(store, settings, _Work(campaign_id, channel, first_id, last_id), time_budget)


def _deliver(store: Store, settings: Settings, work: _Work, time_budget: float | None) -> BatchOutcome:
    campaign_id = work.campaign_id
    deadline = None if time_budget is None else time.monotonic() + time_budget
    outcome = BatchOutcome()
    try:
        setup = _set_up(store, settings, work)
    except SetupError as exc:
        outcome.errors.append(str(exc))
        outcome.paused = _pause(store, campaign_id, f"delivery cannot start as configured: {exc}")
        return outcome
    if setup is None:
        return outcome
    try:
        more = _deliver_chunks(store, settings, setup, work, outcome, deadline)
    finally:
        setup.connection.close()
    next_due = _finish(store, work)
    if outcome.paused is None:
        if more:
            outcome.retry_in = 0.0
        elif next_due is not None:
            outcome.retry_in = max(next_due, 0.5)
    return outcome


def _deliver_chunks(
    store: Store, settings: Settings, setup: _Setup, work: _Work, outcome: BatchOutcome, deadline: float | None
) -> bool:
    """Claim, build, send and record chunk after chunk; True when the time budget ran out first."""
    cursor = work.first_id  # moves forward only: a row deferred in this run waits for the task's retry
    while deadline is None or time.monotonic() <= deadline:
        claimed_at, claimed = claim(
            store, work.campaign_id, work.channel, cursor, work.last_id, settings.lease_seconds, setup.chunk
        )
        if not claimed:
            return False
        started = time.monotonic()
        cursor = claimed[-1].id + 1
        messages = setup.source.messages(store, claimed)
        health = ChunkHealth()
        updates, stop = send_chunk(setup.connection, claimed, messages, settings, outcome, health, setup.limiter)
        recorded = _record_durably(
            store,
            work.campaign_id,
            len(updates),
            partial(record, store, settings, work.campaign_id, claimed_at, updates, health),
        )
        telemetry.chunk_delivered(work.channel, time.monotonic() - started, [u["new_state"] for u in updates])
        outcome.paused = recorded or outcome.paused
        if stop or outcome.paused:
            return False
    return True


def _record_durably(store: Store, campaign_id: int, rows: int, write: Callable[[], str | None]) -> str | None:
    """record(), held on to while the store cannot be written (a full disk) or reached: these messages went out.

    The chunk's results are kept and written again with backoff for up to RECORD_PATIENCE_SECONDS, claiming
    nothing more meanwhile. Once they are written after the store was unwritable (StorageUnavailable: full or
    read-only), the campaign pauses with the reason, so an operator sees what happened before resuming; after
    the store was only unreachable (a dropped connection, this host's network down), delivery goes on: the
    other hosts may have carried the campaign meanwhile, and the write is fenced by the claim time, so rows
    taken over are left to whoever took them. If the store stays unwritable the error goes up: the rows stay
    claimed and, after their lease, are sent again (the duplicates are bounded by this one chunk).
    """
    waited, delay, unwritable = 0.0, RECORD_RETRY_FIRST_SECONDS, False
    while True:
        try:
            reason = write()
        except (StorageUnavailable, OperationalError) as exc:
            if waited >= RECORD_PATIENCE_SECONDS:
                log.error("campaign %s: results of %d rows could not be recorded: %s", campaign_id, rows, exc)
                raise
            log.warning("campaign %s: cannot record results (%s); trying again in %.1f s", campaign_id, exc, delay)
            problem = str(exc)
            unwritable = unwritable or isinstance(exc, StorageUnavailable)
            time.sleep(delay)
            waited += delay
            delay = min(delay * 2, RECORD_RETRY_MAX_SECONDS)
            continue
        if waited == 0.0:
            return reason
        if not unwritable:
            log.warning("campaign %s: %d rows' results recorded after %.0f s (%s)", campaign_id, rows, waited, problem)
            return reason
        return _pause(
            store,
            campaign_id,
            f"results could not be recorded for {waited:.0f} s ({problem}); they are recorded now; "
            "resume once the store has room again",
        )


def _set_up(store: Store, settings: Settings, work: _Work) -> _Setup | None:
    """The batch's message source, open channel and rate limiter; None when the campaign hands out nothing.

    Raises SetupError when the settings cannot make them.
    """
    with store.session() as session:
        campaign = session.get(Campaign, work.campaign_id)
        if campaign is None or campaign.state not in ACTIVE_CAMPAIGNS:
            return None
        source = _configured(
            lambda: message_source(session, campaign, settings, work.channel), "the messages cannot be built"
        )
    connection = _configured(lambda: open_channel(work.channel, settings), f"channel {work.channel} cannot open")
    try:
        limiter = _configured(lambda: rate_limiter(settings, work.channel, store), "the rate limit cannot be set up")
    except SetupError:
        connection.close()
        raise
    rate = settings.rate_limits.get(work.channel)
    chunk = CHUNK if not rate else max(1, min(CHUNK, int(rate * RATE_LIMITED_CHUNK_SECONDS)))
    return _Setup(source, connection, limiter, chunk)


def _configured(make: Callable[[], T], what: str) -> T:
    """make(), with a failure that is the configuration's (not the store's) raised as a SetupError."""
    try:
        return make()
    except (SQLAlchemyError, StorageUnavailable):
        raise  # the store failing: the task retries
    except PublisherError as exc:  # ConfigError, HeaderInjection, ...: the message names the setting
        raise SetupError(f"{what}: {exc}") from exc
    except Exception as exc:
        log.exception("%s", what)
        raise SetupError(f"{what}: unexpected {type(exc).__name__}: {exc}") from exc


def _pause(store: Store, campaign_id: int, reason: str) -> str:
    """Pause an active campaign with the reason (logged once, by whoever paused it); returns the reason."""
    with store.session() as session:
        if pause_campaign(session, campaign_id, reason):
            log.warning("campaign %s paused: %s", campaign_id, reason)
    return reason


def _finish(store: Store, work: _Work) -> float | None:
    """Mark the campaign done if nothing is pending; seconds until this batch's next deferred row is due."""
    with store.session() as session:
        finish_if_done(session, work.campaign_id)
        next_due = session.scalar(
            select(func.min(OutboxRow.next_attempt_at)).where(
                in_batch(work.campaign_id, work.first_id, work.last_id),
                OutboxRow.channel == work.channel,
                OutboxRow.state == RowState.QUEUED,
            )
        )
    return None if next_due is None else (next_due - utcnow()).total_seconds()
