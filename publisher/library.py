"""The article library: store imported articles and read them back."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from publisher.articles import Article, Block, Section, blocks_from_sections, from_json, sections_of, to_json
from publisher.errors import NotFound
from publisher.store import Store, event_points
from publisher.store.models import ArticleRow, utcnow


def _to_article(row: ArticleRow) -> Article:
    if row.body is not None:
        blocks = from_json(row.body)
    else:  # written by a process older than migration 0010
        blocks = blocks_from_sections([Section(s["heading"], tuple(s["paragraphs"])) for s in row.sections])
    return Article(
        id=row.id,
        title=row.title,
        slug=row.slug,
        summary=row.summary,
        source=row.source,
        blocks=blocks,
        lang=row.lang,
    )


def write_document(row: ArticleRow, blocks: Sequence[Block]) -> None:
    """Put a document on its row: the body, and the plain-text sections still kept beside it."""
    row.body = to_json(blocks)
    row.sections = [{"heading": s.heading, "paragraphs": list(s.paragraphs)} for s in sections_of(blocks)]


def _free_slug(session: Session, slug: str, taken: set[str]) -> str:
    candidate, n = slug, 1
    while candidate in taken or session.scalar(select(ArticleRow.id).where(ArticleRow.slug == candidate)):
        n += 1
        candidate = f"{slug}-{n}"
    taken.add(candidate)
    return candidate


def save_articles(store: Store, articles: Sequence[Article]) -> list[tuple[int, bool]]:
    """Store articles in one transaction; returns (id, created) per article, in order.

    An article whose source bytes were imported before is not stored again: its existing id comes back.
    """
    out: list[tuple[int, bool]] = []
    taken: set[str] = set()
    with store.session() as session:
        for article in articles:
            sha = article.source.get("sha256", "")
            existing = session.scalar(select(ArticleRow.id).where(ArticleRow.sha256 == sha)) if sha else None
            if existing is not None:
                out.append((existing, False))
                continue
            row = ArticleRow(
                title=article.title,
                slug=_free_slug(session, article.slug, taken),
                summary=article.summary,
                source=article.source,
                sha256=sha,
                lang=article.lang,
            )
            write_document(row, article.blocks)
            session.add(row)
            session.flush()
            out.append((row.id, True))
    return out


def get_articles(session: Session, ids: Sequence[int]) -> list[Article]:
    """Articles by id, in the order asked; NotFound names every id that does not exist."""
    rows = {r.id: r for r in session.scalars(select(ArticleRow).where(ArticleRow.id.in_(ids)))}
    missing = [i for i in ids if i not in rows]
    if missing:
        raise NotFound(f"no article with id {', '.join(map(str, missing))}")
    return [_to_article(rows[i]) for i in ids]


def get_article(store: Store, article_id: int) -> Article:
    with store.session() as session:
        return get_articles(session, [article_id])[0]


def list_articles(store: Store, limit: int = 100) -> list[Article]:
    with store.session() as session:
        rows = session.scalars(select(ArticleRow).order_by(ArticleRow.id.desc()).limit(limit))
        return [_to_article(r) for r in rows]


def set_published(store: Store, article_id: int, published: bool) -> datetime | None:
    """Publish (the article appears in the public archive) or take it back to draft; returns published_at.

    The one copy of this rule: the editor's and the API's Publish (publisher.editing.set_published) and the
    one Publish action of issue 16 (publisher.automation.publish) both call it. Publishing again keeps the
    first time.
    """
    with store.session() as session:
        row = session.get(ArticleRow, article_id)
        if row is None:
            raise NotFound(f"no article with id {article_id}")
        if published and row.published_at is None:
            row.published_at = utcnow()
            event_points.article_published(session, row)  # issue 16: in the same transaction
        elif not published:
            row.published_at = None
        return row.published_at
