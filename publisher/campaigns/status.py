"""A campaign's status, read from the outbox itself: counts per row state, throughput, and a watch loop.

A compacted campaign (publisher.insight.retention) has no rows left to list: its counts and average
throughput are the ones kept in campaign_totals, and `compacted_at` says since when.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from publisher.states import FINISHED_ROWS, PENDING_ROWS, CampaignState
from publisher.store import Store
from publisher.store.models import OutboxRow, utcnow
from publisher.store.progress import load_campaign, row_counts
from publisher.store.totals import totals_of

THROUGHPUT_WINDOW_SECONDS = 60
# watch() stops once a campaign is in one of these: nothing more happens without an operator.
_STOPPED = (CampaignState.CANCELLED, CampaignState.PAUSED)


@dataclass
class CampaignStatus:
    id: int
    kind: str
    state: str
    subject: str
    counts: dict[str, int]
    created_at: datetime
    finished_at: datetime | None
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    pause_reason: str | None = None
    # Rows finished (sent, failed or suppressed) per second: over the last minute, and since the first one.
    throughput_per_s: float = 0.0
    average_per_s: float = 0.0
    scheduled_at: datetime | None = None  # when a scheduled send starts (or started), in UTC
    article_ids: list[int] = field(default_factory=list)  # the campaign's articles, in order
    compacted_at: datetime | None = None  # its rows were compacted into totals (no deliveries to list)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def pending(self) -> int:
        return sum(self.counts[s] for s in PENDING_ROWS)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["created_at"] = self.created_at.isoformat()
        data["finished_at"] = self.finished_at.isoformat() if self.finished_at else None
        data["scheduled_at"] = self.scheduled_at.isoformat() if self.scheduled_at else None
        data["compacted_at"] = self.compacted_at.isoformat() if self.compacted_at else None
        data["total"] = self.total
        return data


def status(store: Store, campaign_id: int, *, with_deliveries: bool = False) -> CampaignStatus:
    """Counts per outbox state, read from the outbox itself."""
    with store.session() as session:
        campaign = load_campaign(session, campaign_id)
        counts = row_counts(session, campaign_id)
        kept = totals_of(session, campaign_id)
        if kept is not None:
            deliveries: list[dict[str, Any]] = []
            throughput = {"throughput_per_s": 0.0, "average_per_s": float(kept.figures.get("average_per_s", 0.0))}
        else:
            deliveries = _deliveries(session, campaign_id) if with_deliveries else []
            throughput = _throughput(session, campaign_id)
        return CampaignStatus(
            id=campaign.id,
            kind=campaign.kind,
            state=campaign.state,
            subject=campaign.subject,
            counts=counts,
            created_at=campaign.created_at,
            finished_at=campaign.finished_at,
            deliveries=deliveries,
            pause_reason=campaign.pause_reason,
            **throughput,
            scheduled_at=campaign.scheduled_at,
            article_ids=[link.article_id for link in campaign.articles],
            compacted_at=campaign.compacted_at,
        )


def watch(
    store: Store, campaign_id: int, *, timeout: float | None = None, interval: float = 0.25
) -> Iterator[CampaignStatus]:
    """Yield the campaign's status every interval until no row is pending, it pauses or is cancelled, or
    the timeout passes; the last status yielded is the final word. Interfaces draw progress from it."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        state = status(store, campaign_id)
        yield state
        if state.pending == 0 or state.state in _STOPPED:
            return
        if deadline is not None and time.monotonic() > deadline:
            return
        time.sleep(interval)


def _deliveries(session: Session, campaign_id: int, limit: int = 100) -> list[dict[str, Any]]:
    """The first rows of the campaign with where each went (a share's post URL) or why it did not."""
    rows = session.execute(
        select(OutboxRow.channel, OutboxRow.state, OutboxRow.url, OutboxRow.provider_id, OutboxRow.error)
        .where(OutboxRow.campaign_id == campaign_id)
        .order_by(OutboxRow.id)
        .limit(limit)
    )
    return [dict(r._mapping) for r in rows]


def average_rate(total: int, first: datetime | None, last: datetime | None) -> float:
    """Finished rows per second between the first and the last one finished (what a compacted campaign keeps)."""
    average = 0.0
    if total and first is not None and last is not None:
        span = (last - first).total_seconds()
        average = total / span if span > 0 else float(total)
    return round(average, 1)


def _throughput(session: Session, campaign_id: int) -> dict[str, float]:
    """Finished rows per second over the last minute, and on average since the first one finished."""
    since = utcnow() - timedelta(seconds=THROUGHPUT_WINDOW_SECONDS)
    row = session.execute(
        select(
            func.count(),
            func.sum(case((OutboxRow.updated_at >= since, 1), else_=0)),
            func.min(OutboxRow.updated_at),
            func.max(OutboxRow.updated_at),
        ).where(OutboxRow.campaign_id == campaign_id, OutboxRow.state.in_(FINISHED_ROWS))
    ).one()
    total, recent, first, last = row[0] or 0, row[1] or 0, row[2], row[3]
    return {
        "throughput_per_s": round(recent / THROUGHPUT_WINDOW_SECONDS, 1),
        "average_per_s": average_rate(total, first, last),
    }
