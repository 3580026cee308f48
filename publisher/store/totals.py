"""What a compacted campaign's reports read instead of its outbox rows (issue 17, migration 0023).

publisher.campaigns.retention fills a row here, marks the campaign (campaigns.compacted_at) and drops its
outbox rows in one transaction: a reader sees either the rows or the totals, never neither.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

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
