"""the digest composer: campaign_lists (a digest to several lists) and users.email (Send a test to me)

campaign_lists names every list a digest goes to, in the editor's order; campaigns.list_id keeps the first,
so everything that reads one list (older code, the archive, the duplicate-send rule) still works. A
campaign with no campaign_lists rows (every one made before) goes to its list_id alone. users.email is
where "Send a test to me" mails the editor.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01
"""

from alembic import op
import sqlalchemy as sa


revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "campaign_lists",
        sa.Column("campaign_id", sa.Integer(), sa.ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("list_id", sa.Integer(), sa.ForeignKey("lists.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("position", sa.Integer(), nullable=False, server_default="0"),
    )
    op.create_index("ix_campaign_lists_list_id", "campaign_lists", ["list_id"])
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=320), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("email")
    op.drop_index("ix_campaign_lists_list_id", table_name="campaign_lists")
    op.drop_table("campaign_lists")
