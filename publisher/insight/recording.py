"""Opens and clicks written in batches (issue 17): what publisher.insight.capture answered, recorded afterwards.

The pixel and the redirect are answered from what the token and a small cache say (capture.py); each event
is then an `Arrival` (the token, what the request said, when it came) appended to the process's `Recorder`.
Its thread writes what has gathered every PUBLISHER_TRACKING_FLUSH_SECONDS (or as soon as MAX_BATCH are
waiting), and the app's shutdown writes the rest. A batch is one transaction of a few reads whatever its
size: the messages' delivery times (`sent_times`: the one read of the outbox), the readers' addresses, the
tracking_recent rows of the batch's messages; then the events and their tracking_recent rows, one COPY
each on PostgreSQL (one multi-row INSERT each elsewhere). The deduplication and the verdicts are those of
one event at a time (publisher.insight.verdicts): the batch's own earlier events count as recent for its later ones.

What a crash can lose: the events of at most one flush interval (those still in memory). A write error
loses that batch (logged, with its size); the readers already had their pages. A flush interval of 0
writes each event before its answer goes (one transaction per event: the tests' setting, and a small
site's). Erased readers (no subscriber row left) record nothing; a share post's link (recipient 0) takes its
delivery time and network from the post's outbox row (`post_sent`).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Integer, String, and_, any_, bindparam, insert, or_, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import InstrumentedAttribute, Session

from publisher.channels.account import network_of
from publisher.insight.verdicts import Facts, verdict
from publisher.states import RowState
from publisher.store.insight import TrackingEvent, TrackingRecent
from publisher.store.models import OutboxRow, Subscriber
from publisher.store.types import aware_utc
from publisher.tracking import Mode, reader_hash, sketch_of
from publisher.tracking_tokens import POST_RECIPIENT, Token

log = logging.getLogger(__name__)

DEDUP_WINDOW = timedelta(minutes=1)
MAX_BATCH = 500  # events written in one transaction; more waiting wakes the writer at once
MAX_PENDING = 50_000  # events held in one process at most (the database is away): beyond, new ones are dropped


@dataclass(frozen=True)
class Hit:
    """What the route knows of a request (used for the verdict, then dropped)."""

    method: str
    user_agent: str
    ip: str


@dataclass(frozen=True)
class Arrival:
    """One open or click as it arrived, with what the link cache said of it."""

    token: Token
    hit: Hit
    at: datetime
    mode: Mode
    honeypot: bool = False


@dataclass
class Rows:
    """What one batch writes."""

    events: list[dict[str, Any]] = field(default_factory=list)
    recent: list[dict[str, Any]] = field(default_factory=list)


class Keys:
    """The keyed hashes of the recording (built once from the secret key)."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        key = hashlib.sha256(f"publisher-tracking-recent\0{secret}".encode()).digest()
        self._recent = hmac.new(key, digestmod=hashlib.sha256)

    def visitor(self, arrival: Arrival) -> int:
        """Who the event is of: the recipient; for a post (recipient 0), a keyed hash of the day's IP and agent."""
        token, hit = arrival.token, arrival.hit
        if token.recipient_id != POST_RECIPIENT:
            return token.recipient_id
        mac = self._recent.copy()
        mac.update(f"visitor:{arrival.at.date().isoformat()}:{hit.ip}\0{hit.user_agent}".encode())
        return int.from_bytes(mac.digest()[:8], "big") or 1

    def digest(self, token: Token, visitor: int, at: datetime) -> str:
        mac = self._recent.copy()
        mac.update(f"{token.campaign_id}:{visitor}:{at.date().isoformat()}".encode())
        return mac.hexdigest()


def _among(session: Session, column: InstrumentedAttribute[Any], values: Iterable[int | str]) -> ColumnElement[bool]:
    """`column IN values`; on PostgreSQL `column = ANY(:array)`, one parameter, so that the statement's text is
    the same whatever the batch's size (psycopg parses a new text on every execution: a tenth of the writer's
    CPU time, in the profile, went there)."""
    ordered = sorted(values)
    if session.get_bind().dialect.name != "postgresql":
        return column.in_(ordered)
    kind = String() if ordered and isinstance(ordered[0], str) else Integer()
    return column == any_(bindparam(None, ordered, type_=ARRAY(kind)))


def sent_times(session: Session, messages: Iterable[tuple[int, int]]) -> dict[tuple[int, int], datetime]:
    """When each (campaign, recipient) message was sent (its outbox row's last update in state sent).

    The recording's only read of a reader's outbox row: kept here, alone, so the outbox's layout can change
    under it (compaction keeps what this needs, or this reads the compacted form)."""
    by_campaign: dict[int, set[int]] = defaultdict(set)
    for campaign_id, recipient_id in messages:
        by_campaign[campaign_id].add(recipient_id)
    if not by_campaign:
        return {}
    rows = session.execute(
        select(OutboxRow.campaign_id, OutboxRow.recipient_id, OutboxRow.updated_at).where(
            OutboxRow.state == RowState.SENT,
            or_(
                *(
                    and_(OutboxRow.campaign_id == c, _among(session, OutboxRow.recipient_id, r))
                    for c, r in by_campaign.items()
                )
            ),
        )
    )
    found: dict[tuple[int, int], datetime] = {}
    for campaign_id, recipient_id, updated_at in rows:
        if updated_at is None:
            continue
        at = aware_utc(updated_at)
        key = (campaign_id, recipient_id)
        if key not in found or at > found[key]:
            found[key] = at
    return found


def post_sent(session: Session, campaign_id: int, position: int) -> tuple[datetime | None, str] | None:
    """A share post's link: the channel's outbox row (the link's position names it, the n-th row of recipient 0
    by id) gives the sent time and the network; None: no such post (nothing recorded)."""
    row = session.execute(
        select(OutboxRow.channel, OutboxRow.state, OutboxRow.updated_at)
        .where(OutboxRow.campaign_id == campaign_id, OutboxRow.recipient_id == POST_RECIPIENT)
        .order_by(OutboxRow.id)
        .offset(max(position - 1, 0))
        .limit(1)
    ).first()
    if row is None:
        return None
    sent_at = aware_utc(row.updated_at) if row.state == RowState.SENT and row.updated_at else None
    return sent_at, network_of(row.channel)


def _domains(session: Session, recipient_ids: set[int]) -> dict[int, str]:
    """The receiving domain of each reader still there (an erased one is missing)."""
    if not recipient_ids:
        return {}
    rows = session.execute(select(Subscriber.id, Subscriber.email).where(_among(session, Subscriber.id, recipient_ids)))
    return {sid: str(email).rpartition("@")[2].lower() for sid, email in rows}


def _recent(session: Session, digests: set[str], since: datetime) -> dict[str, list[tuple[str, datetime]]]:
    found: dict[str, list[tuple[str, datetime]]] = defaultdict(list)
    if digests:
        rows = session.execute(
            select(TrackingRecent.digest, TrackingRecent.kind, TrackingRecent.at).where(
                _among(session, TrackingRecent.digest, digests), TrackingRecent.at >= since
            )
        )
        for digest, kind, at in rows:
            found[digest].append((kind, aware_utc(at)))
    return found


def rows_of(session: Session, keys: Keys, arrivals: Sequence[Arrival], early_click_seconds: float) -> Rows:
    """The rows a batch of arrivals (in arrival order) writes: a few reads, then each event decided in turn."""
    arrivals = [a for a in arrivals if a.mode != Mode.OFF]
    readers = [a for a in arrivals if a.token.recipient_id != POST_RECIPIENT]
    messages = {(a.token.campaign_id, a.token.recipient_id) for a in readers}
    sent = sent_times(session, messages)
    domains = _domains(session, {a.token.recipient_id for a in readers})
    posts = {
        (a.token.campaign_id, a.token.position): post_sent(session, a.token.campaign_id, a.token.position)
        for a in arrivals
        if a.token.recipient_id == POST_RECIPIENT and a.token.kind == "click"
    }
    visitors = [keys.visitor(a) for a in arrivals]
    digests = [keys.digest(a.token, v, a.at) for a, v in zip(arrivals, visitors, strict=True)]
    since = min((a.at for a in arrivals), default=None)
    recent = _recent(session, set(digests), since - DEDUP_WINDOW) if since is not None else {}
    rows = Rows()
    for arrival, visitor, digest in zip(arrivals, visitors, digests, strict=True):
        token = arrival.token
        post = token.recipient_id == POST_RECIPIENT
        if post:
            if token.kind != "click" or posts.get((token.campaign_id, token.position)) is None:
                continue  # an open names no post; a link of no post records nothing
            sent_at, domain = posts[(token.campaign_id, token.position)]  # type: ignore[misc]
        else:
            if token.recipient_id not in domains:
                continue  # the reader was erased: nothing of them is recorded
            sent_at, domain = sent.get((token.campaign_id, token.recipient_id)), domains[token.recipient_id]
        now = arrival.at
        window = [(kind, at) for kind, at in recent[digest] if now - DEDUP_WINDOW <= at <= now]
        if token.kind == "open" and any(kind == "open" for kind, _ in window):
            continue  # the same message's pixel again within a minute: counted once
        clicks = [(now - at).total_seconds() for kind, at in window if kind == "click"]
        since_delivery = (now - sent_at).total_seconds() if sent_at is not None else None
        hit = arrival.hit
        facts = Facts(
            token.kind,
            hit.method,
            hit.user_agent,
            hit.ip,
            since_delivery,
            clicks,
            arrival.honeypot,
            early_click_seconds,
        )
        is_, reason = verdict(facts)
        position = token.position if token.kind == "click" else None
        rows.events.append(
            {
                "campaign_id": token.campaign_id,
                "kind": token.kind,
                "position": position,
                "verdict": is_,
                "reason": reason,
                "sketch": sketch_of(reader_hash(keys.secret, token.campaign_id, visitor)),
                "subscriber_id": token.recipient_id if arrival.mode == Mode.INDIVIDUAL and not post else None,
                "domain": domain or "",
                "at": now,
            }
        )
        rows.recent.append({"digest": digest, "kind": token.kind, "position": position, "at": now})
        recent[digest].append((token.kind, now))  # the batch's later events see this one
    return rows


def insert_rows(session: Session, rows: Rows) -> None:
    """The events and their tracking_recent rows: on PostgreSQL one COPY each (a fifth of the CPU time of an
    INSERT of 500 rows through SQLAlchemy, measured), elsewhere one multi-row INSERT each."""
    postgres = session.get_bind().dialect.name == "postgresql"
    for table, values in ((TrackingEvent.__table__, rows.events), (TrackingRecent.__table__, rows.recent)):
        if not values:
            continue
        if postgres:
            _copy(session, str(table.name), values)  # type: ignore[attr-defined]
        else:
            session.execute(insert(table), values)  # type: ignore[arg-type]


def _copy(session: Session, table: str, values: list[dict[str, Any]]) -> None:
    """COPY rows (dicts of one shape; the names are this module's own, never the request's) into a table."""
    columns = list(values[0])
    cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in values:
                copy.write_row([row[c] for c in columns])
    finally:
        cursor.close()


class Recorder:
    """The process's pending arrivals and the thread that writes them, `write(batch)` at a time, in order.

    `interval` 0: `add` writes at once, in the caller's thread. Otherwise a thread (started with the first
    arrival) writes every `interval` seconds, or when `max_batch` are waiting; `flush` writes what is waiting
    now (the tests', and shutdown's); `close` flushes and stops the thread."""

    def __init__(
        self,
        write: Callable[[list[Arrival]], None],
        interval: float,
        *,
        max_batch: int = MAX_BATCH,
        max_pending: int = MAX_PENDING,
    ) -> None:
        self._write = write
        self.interval = interval
        self.max_batch = max_batch
        self.max_pending = max_pending
        self.dropped = 0  # arrivals refused because max_pending were waiting
        self._pending: list[Arrival] = []
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._writing = threading.Lock()  # one batch at a time, in arrival order
        self._thread: threading.Thread | None = None
        self._closed = False

    def add(self, arrival: Arrival) -> None:
        """Take one arrival (written now when the interval is 0, else by the thread)."""
        if self.interval <= 0:
            with self._writing:
                self._write_logged([arrival])
            return
        with self._lock:
            if len(self._pending) >= self.max_pending:
                self.dropped += 1
                if self.dropped == 1 or self.dropped % 10_000 == 0:
                    log.warning(
                        "tracking events not recorded: %d waiting already (%d dropped)", self.max_pending, self.dropped
                    )
                return
            self._pending.append(arrival)
            if len(self._pending) >= self.max_batch:
                self._wake.notify()
            if self._thread is None and not self._closed:
                self._thread = threading.Thread(target=self._run, name="publisher-tracking", daemon=True)
                self._thread.start()

    def pending(self) -> int:
        with self._lock:
            return len(self._pending)

    def flush(self) -> int:
        """Write every arrival waiting now (in batches of max_batch); how many were taken."""
        taken = 0
        with self._writing:
            while True:
                with self._lock:
                    batch, self._pending = self._pending[: self.max_batch], self._pending[self.max_batch :]
                if not batch:
                    return taken
                taken += len(batch)
                self._write_logged(batch)

    def close(self) -> None:
        """Write what is waiting and stop the thread (the app's shutdown)."""
        with self._lock:
            self._closed = True
            thread, self._thread = self._thread, None
            self._wake.notify()
        if thread is not None:
            thread.join()
        self.flush()

    def _write_logged(self, batch: list[Arrival]) -> None:
        try:
            self._write(batch)
        except Exception:  # the readers had their pages; the count is what is lost
            campaigns = sorted({a.token.campaign_id for a in batch})
            log.exception("could not record %d tracking events of campaigns %s", len(batch), campaigns[:10])

    def _run(self) -> None:
        while True:
            with self._lock:
                if not self._closed and len(self._pending) < self.max_batch:
                    self._wake.wait(self.interval)
                closed = self._closed
            if closed:
                return  # close() flushes the rest
            self.flush()
