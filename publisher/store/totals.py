"""What a compacted campaign's reports read instead of its outbox rows (issue 17, migration 0023).

publisher.insight.retention writes a row here in the transaction that reads the campaign's rows, then drops
them (a partition at once on PostgreSQL, else slice by slice) and marks the campaign (campaigns.compacted_at)
once none is left. From the moment this row exists, every reader of the campaign's rows reads it instead:
whatever of the rows is left, a report shows the same figures.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from publisher.store.base import Base, utcnow


class CampaignTotals(Base):
    """A compacted campaign's figures: rows by state, and what each report read from its rows."""

    __tablename__ = "campaign_totals"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True)
    counts: Mapped[dict[str, Any]] = mapped_column(JSON)  # rows by state (publisher.states.RowState), all states
    # What the reports read from the rows (publisher.campaigns.retention.FIGURES): sent per domain, throughput...
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)
    rows: Mapped[int] = mapped_column(Integer)  # the outbox rows dropped
    made_at: Mapped[datetime] = mapped_column(default=utcnow)


def totals_of(session: Session, campaign_id: int) -> CampaignTotals | None:
    """The campaign's totals once it is being compacted (its rows may be partly gone: read these instead)."""
    return session.get(CampaignTotals, campaign_id)


def totals_for(session: Session, campaign_ids: Collection[int]) -> dict[int, CampaignTotals]:
    """The totals of those of these campaigns that have some, by campaign id."""
    if not campaign_ids:
        return {}
    rows = session.scalars(select(CampaignTotals).where(CampaignTotals.campaign_id.in_(list(campaign_ids))))
    return {row.campaign_id: row for row in rows}
