"""insight: campaigns.tracking, tracked_links, tracking_events, tracking_recent, post_metrics

campaigns.tracking freezes the publication's tracking mode (off | aggregate | individual) when a campaign is
made; NULL for the campaigns made before, which tracked nothing. tracked_links holds each campaign's links by
position (the only URLs a click may redirect to); tracking_events one row per open or click with its
verdict, naming the subscriber only in mode individual (erased with them); tracking_recent one day of keyed
hashes for deduplication; post_metrics a share post's likes, reposts and replies as read back.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01
"""

from alembic import op
import sqlalchemy as sa



revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("campaigns") as batch:
        batch.add_column(sa.Column("tracking", sa.String(length=20), nullable=True))
    op.create_table(
        "tracked_links",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("honeypot", sa.Boolean(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("campaign_id", "position"),
    )
    op.create_table(
        "tracking_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("position", sa.Integer(), nullable=True),
        sa.Column("verdict", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("sketch", sa.Integer(), nullable=False),
        sa.Column("subscriber_id", sa.Integer(), nullable=True),
        sa.Column("domain", sa.String(length=255), server_default="", nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["subscriber_id"], ["subscribers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_tracking_events_campaign_kind", "tracking_events", ["campaign_id", "kind", "verdict", "at"], unique=False
    )
    op.create_index("ix_tracking_events_subscriber", "tracking_events", ["subscriber_id"], unique=False)
    op.create_table(
        "tracking_recent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("position", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_tracking_recent_digest", "tracking_recent", ["digest", "at"], unique=False)
    op.create_table(
        "post_metrics",
        sa.Column("outbox_id", sa.Integer(), nullable=False),
        sa.Column("likes", sa.Integer(), nullable=True),
        sa.Column("reposts", sa.Integer(), nullable=True),
        sa.Column("replies", sa.Integer(), nullable=True),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["outbox_id"], ["outbox.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("outbox_id"),
    )


def downgrade() -> None:
    op.drop_table("post_metrics")
    op.drop_index("ix_tracking_recent_digest", table_name="tracking_recent")
    op.drop_table("tracking_recent")
    op.drop_index("ix_tracking_events_subscriber", table_name="tracking_events")
    op.drop_index("ix_tracking_events_campaign_kind", table_name="tracking_events")
    op.drop_table("tracking_events")
    op.drop_table("tracked_links")
    with op.batch_alter_table("campaigns") as batch:
        batch.drop_column("tracking")
