"""scheduled shares and posting queues: posting_slots, queued_posts

posting_slots holds each account's posting slots (the spec in its normal form and its time zone);
queued_posts the slots "Add to queue" took, one post per account and slot, each held by its scheduled share
campaign (deleted with it). A scheduled share itself is a share campaign in state "scheduled" with
campaigns.scheduled_at, as a scheduled send is (0007): nothing new in campaigns.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01
"""

from alembic import op
import sqlalchemy as sa


revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "posting_slots",
        sa.Column("account", sa.String(length=100), nullable=False),
        sa.Column("spec", sa.Text(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("account"),
    )
    op.create_table(
        "queued_posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(length=100), nullable=False),
        sa.Column("slot_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account", "slot_at", name="uq_queued_posts_slot"),
    )
    op.create_index("ix_queued_posts_campaign_id", "queued_posts", ["campaign_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_queued_posts_campaign_id", table_name="queued_posts")
    op.drop_table("queued_posts")
    op.drop_table("posting_slots")
