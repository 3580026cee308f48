"""Delivering one batch: claim outbox rows, send them over one channel connection, record every result.

Rows are claimed a chunk at a time (state "sending", with a claim time), so a worker killed mid-batch
leaves at most one chunk in flight; a claim older than the lease is taken over by the next worker.
Results are written only where the claim is still ours.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, exists, func, or_, select, update
from sqlalchemy.orm import Session

from publisher.campaigns import finish_if_done
from publisher.channels import (
    ChannelError,
    ConnectionFailed,
    Email,
    Message,
    PermanentError,
    Post,
    RecipientRejected,
    Result,
    SetupFailed,
    TransientError,
    open_channel,
)
from publisher.config import Settings
from publisher.consent import CONFIRM_KIND, ConfirmationSource
from publisher.errors import PublisherError
from publisher.ratelimit import RateLimiter, rate_limiter
from publisher.render.email import RenderedDigest
from publisher.render.message import message_template
from publisher.render.mime import MessageTemplate, Recipient
from publisher.store import Store
from publisher.store.models import Campaign, MailingList, OutboxRow, utcnow
from publisher.subscribers import recipients, unsubscribe_token
from publisher.suppression import suppress

# Rows claimed and recorded together: bigger chunks spread the three database round trips of a chunk over
# more messages; a worker killed mid-chunk leaves at most this many rows in flight.
CHUNK = 200
MAX_CONSECUTIVE_TRANSIENT = 3
MAX_BACKOFF_SECONDS = 3600.0
PROGRESS_EVERY_SECONDS = 5.0  # how stale campaigns.progress_at may get before a chunk refreshes it
RATE_LIMITED_CHUNK_SECONDS = 30  # under a rate limit, a chunk holds about this many seconds of sending


@dataclass
class BatchOutcome:
    sent: int = 0
    failed: int = 0
    suppressed: int = 0
    deferred: int = 0
    retry_in: float | None = None  # seconds until rows of this batch may be tried again
    errors: list[str] = field(default_factory=list)
    paused: str | None = None  # why the campaign was paused during this batch


@dataclass
class _ChunkHealth:
    """What one chunk says about the server: connection failures since the last answer, and whether it answered."""

    connection_failures: int = 0
    answered: bool = False
    last_error: str = ""
    suppress: list[tuple[str, str]] = field(default_factory=list)
    setup_failed: str | None = None  # SMTP security (extra-tls): the channel cannot work as configured


@dataclass(frozen=True)
class _Claimed:
    id: int
    recipient_id: int
    attempts: int
    payload: dict[str, Any] | None


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def backoff(attempts: int, base: float) -> float:
    """Exponential backoff with ±20% jitter, capped at an hour."""
    delay = min(base * (2 ** max(attempts - 1, 0)), MAX_BACKOFF_SECONDS)
    return delay * random.uniform(0.8, 1.2)


def _claim(
    store: Store, campaign_id: int, channel: str, first_id: int, last_id: int, lease: int, chunk: int = CHUNK
) -> tuple[datetime, list[_Claimed]]:
    now = utcnow()
    due = or_(
        and_(
            OutboxRow.state == "queued",
            or_(OutboxRow.next_attempt_at.is_(None), OutboxRow.next_attempt_at <= now),
        ),
        and_(OutboxRow.state == "sending", OutboxRow.claimed_at < now - timedelta(seconds=lease)),
    )
    ids = (
        select(OutboxRow.id)
        .where(
            OutboxRow.campaign_id == campaign_id,
            OutboxRow.channel == channel,
            OutboxRow.id.between(first_id, last_id),
            due,
            # Pause and cancel take effect here, between chunks: at most one chunk is in flight when they land.
            exists().where(Campaign.id == campaign_id, Campaign.state.in_(("queued", "sending"))),
        )
        .order_by(OutboxRow.id)
        .limit(chunk)
        .with_for_update(skip_locked=True)
    )
    with store.session() as session:
        rows = session.execute(
            update(OutboxRow)
            .where(OutboxRow.id.in_(ids.scalar_subquery()))
            .values(state="sending", claimed_at=now, updated_at=now)
            .returning(OutboxRow.id, OutboxRow.recipient_id, OutboxRow.attempts, OutboxRow.payload),
            execution_options={"synchronize_session": False},
        ).all()
    return now, sorted((_Claimed(*r) for r in rows), key=lambda c: c.id)


def campaign_template(session: Session, campaign: Campaign, settings: Settings) -> MessageTemplate:
    """The campaign's MessageTemplate (render.message builds it; this looks up the list's name)."""
    digest = RenderedDigest(campaign.subject, campaign.body_html, campaign.body_text, campaign.render_key)
    list_name = session.scalar(select(MailingList.name).where(MailingList.id == campaign.list_id)) or "list"
    return message_template(settings, campaign.id, digest, list_name)


class _EmailSource:
    """Builds each subscriber's message from the campaign's one rendering."""

    def __init__(self, session: Session, campaign: Campaign, settings: Settings) -> None:
        self.list_id = campaign.list_id
        self.secret = settings.signing_key()
        self.template = campaign_template(session, campaign, settings)

    def messages(self, store: Store, claimed: list[_Claimed]) -> dict[int, Message | str]:
        """Per row: the Email, or the reason it must not be sent (checked now, not at campaign creation)."""
        by_recipient = {c.recipient_id: c.id for c in claimed}
        with store.session() as session:
            people = recipients(session, self.list_id, by_recipient)
        out: dict[int, Message | str] = {row_id: "no longer on the list" for row_id in by_recipient.values()}
        for person in people:
            row_id = by_recipient[person.id]
            if person.suppressed is not None:
                out[row_id] = f"address is suppressed ({person.suppressed})"
                continue
            if person.status != "active":
                out[row_id] = f"subscription is {person.status}"
                continue
            recipient = Recipient(
                id=person.id,
                email=person.email,
                name=person.name,
                token=unsubscribe_token(self.secret, person.id, self.list_id, person.email),
            )
            try:
                raw = self.template.build(recipient)
            except PublisherError as exc:  # e.g. a name with a line break that predates the checks
                out[row_id] = _Unsendable(str(exc))
                continue
            out[row_id] = Email(
                message_id=self.template.message_id(person.id),
                sender=self.template.envelope_from,
                recipient=person.email,
                raw=raw,
            )
        return out


class _Unsendable(str):
    """A row that cannot be sent because its data is bad: failed, not suppressed."""


def _post_messages(claimed: list[_Claimed]) -> dict[int, Message | str]:
    return {c.id: Post(**c.payload) if c.payload else "share row without a post" for c in claimed}


def _record(
    store: Store,
    settings: Settings,
    campaign_id: int,
    claimed_at: datetime,
    updates: list[dict[str, Any]],
    health: _ChunkHealth,
) -> str | None:
    """Write a chunk's results, suppressions and the campaign's health in one transaction.

    Returns the reason when this chunk paused the campaign.
    """
    table = OutboxRow.__table__
    stmt = (
        update(table)
        .where(table.c.id == bindparam("row_id"), table.c.state == "sending", table.c.claimed_at == claimed_at)
        .values(
            state=bindparam("new_state"),
            attempts=bindparam("new_attempts"),
            next_attempt_at=bindparam("retry_at"),
            provider_id=bindparam("new_provider_id"),
            url=bindparam("new_url"),
            error=bindparam("new_error"),
            updated_at=bindparam("now"),
        )
    )
    with store.session() as session:
        if updates:
            session.connection().execute(stmt, updates)
        for address, reason in health.suppress:  # mailboxes the server refused with a 5xx
            suppress(session, address, "hard_bounce", detail=reason[:2000], source="smtp")
        return _campaign_health(session, settings, campaign_id, health)


def _campaign_health(session: Session, settings: Settings, campaign_id: int, health: _ChunkHealth) -> str | None:
    """Track consecutive connection failures across workers; pause the campaign when there are too many."""
    now = utcnow()
    row = session.execute(
        select(Campaign.state, Campaign.failure_streak, Campaign.progress_at).where(Campaign.id == campaign_id)
    ).first()
    if row is None:
        return None
    streak = health.connection_failures + (0 if health.answered else row.failure_streak)
    values: dict[str, Any] = {}
    if streak != row.failure_streak:
        values["failure_streak"] = streak
    if health.answered and (
        row.progress_at is None or (now - _aware(row.progress_at)).total_seconds() > PROGRESS_EVERY_SECONDS
    ):
        values["progress_at"] = now
    reason = None
    if health.setup_failed is not None and row.state in ("queued", "sending"):  # SMTP security (extra-tls)
        reason = f"paused: the channel cannot work as configured: {health.setup_failed}"[:2000]
        values.update(state="paused", pause_reason=reason)
    elif streak >= settings.pause_after_failures and row.state in ("queued", "sending"):
        reason = f"paused after {streak} consecutive connection failures; last: {health.last_error}"[:2000]
        values.update(state="paused", pause_reason=reason)
    if values:
        session.execute(
            update(Campaign).where(Campaign.id == campaign_id).values(**values),
            execution_options={"synchronize_session": False},
        )
    return reason


def _update(
    row: _Claimed,
    state: str,
    *,
    attempted: bool = True,
    retry_at: datetime | None = None,
    result: Result | None = None,
    error: str | None = None,
) -> dict[str, Any]:
    return {
        "row_id": row.id,
        "new_state": state,
        "new_attempts": row.attempts + (1 if attempted else 0),
        "retry_at": retry_at,
        "new_provider_id": result.provider_id if result else None,
        "new_url": result.url if result else None,
        "new_error": error[:2000] if error else None,
        "now": utcnow(),
    }


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
    started = time.monotonic()
    outcome = BatchOutcome()
    more = False
    with store.session() as session:
        campaign = session.get(Campaign, campaign_id)
        if campaign is None or campaign.state in ("cancelled", "paused", "done"):
            return outcome
        source = _EmailSource(session, campaign, settings) if campaign.kind == "email" else None
        if campaign.kind == CONFIRM_KIND:  # double opt-in confirmation emails (publisher.consent)
            source = ConfirmationSource(campaign, settings)
    connection = open_channel(channel, settings)
    limiter = rate_limiter(settings, channel, store)
    rate = settings.rate_limits.get(channel)
    chunk = CHUNK if not rate else max(1, min(CHUNK, int(rate * RATE_LIMITED_CHUNK_SECONDS)))
    try:
        cursor = first_id  # moves forward only: a row deferred in this run waits for the task's retry
        while True:
            if time_budget is not None and time.monotonic() - started > time_budget:
                more = True
                break
            claimed_at, claimed = _claim(store, campaign_id, channel, cursor, last_id, settings.lease_seconds, chunk)
            if not claimed:
                break
            cursor = claimed[-1].id + 1
            messages = source.messages(store, claimed) if source else _post_messages(claimed)
            health = _ChunkHealth()
            updates, stop = _send_chunk(connection, claimed, messages, settings, outcome, health, limiter)
            outcome.paused = _record(store, settings, campaign_id, claimed_at, updates, health) or outcome.paused
            if stop or outcome.paused:
                break
    finally:
        connection.close()
    with store.session() as session:
        finish_if_done(session, campaign_id)
        next_due = session.scalar(
            select(func.min(OutboxRow.next_attempt_at)).where(
                OutboxRow.campaign_id == campaign_id,
                OutboxRow.channel == channel,
                OutboxRow.id.between(first_id, last_id),
                OutboxRow.state == "queued",
            )
        )
    if outcome.paused is None:
        if more:
            outcome.retry_in = 0.0
        elif next_due is not None:
            outcome.retry_in = max((_aware(next_due) - utcnow()).total_seconds(), 0.5)
    return outcome


def _outcomes(connection: Any, messages: Iterable[Message]) -> Iterator[Result | ChannelError]:
    """One outcome per message: the channel's send_many where it has one (SMTP pipelining), else send."""
    if hasattr(connection, "send_many"):
        yield from connection.send_many(messages)
        return
    for message in messages:
        try:
            yield connection.send(message)
        except ChannelError as exc:
            yield exc


def _send_chunk(
    connection: Any,
    claimed: list[_Claimed],
    messages: dict[int, Message | str],
    settings: Settings,
    outcome: BatchOutcome,
    health: _ChunkHealth,
    limiter: RateLimiter | None = None,
) -> tuple[list[dict[str, Any]], bool]:
    updates: list[dict[str, Any]] = []
    sendable: list[tuple[_Claimed, Message]] = []
    for row in claimed:
        message = messages[row.id]
        if isinstance(message, _Unsendable):
            updates.append(_update(row, "failed", attempted=False, error=message))
            outcome.failed += 1
        elif isinstance(message, str):
            updates.append(_update(row, "suppressed", attempted=False, error=message))
            outcome.suppressed += 1
        else:
            sendable.append((row, message))

    def feed() -> Iterator[Message]:
        for _, message in sendable:
            if limiter is not None:
                limiter.acquire()
            yield message

    results = _outcomes(connection, feed())
    transient_in_a_row = 0
    done = 0
    try:
        for row, _ in sendable:
            try:
                result = next(results)
            except StopIteration:
                result = TransientError("the channel returned no outcome for this message")
            except Exception as exc:  # a bug or a full disk in the channel: counted as a failed attempt
                result = TransientError(f"unexpected {type(exc).__name__} in channel: {exc}")
                results = _outcomes(connection, iter(()))  # the broken iterator is done; the rest is deferred
                transient_in_a_row = MAX_CONSECUTIVE_TRANSIENT - 1
            done += 1
            if isinstance(result, ChannelError) and not isinstance(result, (TransientError, PermanentError)):
                result = TransientError(str(result))
            if isinstance(result, SetupFailed):  # SMTP security (extra-tls): no message is at fault
                # A bad certificate or password fails every message alike: put them all back untried and
                # pause the campaign with the reason, so fixing the setting and resuming loses nothing.
                outcome.errors.append(str(result))
                health.setup_failed = str(result)
                for rest, _ in sendable[done - 1 :]:
                    updates.append(_update(rest, "queued", attempted=False, error=str(result)))
                    outcome.deferred += 1
                return updates, True
            if isinstance(result, TransientError):
                transient_in_a_row += 1
                outcome.errors.append(str(result))
                if isinstance(result, ConnectionFailed):
                    health.connection_failures += 1
                    health.last_error = str(result)
                else:
                    health.answered, health.connection_failures = True, 0
                if row.attempts + 1 >= settings.max_attempts:
                    error = f"gave up after {row.attempts + 1} attempts: {result}"
                    updates.append(_update(row, "failed", error=error))
                    outcome.failed += 1
                else:
                    delay = (
                        result.retry_after
                        if result.retry_after is not None
                        else backoff(row.attempts + 1, settings.retry_base_seconds)
                    )
                    retry_at = utcnow() + timedelta(seconds=delay)
                    updates.append(_update(row, "queued", retry_at=retry_at, error=str(result)))
                    outcome.deferred += 1
                if transient_in_a_row >= MAX_CONSECUTIVE_TRANSIENT:
                    # The server or network is down: put the rest back untried instead of burning attempts.
                    retry_at = utcnow() + timedelta(seconds=backoff(1, settings.retry_base_seconds))
                    for rest, _ in sendable[done:]:
                        updates.append(_update(rest, "queued", attempted=False, retry_at=retry_at, error=str(result)))
                        outcome.deferred += 1
                    return updates, True
                continue
            if isinstance(result, PermanentError):
                updates.append(_update(row, "failed", error=str(result)))
                outcome.failed += 1
                outcome.errors.append(str(result))
                if isinstance(result, RecipientRejected):
                    health.suppress.append((result.recipient, str(result)))
            elif isinstance(result, Result):
                updates.append(_update(row, "sent", result=result))
                outcome.sent += 1
            else:
                raise TypeError(f"channel outcome must be a Result or ChannelError, not {type(result).__name__}")
            health.answered, health.connection_failures = True, 0
            transient_in_a_row = 0
    finally:
        close = getattr(results, "close", None)
        if close is not None:
            close()
    return updates, False
