"""sequences: campaigns.sequence_step_id, the step a campaign of kind "sequence" was rendered for

Editing a step renders it into a new campaign; a reader who has a row in any campaign of the step (the
current one or an earlier rendering) is not mailed that step again. Plain integer, no foreign key:
sequence_steps already points at campaigns, and a removed step leaves its campaigns' history as it was.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02
"""

from alembic import op
import sqlalchemy as sa


revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("campaigns") as batch:
        batch.add_column(sa.Column("sequence_step_id", sa.Integer(), nullable=True))
    op.create_index("ix_campaigns_sequence_step_id", "campaigns", ["sequence_step_id"])


def downgrade() -> None:
    op.drop_index("ix_campaigns_sequence_step_id", table_name="campaigns")
    with op.batch_alter_table("campaigns") as batch:
        batch.drop_column("sequence_step_id")
