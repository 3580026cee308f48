"""publishes.submission: one Publish per Publish form (issue 16, helper E)

The editor's Publish button carries a random token; the publish it makes keeps it, and the unique index
makes a second publish from the same form impossible (a double click or a reload lands on the first one),
as campaigns.submission does for the Send form (0010).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02
"""

from alembic import op
import sqlalchemy as sa


revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("publishes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("submission", sa.String(length=64), nullable=True))
    op.create_index("ix_publishes_submission", "publishes", ["submission"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_publishes_submission", table_name="publishes")
    with op.batch_alter_table("publishes", schema=None) as batch_op:
        batch_op.drop_column("submission")
