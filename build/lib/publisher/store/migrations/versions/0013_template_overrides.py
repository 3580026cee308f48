"""the publication's template overrides (template_overrides)

One row per overridden template (email/digest.html.j2, email/digest.txt.j2): the editor's source, stored only
after it compiled and rendered in the sandbox. No row: the shipped template under templates/.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""

from alembic import op
import sqlalchemy as sa


revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "template_overrides",
        sa.Column("name", sa.String(length=100), primary_key=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("template_overrides")
