"""bounce report indexes: the Bounces page and `publisher subscribers bounces --report` read indexes only

Two covering indexes on bounce_events, so the report's GROUP BY queries (publisher.bounces.stats) scan a
compact index in order instead of the table with its diagnostics: per campaign (campaign_id, kind, reason,
domain, received_at: the campaigns table, the totals and the sender-side alarms) and per receiving domain
(domain, reason, received_at). The first replaces ix_bounce_events_campaign_kind (campaign_id, kind), which
it starts with, so every query that used that one (the alarms' count) uses it, and SQLite's planner, which
has no statistics before an ANALYZE, cannot pick the narrow one and read the table row by row. On a million
events (SQLite) the report's scans take ~0.4 s of CPU instead of ~5 s of table reads
(python -m benchmarks.bounce_report).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01
"""

from alembic import op


revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("bounce_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_bounce_events_campaign_reason",
            ["campaign_id", "kind", "reason", "domain", "received_at"],
            unique=False,
        )
        batch_op.create_index("ix_bounce_events_domain_reason", ["domain", "reason", "received_at"], unique=False)
        batch_op.drop_index("ix_bounce_events_campaign_kind")


def downgrade() -> None:
    with op.batch_alter_table("bounce_events", schema=None) as batch_op:
        batch_op.create_index("ix_bounce_events_campaign_kind", ["campaign_id", "kind"], unique=False)
        batch_op.drop_index("ix_bounce_events_domain_reason")
        batch_op.drop_index("ix_bounce_events_campaign_reason")
