"""Public pages readers see: the article archive and each article at a stable URL."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from publisher import editing
from publisher.library import get_article
from publisher.render.blocks_html import cover_image, render_html
from publisher.render.email import article_url
from publisher.render.links import page_share_context
from publisher.store import Store
from publisher.store.models import ArticleRow
from publisher.web.deps import get_settings, get_store, page

router = APIRouter()


@router.get("/healthz", include_in_schema=False)
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/", response_class=HTMLResponse)
def index(request: Request, store: Store = Depends(get_store)) -> HTMLResponse:
    """The archive: newest articles first."""
    return page(request, "index.html.j2", {"articles": editing.public_articles(store, limit=50)})


@router.get("/articles/{slug}", response_class=HTMLResponse)
def article_page(slug: str, request: Request, store: Store = Depends(get_store)) -> HTMLResponse:
    """One article at its stable URL."""
    with store.session() as session:
        article_id = session.scalar(select(ArticleRow.id).where(ArticleRow.slug == slug))
    if article_id is None or not editing.is_public(store, article_id):  # a draft is not there for readers
        return page(request, "not_found.html.j2", {"what": "article"}, status_code=404)
    article = get_article(store, article_id)
    settings = get_settings(request)
    cover = cover_image(article.blocks)
    context = {
        "article": article,
        "url": article_url(settings, article),
        "body": render_html(article.blocks, web=True),
        "page_lang": article.lang,
        **page_share_context(article, settings, image_url=cover.src if cover else None),
    }
    return page(request, "article.html.j2", context)
