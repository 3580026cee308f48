"""delivery: campaign pause/progress columns, rate buckets (suppressions come with 0003)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from alembic import op
import sqlalchemy as sa


revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pause_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("failure_streak", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("progress_at", sa.DateTime(timezone=True), nullable=True))

    op.create_table(
        "rate_buckets",
        sa.Column("channel", sa.String(length=100), nullable=False),
        sa.Column("tokens", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("channel"),
    )


def downgrade() -> None:
    op.drop_table("rate_buckets")
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_column("progress_at")
        batch_op.drop_column("failure_streak")
        batch_op.drop_column("pause_reason")
