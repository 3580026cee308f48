"""the publication's settings (publication_settings) and each campaign's sender identity (campaigns.identity)

publication_settings holds what an editor changed on the Settings page or through the API, one row per
field (the environment gives every field's first value; a row overrides it). campaigns.identity freezes,
when a campaign is made, the sender it goes out as (From, Reply-To, the publication's name for List-Id),
so a worker never reads the publication and a later change never reaches mail already rendered.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

from alembic import op
import sqlalchemy as sa


revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "publication_settings",
        sa.Column("key", sa.String(length=50), primary_key=True),
        sa.Column("value", sa.JSON(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
    )
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("identity", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_column("identity")
    op.drop_table("publication_settings")
