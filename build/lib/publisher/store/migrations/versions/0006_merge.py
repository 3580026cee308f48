"""merge the delivery (0002), consent (0003) and web (0005) branches into one head

Revision ID: 0006
Revises: 0002, 0003, 0005
Create Date: 2026-11-26
"""

revision = "0006"
down_revision = ("0002", "0003", "0005")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
