"""Public pages readers see: the article archive and each article at a stable URL."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, HTMLResponse
from sqlalchemy import select

from publisher import editing, publication
from publisher.articles import Article
from publisher.articles import blocks as doc
from publisher.library import get_article
from publisher.render.blocks_html import cover_image, render_html
from publisher.render.email import article_url
from publisher.render.links import page_share_context
from publisher.store import Store
from publisher.store.models import ArticleRow
from publisher.web.deps import get_settings, get_store, page
from publisher.web.reader_lists import reader_lists

router = APIRouter()
FAVICON = Path(__file__).resolve().parent.parent / "static" / "favicon.svg"


@router.get("/healthz", include_in_schema=False)
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> FileResponse:
    """For what asks /favicon.ico rather than reading the pages' <link rel=icon> (the mail's own HTML at
    /digests/ID, feed readers): the same SVG."""
    return FileResponse(FAVICON, media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"})


@router.get("/", response_class=HTMLResponse)
def index(request: Request, store: Store = Depends(get_store)) -> HTMLResponse:
    """The archive: newest articles first."""
    return page(request, "index.html.j2", {"articles": editing.public_articles(store, limit=50)})


@router.get("/articles/{slug}", response_class=HTMLResponse)
def article_page(slug: str, request: Request, store: Store = Depends(get_store)) -> HTMLResponse:
    """One article at its stable URL: title, the summary once, the date, the cover, the body, a subscribe box.

    A cover (the first image) that opens the body leads the page above it, shown once; one further down stays
    where the author put it. The summary is left out when the body opens with it (it was cut from there).
    """
    with store.session() as session:
        article_id = session.scalar(select(ArticleRow.id).where(ArticleRow.slug == slug))
    if article_id is None or not editing.is_public(store, article_id):  # a draft is not there for readers
        return page(request, "not_found.html.j2", {"what": "article"}, status_code=404)
    article = get_article(store, article_id)
    settings = publication.effective(store, get_settings(request))
    cover = cover_image(article.blocks)
    hero = cover if article.blocks and article.blocks[0] is cover else None  # further down, it stays put
    since = editing.public_since(store, article_id)
    share = page_share_context(article, settings, image_url=cover.src if cover else None)
    if since is not None:
        share["share_meta"] = [*share["share_meta"], ("property", "article:published_time", _iso(since))]  # type: ignore[misc]
    lists = reader_lists(store, settings)
    context = {
        "article": article,
        "url": article_url(settings, article),
        "cover": render_html((hero,), web=True) if hero is not None else None,
        "body": render_html(tuple(b for b in article.blocks if b is not hero), web=True),
        "show_summary": not _opens_with_summary(article),
        "since": since,
        "since_iso": _iso(since) if since else None,
        "page_lang": article.lang,
        "signup_list": lists.offered[0] if len(lists.offered) == 1 else None,
        "signup_open": bool(lists.offered),
        **share,
    }
    return page(request, "article.html.j2", context)


def _iso(moment: datetime) -> str:
    """ISO 8601 with its offset (stored times are UTC, naive in SQLite)."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat(timespec="seconds")


def _opens_with_summary(article: Article) -> bool:
    """The body's first paragraph already says the summary (it was cut from it), so the page shows it once."""
    first = next((b for b in article.blocks if isinstance(b, doc.Paragraph)), None)
    if first is None or not article.summary.strip():
        return False
    said = " ".join(doc.flat_text(first.children).split())
    return said.startswith(" ".join(article.summary.removesuffix("…").split()))
