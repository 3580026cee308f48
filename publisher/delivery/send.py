"""Sending one chunk over an open channel, and classifying each outcome into a row update.

Rows with no message are settled first (failed or suppressed, not attempted). The rest go to the
channel's send_many in one stream; each outcome becomes sent, failed, or queued again with a backoff.
Three outcomes stop the chunk and put the rest back untried: a setup failure (no message is at fault), a
run of connection failures (the server or network is down: do not burn every row's attempts), and a channel
that broke mid-stream. A 4xx reply (or an HTTP 429/5xx) for one message defers that row only: the server
answered, so the next recipient may well be fine.

A thread that failed part way (or finished) reports the parts it posted (`progress`): they are written
into the row's stored post with the row's update, so the retry continues from the part that failed.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from publisher.channels import (
    Channel,
    ChannelError,
    ConnectionFailed,
    Message,
    PermanentError,
    RecipientRejected,
    Result,
    SetupFailed,
    ThreadProgress,
    TransientError,
    WebhookCall,
)
from publisher.config import Settings
from publisher.delivery.claim import Claimed
from publisher.delivery.outcome import BatchOutcome, ChunkHealth, Refusal, Unsendable, backoff, row_update
from publisher.ratelimit import RateLimiter
from publisher.states import RowState
from publisher.store.models import utcnow

MAX_CONSECUTIVE_TRANSIENT = 3  # connection failures in a row that mean the server is down

Outcome = Result | ChannelError
Sendable = list[tuple[Claimed, Message]]


def send_chunk(
    connection: Channel,
    claimed: list[Claimed],
    messages: dict[int, Message | str | TransientError],
    settings: Settings,
    outcome: BatchOutcome,
    health: ChunkHealth,
    limiter: RateLimiter | None = None,
) -> tuple[list[dict[str, Any]], bool]:
    """Send a chunk; returns the row updates to record, and whether the batch must stop after this chunk."""
    run = _ChunkRun(settings, outcome, health)
    sendable = run.set_aside(claimed, messages)
    results = connection.send_many(_paced(sendable, limiter))
    try:
        stop = run.take(sendable, results)
    finally:
        if isinstance(results, Generator):  # let the channel finish its stream (SMTP: RSET, close the data)
            results.close()
    return run.updates, stop


def _paced(sendable: Sendable, limiter: RateLimiter | None) -> Iterator[Message]:
    """The messages, each released when the shared rate limit allows it."""
    for _, message in sendable:
        if limiter is not None:
            limiter.acquire()
        yield message


class _ChunkRun:
    """The bookkeeping of one chunk: its row updates, the batch tally, and the run of transient errors."""

    def __init__(self, settings: Settings, outcome: BatchOutcome, health: ChunkHealth) -> None:
        self.settings = settings
        self.outcome = outcome
        self.health = health
        self.updates: list[dict[str, Any]] = []
        self.down_in_a_row = 0  # connection failures since the server last answered
        self.stream_broken = False

    def set_aside(self, claimed: list[Claimed], messages: dict[int, Message | str | TransientError]) -> Sendable:
        """Settle the rows that have no message (bad data: failed; not wanted: suppressed; not buildable now:
        retried later, like a transient failure, without counting against the channel); return the rest."""
        sendable: Sendable = []
        for row in claimed:
            message = messages[row.id]
            if isinstance(message, Unsendable):
                self.updates.append(row_update(row, RowState.FAILED, attempted=False, error=message))
                self.outcome.failed += 1
            elif isinstance(message, str):
                self.updates.append(row_update(row, RowState.SUPPRESSED, attempted=False, error=message))
                self.outcome.suppressed += 1
            elif isinstance(message, TransientError):
                self.outcome.errors.append(str(message))
                self._retry_later(row, message)
            else:
                sendable.append((row, message))
        return sendable

    def take(self, sendable: Sendable, results: Iterator[Outcome]) -> bool:
        """Record one outcome per sendable row, in order; True when the rest of the batch must wait."""
        for index, (row, message) in enumerate(sendable):
            result = self._next(results)
            try:
                if isinstance(result, SetupFailed):
                    self._setup_failed(sendable[index:], result)
                    return True
                if isinstance(result, TransientError):
                    self._transient(row, result)
                    if self.stream_broken or self.down_in_a_row >= MAX_CONSECUTIVE_TRANSIENT:
                        self._defer_untried(sendable[index + 1 :], result)
                        return True
                    continue
                self._final(row, result)
            finally:
                self._keep_progress(row, result)
                if isinstance(message, WebhookCall):
                    self._keep_status(row, result)
        return False

    def _keep_status(self, row: Claimed, result: Outcome) -> None:
        """An event webhook's row keeps the receiver's last HTTP status (None: no answer) in its payload, for
        the editor's deliveries list; record.py disables an endpoint that answered 410 Gone."""
        status = getattr(result, "http_status", None)
        for update in reversed(self.updates):
            if update["row_id"] == row.id:
                update["new_payload"] = {**(update.get("new_payload") or row.payload or {}), "status": status}
                return

    def _keep_progress(self, row: Claimed, result: Outcome) -> None:
        """A thread's posted parts go into the row's stored post with its update, in the same transaction:
        a retry passes them back to the channel (Post.progress), which continues after the last of them."""
        progress = getattr(result, "progress", None)
        if not isinstance(progress, ThreadProgress) or row.payload is None:
            return
        if not (progress.posted or progress.pending):
            return
        for update in reversed(self.updates):
            if update["row_id"] == row.id:
                update["new_payload"] = {**row.payload, "progress": asdict(progress)}
                return

    def _next(self, results: Iterator[Outcome]) -> Outcome:
        """The channel's next outcome; a missing one, or a channel that broke, is a transient error."""
        try:
            result = next(results)
        except StopIteration:
            return TransientError("the channel returned no outcome for this message")
        except Exception as exc:  # a bug or a full disk in the channel: counted as a failed attempt
            self.stream_broken = True  # the stream is over: the rest go back untried
            return TransientError(f"unexpected {type(exc).__name__} in channel: {exc}")
        if isinstance(result, ChannelError) and not isinstance(result, (TransientError, PermanentError)):
            return TransientError(str(result))
        return result

    def _setup_failed(self, rest: Sendable, error: SetupFailed) -> None:
        # A bad certificate or password fails every message alike: put them all back untried and pause the
        # campaign with the reason (record does), so fixing the setting and resuming loses nothing.
        self.outcome.errors.append(str(error))
        self.health.setup_failed = str(error)
        self._put_back(rest, error)

    def _transient(self, row: Claimed, error: TransientError) -> None:
        self.outcome.errors.append(str(error))
        if isinstance(error, ConnectionFailed):
            self.down_in_a_row += 1
            self.health.connection_failures += 1
            self.health.last_error = str(error)
        else:  # the server answered (a 4xx for this recipient): only this row waits
            self.down_in_a_row = 0
            self.health.heard_back()
        self._retry_later(row, error)

    def _retry_later(self, row: Claimed, error: TransientError) -> None:
        """Queue the row again after the server's wait or the backoff, or fail it once attempts run out."""
        if row.attempts + 1 >= self.settings.max_attempts:
            self._fail(row, f"gave up after {row.attempts + 1} attempts: {error}")
            return
        delay = error.retry_after
        if delay is None:
            delay = backoff(row.attempts + 1, self.settings.retry_base_seconds)
        retry_at = utcnow() + timedelta(seconds=delay)
        self.updates.append(row_update(row, RowState.QUEUED, retry_at=retry_at, error=str(error)))
        self.outcome.deferred += 1

    def _defer_untried(self, rest: Sendable, error: TransientError) -> None:
        # The server or network is down: put the rest back untried instead of burning attempts.
        self._put_back(rest, error, utcnow() + timedelta(seconds=backoff(1, self.settings.retry_base_seconds)))

    def _put_back(self, rest: Sendable, error: ChannelError, retry_at: datetime | None = None) -> None:
        for row, _ in rest:
            self.updates.append(row_update(row, RowState.QUEUED, attempted=False, retry_at=retry_at, error=str(error)))
            self.outcome.deferred += 1

    def _final(self, row: Claimed, result: Outcome) -> None:
        if isinstance(result, PermanentError):
            self._fail(row, str(result))
            self.outcome.errors.append(str(result))
            if isinstance(result, RecipientRejected):
                self.health.refused.append(Refusal(row.recipient_id, result.recipient, result.code, result.reply))
        elif isinstance(result, Result):
            self.updates.append(row_update(row, RowState.SENT, result=result))
            self.outcome.sent += 1
        else:
            raise TypeError(f"channel outcome must be a Result or ChannelError, not {type(result).__name__}")
        self.health.heard_back()
        self.down_in_a_row = 0

    def _fail(self, row: Claimed, error: str) -> None:
        self.updates.append(row_update(row, RowState.FAILED, error=error))
        self.outcome.failed += 1
