"""The dashboard's recent sends: date, the lists, and the sent and failed counts of each digest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select

from publisher.states import CampaignKind, RowState
from publisher.store import Store
from publisher.store.models import ArticleRow, Campaign, CampaignList, MailingList, OutboxRow
from publisher.store.totals import totals_for


@dataclass(frozen=True)
class RecentSend:
    id: int
    subject: str
    state: str
    at: datetime  # when it was scheduled for, else made
    lists: list[str]
    sent: int
    failed: int


def recent_sends(store: Store, limit: int = 8) -> list[RecentSend]:
    """The newest digests, with the lists they went to and how many messages were sent and failed."""
    with store.session() as session:
        rows = session.scalars(
            select(Campaign).where(Campaign.kind == CampaignKind.EMAIL).order_by(Campaign.id.desc()).limit(limit)
        ).all()
        ids = [c.id for c in rows]
        counts: dict[tuple[int, str], int] = {
            (cid, state): n
            for cid, state, n in session.execute(
                select(OutboxRow.campaign_id, OutboxRow.state, func.count())
                .where(OutboxRow.campaign_id.in_(ids))
                .group_by(OutboxRow.campaign_id, OutboxRow.state)
            )
        }
        for cid, kept in totals_for(session, ids).items():  # compacted (publisher.insight.retention)
            counts.update({(cid, state): int(n) for state, n in kept.counts.items()})
        names: dict[int, list[str]] = {}
        for cid, name in session.execute(
            select(CampaignList.campaign_id, MailingList.name)
            .join(MailingList, MailingList.id == CampaignList.list_id)
            .where(CampaignList.campaign_id.in_(ids))
            .order_by(CampaignList.campaign_id, CampaignList.position)
        ):
            names.setdefault(cid, []).append(name)
        return [
            RecentSend(
                c.id,
                c.subject,
                c.state,
                c.scheduled_at or c.created_at,
                names.get(c.id) or ([c.mailing_list.name] if c.mailing_list is not None else []),
                counts.get((c.id, RowState.SENT), 0),
                counts.get((c.id, RowState.FAILED), 0),
            )
            for c in rows
        ]


def imported_today(store: Store, now: datetime | None = None) -> bool:
    """Whether an article was imported (or written) today, UTC: the dashboard's Import form is open if not."""
    today = (now or datetime.now(UTC)).date()
    with store.session() as session:
        latest = session.scalar(select(func.max(ArticleRow.created_at)))
    if latest is None:
        return False
    latest = latest if latest.tzinfo else latest.replace(tzinfo=UTC)
    return latest.astimezone(UTC).date() == today
