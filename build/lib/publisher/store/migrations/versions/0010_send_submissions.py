"""campaigns.submission (one campaign per Send form) and pause reasons without the word "paused"

campaigns.submission holds the random token of the editor's Send form that made the campaign; its unique
index makes a second campaign from the same form impossible (issue 18 item 3).

A pause reason is shown after "paused:" (`publisher status`, the campaign page, the API), so it no longer
starts with "paused" itself (issue 18 item 15); reasons stored before lose that word here.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from alembic import op
import sqlalchemy as sa


revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("submission", sa.String(length=64), nullable=True))
    op.create_index("ix_campaigns_submission", "campaigns", ["submission"], unique=True)
    # "paused: the channel ..." -> "the channel ...", "paused after 3 ..." -> "after 3 ...".
    op.execute("UPDATE campaigns SET pause_reason = substr(pause_reason, 9) WHERE pause_reason LIKE 'paused: %'")
    op.execute("UPDATE campaigns SET pause_reason = substr(pause_reason, 8) WHERE pause_reason LIKE 'paused %'")


def downgrade() -> None:
    op.drop_index("ix_campaigns_submission", table_name="campaigns")
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_column("submission")
