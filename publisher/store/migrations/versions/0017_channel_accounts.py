"""channel accounts added in the editor (channel_accounts), their secrets encrypted

One row per social account added on the Channels page: its account URL sealed with AES-GCM under a key
derived from PUBLISHER_SECRET_KEY (publisher.channels.vault); only the name, network, where it posts and a
four-character hint are in clear.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01
"""

from alembic import op
import sqlalchemy as sa


revision = "0017"
# 0016 (scheduled shares) is made on another branch at the same time; renumbered onto it when merged.
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "channel_accounts",
        sa.Column("name", sa.String(length=100), primary_key=True),
        sa.Column("network", sa.String(length=20), nullable=False),
        sa.Column("sealed", sa.Text(), nullable=False),
        sa.Column("posts_to", sa.String(length=300), nullable=False, server_default=""),
        sa.Column("hint", sa.String(length=8), nullable=False, server_default=""),
        sa.Column("added_by", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("channel_accounts")
