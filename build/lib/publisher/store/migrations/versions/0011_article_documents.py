"""article documents: articles.body (versioned JSON blocks) and articles.lang

Each existing article's sections become its document here, in the migration: a section's heading a
level-2 heading block, each paragraph a paragraph block holding its text, so an article reads the same
before and after. Written out as plain JSON, not through publisher.articles, so that this revision keeps
meaning what it meant when later versions of the model change. Existing articles take the configured
PUBLISHER_LANGUAGE (default "en"). The sections column stays, still written, for older readers.

Revision ID: 0011
Revises: 0010
Create Date: 2027-01-10
"""

from __future__ import annotations

import re
from typing import Any

from alembic import op
import sqlalchemy as sa


revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_BATCH = 500
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,4}")


def document_of(sections: Any) -> dict[str, Any]:
    """Version 1 of the document format, from the sections JSON of migration 0001."""
    blocks: list[dict[str, Any]] = []
    for section in sections or []:
        heading = section.get("heading")
        if heading:
            blocks.append({"type": "heading", "level": 2, "children": [{"type": "text", "text": heading}]})
        for paragraph in section.get("paragraphs") or []:
            blocks.append({"type": "paragraph", "children": [{"type": "text", "text": paragraph}]})
    return {"version": 1, "blocks": blocks}


def _language() -> str:
    try:
        from publisher.config import Settings

        language = Settings().language
    except Exception:  # settings that do not validate are reported by the process, not by a migration
        return "en"
    return language if _LANGUAGE_TAG.fullmatch(language) else "en"


def upgrade() -> None:
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("body", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("lang", sa.String(length=35), nullable=False, server_default="en"))

    articles = sa.table(
        "articles", sa.column("id", sa.Integer()), sa.column("sections", sa.JSON()), sa.column("body", sa.JSON())
    )
    bind = op.get_bind()
    language = _language()
    if language != "en":
        bind.execute(sa.text("UPDATE articles SET lang = :lang").bindparams(lang=language))
    last = 0
    while True:
        rows = bind.execute(
            sa.select(articles.c.id, articles.c.sections)
            .where(articles.c.id > last)
            .order_by(articles.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            break
        bind.execute(
            sa.update(articles).where(articles.c.id == sa.bindparam("row_id")).values(body=sa.bindparam("doc")),
            [{"row_id": row.id, "doc": document_of(row.sections)} for row in rows],
        )
        last = rows[-1].id


def downgrade() -> None:
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_column("lang")
        batch_op.drop_column("body")
