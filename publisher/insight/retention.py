"""The outbox over time (issue 17): a finished mail campaign's rows compacted into its totals, then dropped.

A digest (kind email) or a sequence step's mail (kind sequence) that is done or cancelled, and finished more
than PUBLISHER_OUTBOX_RETENTION_DAYS ago, keeps what its reports read from its outbox rows and loses the
rows (a row per reader: whom it was sent to, when, the server's answer):

1. One transaction locks the campaign, counts its rows by state and computes the figures its reports read
   from them (delivered and failed per receiving domain, the unsubscribes it may have caused, its average
   throughput) into campaign_totals. From then on every reader reads those instead (publisher.store.totals:
   status, the report, the dashboard, the bounce report, the timeline), so a report is the same before and
   after. On PostgreSQL a campaign with a partition of its own (publisher.store.partitions) loses it in that
   same transaction: a DROP TABLE, whatever the number of rows.
2. Otherwise (SQLite; a small campaign in PostgreSQL's default partition) the rows are deleted SLICE_ROWS
   at a time, a transaction each, so no write lock is held for long; campaigns.compacted_at is set once
   none is left.

Every step can be interrupted and run again: the totals are written once, a slice deletes what is left.
Share posts (their rows are the posts: a URL and the network's counts), confirmation mails and event
webhooks are kept: they are small, and their rows are what their pages show.

What a late event of a compacted campaign records: an open or click still counts (the tracked links are
kept, so the link still redirects); the time since delivery is no longer known, which only a click within
seconds of delivery would need. A late bounce is ignored with the reason (publisher.bounces.apply).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from publisher.campaigns.status import average_rate
from publisher.config import Settings
from publisher.errors import PublisherError
from publisher.insight.spread import delivered_by_domain, unsubscribed_from_rows
from publisher.states import FINISHED_ROWS, CampaignKind, CampaignState
from publisher.store import Store
from publisher.store.models import Campaign, CampaignTotals, OutboxRow, utcnow
from publisher.store.partitions import drop_partition, has_partition
from publisher.store.progress import load_campaign, rows_changed

COMPACTED_KINDS: tuple[CampaignKind, ...] = (CampaignKind.EMAIL, CampaignKind.SEQUENCE)
FINISHED: tuple[CampaignState, ...] = (CampaignState.DONE, CampaignState.CANCELLED)
SLICE_ROWS = 5_000  # rows one DELETE removes (SQLite, or PostgreSQL's default partition)
WORK_MEM = "64MB"  # PostgreSQL, for the totals' transaction: the join to a million readers' addresses in memory
SWEEP_SECONDS = 20.0  # what one sweep spends compacting at most; the next sweep goes on


@dataclass
class Compacted:
    """One campaign compacted: how many rows it had, and whether they went as a partition (PostgreSQL)."""

    campaign_id: int
    rows: int
    partition: bool = False
    finished: bool = True  # False: stopped by the time budget, rows left for the next run


def due(store: Store, *, now: datetime, older_than_days: float) -> list[int]:
    """The finished mail campaigns that finished at least `older_than_days` ago and are not compacted yet."""
    cutoff = now - timedelta(days=older_than_days)
    with store.session() as session:
        return list(
            session.scalars(
                select(Campaign.id)
                .where(
                    Campaign.kind.in_(COMPACTED_KINDS),
                    Campaign.state.in_(FINISHED),
                    Campaign.finished_at.is_not(None),
                    Campaign.finished_at <= cutoff,
                    Campaign.compacted_at.is_(None),
                )
                .order_by(Campaign.id)
            )
        )


def compact(
    store: Store,
    campaign_id: int,
    *,
    deadline: float | None = None,
    on_rows: Callable[[int], None] | None = None,
) -> Compacted | None:
    """Compact one finished mail campaign (see the module's text); None when another process is at it.

    deadline (time.monotonic()): stop deleting slices after it (finished=False; the next run goes on).
    on_rows(n): told how many rows each step removed, for a progress bar. PublisherError when the campaign
    is not a finished mail campaign.
    """
    with store.session() as session:
        campaign = _lock(session, campaign_id)
        if campaign is None:
            return None
        if campaign.compacted_at is not None:
            return Compacted(campaign_id, 0)
        totals = session.get(CampaignTotals, campaign_id) or write_totals(session, campaign)
        if has_partition(session, campaign_id):
            drop_partition(session, campaign_id)
            campaign.compacted_at = utcnow()
            if on_rows is not None:
                on_rows(totals.rows)
            return Compacted(campaign_id, totals.rows, partition=True)
    while True:
        with store.session() as session:
            ids = select(OutboxRow.id).where(OutboxRow.campaign_id == campaign_id).limit(SLICE_ROWS)
            gone = rows_changed(session, delete(OutboxRow).where(OutboxRow.id.in_(ids.scalar_subquery())))
        if on_rows is not None and gone:
            on_rows(gone)
        if gone < SLICE_ROWS:
            break
        if deadline is not None and time.monotonic() > deadline:
            return Compacted(campaign_id, totals.rows, finished=False)
    with store.session() as session:
        if session.scalar(select(OutboxRow.id).where(OutboxRow.campaign_id == campaign_id).limit(1)) is not None:
            return Compacted(campaign_id, totals.rows, finished=False)  # another process's slice was short
        load_campaign(session, campaign_id).compacted_at = utcnow()
    return Compacted(campaign_id, totals.rows)


def compact_due(
    store: Store,
    settings: Settings,
    *,
    now: datetime | None = None,
    older_than_days: float | None = None,
    time_budget: float | None = SWEEP_SECONDS,
) -> list[Compacted]:
    """Compact every campaign due (PUBLISHER_OUTBOX_RETENTION_DAYS, or older_than_days), within time_budget
    seconds (None: no limit); what was compacted. A retention of 0 days (the setting) compacts nothing."""
    days = settings.outbox_retention_days if older_than_days is None else older_than_days
    if older_than_days is None and days == 0:
        return []
    deadline = None if time_budget is None else time.monotonic() + time_budget
    done: list[Compacted] = []
    for campaign_id in due(store, now=now or utcnow(), older_than_days=days):
        if deadline is not None and time.monotonic() > deadline:
            break
        result = compact(store, campaign_id, deadline=deadline)
        if result is not None:
            done.append(result)
    return done


def rows_of(store: Store, campaign_id: int) -> int:
    """How many outbox rows the campaign has now (for a progress bar's total)."""
    with store.session() as session:
        return int(session.scalar(select(func.count()).where(OutboxRow.campaign_id == campaign_id)) or 0)


def _lock(session: Session, campaign_id: int) -> Campaign | None:
    """The campaign, row-locked (PostgreSQL: skipped when another process holds it), once checked."""
    campaign = session.scalar(select(Campaign).where(Campaign.id == campaign_id).with_for_update(skip_locked=True))
    if campaign is None:
        if session.get(Campaign, campaign_id) is None:
            load_campaign(session, campaign_id)  # NotFound
        return None
    if campaign.kind not in COMPACTED_KINDS:
        raise PublisherError(f"campaign {campaign_id} is a {campaign.kind} campaign: only mail campaigns are compacted")
    if campaign.state not in FINISHED or campaign.finished_at is None:
        raise PublisherError(f"campaign {campaign_id} is {campaign.state}: only a done or cancelled one is compacted")
    return campaign


def write_totals(session: Session, campaign: Campaign) -> CampaignTotals:
    """The first step of compact(): the campaign's counts and report figures, from its rows, into campaign_totals."""
    if session.get_bind().dialect.name == "postgresql":  # a hash of every reader's address, not in batches on disk
        session.execute(text(f"SET LOCAL work_mem = '{WORK_MEM}'"))
    counts: dict[str, int] = {}
    channels: dict[str, dict[str, int]] = {}  # the metrics' sent counter goes on counting them (insight.metrics)
    finished, first, last = 0, None, None  # the average throughput, as publisher.campaigns.status counts it
    for channel, state, n, earliest, latest in session.execute(
        select(
            OutboxRow.channel,
            OutboxRow.state,
            func.count(),
            func.min(OutboxRow.updated_at),
            func.max(OutboxRow.updated_at),
        )
        .where(OutboxRow.campaign_id == campaign.id)
        .group_by(OutboxRow.channel, OutboxRow.state)
    ):
        counts[state] = counts.get(state, 0) + int(n)
        channels.setdefault(channel, {})[state] = int(n)
        if state in FINISHED_ROWS:
            finished += int(n)
            first = earliest if first is None or (earliest is not None and earliest < first) else first
            last = latest if last is None or (latest is not None and latest > last) else last
    started = campaign.scheduled_at or campaign.created_at
    figures = {
        "channels": channels,
        "domains": delivered_by_domain(session, campaign.id),
        "unsubscribed": unsubscribed_from_rows(session, campaign, started),
        "average_per_s": average_rate(finished, first, last),
    }
    totals = CampaignTotals(
        campaign_id=campaign.id,
        counts=counts,
        figures=figures,
        rows=sum(counts.values()),
    )
    session.add(totals)
    session.flush()
    return totals
