"""The editor's one Publish (issue 16): the button on the article page, and the one timeline page of a publish.

The article page's Publish form comes with the publication's publish defaults ticked (the lists to mail, the
accounts to share to, full or summary) and a random submission token: one click publishes, mails and shares
(publisher.automation.publish), and the same form posted twice (a double click, a reload) lands on the same
publish. The timeline page shows the state at load without JavaScript, and publish.js polls its JSON
every 2 s until it is final.
"""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy import select

from publisher import editing, library
from publisher.automation.publish import Choice, defaults, publish
from publisher.automation.timeline import timeline
from publisher.channels import share_channels
from publisher.errors import PublisherError
from publisher.runtime import Services
from publisher.store.automation import PublishRow
from publisher.store.models import ArticleRow
from publisher.web.deps import DbId, get_services, get_store, page
from publisher.web.errors import word
from publisher.web.security import CheckedForm, Editor, EditorContext, require_editor

router = APIRouter(prefix="/editor", include_in_schema=False, dependencies=[Depends(require_editor)])

POLL_SECONDS = 2
CONTENT = {"full": True, "summary": False}


def publish_form(services: Services) -> dict[str, Any]:
    """What the article page's Publish form offers: every list and account, the defaults ticked, a fresh token."""
    chosen = defaults(services)
    return {
        "lists": [item.name for item in editing.lists_with_sizes(services.store)],
        "accounts": share_channels(services.settings),
        "chosen": chosen,
        "submission": secrets.token_urlsafe(24),
    }


@router.post("/articles/{article_id}/publishes")
def publish_article(article_id: DbId, request: Request, form: CheckedForm, ctx: Editor) -> Response:
    """Publish with what the form ticked; bad input shows the Publish form again, naming the problem."""
    services = get_services(request)
    library.get_article(services.store, article_id)  # an unknown article is a 404
    lists = [v for v in form.getlist("list") if isinstance(v, str)]
    accounts = [v for v in form.getlist("account") if isinstance(v, str)]
    content = str(form.get("content") or "full")
    submission = form.get("submission")
    try:
        if content not in CONTENT:
            raise PublisherError(f"unknown content {content[:40]!r}; choose full or summary")
        publish_id = publish(
            services,
            article_id,
            lists=lists,
            accounts=accounts,
            full=CONTENT[content],
            by=ctx.editor.username,
            submission=submission if isinstance(submission, str) else None,
        )
    except PublisherError as exc:  # an unknown list or account, a bad token: nothing happened
        return _form_page(request, ctx, article_id, lists, accounts, content, word(exc, api=False))
    return RedirectResponse(f"/editor/publishes/{publish_id}", status_code=303)


@router.get("/articles/{article_id}/publishes", response_class=HTMLResponse)
def publish_form_page(article_id: DbId, request: Request, ctx: Editor) -> Response:
    """The Publish form on a page of its own (what the article page's Publish button posts), defaults ticked."""
    chosen = defaults(get_services(request))
    content = "full" if chosen.full else "summary"
    return _form_page(request, ctx, article_id, chosen.lists, chosen.accounts, content, "", status_code=200)


def _form_page(
    request: Request,
    ctx: EditorContext,
    article_id: int,
    lists: list[str],
    accounts: list[str],
    content: str,
    error: str,
    status_code: int = 422,
) -> Response:
    services = get_services(request)
    article = library.get_article(services.store, article_id)
    form = publish_form(services)
    form["chosen"] = Choice(lists, accounts, CONTENT.get(content, True))
    return page(
        request,
        "editor/publish_new.html.j2",
        {"ctx": ctx, "article": article, "publish": form, "error": error},
        status_code=status_code,
    )


@router.get("/publishes", response_class=HTMLResponse)
def publishes(request: Request, ctx: Editor) -> Response:
    """Recent publishes, newest first, each linking to its timeline."""
    with get_store(request).session() as session:
        rows = session.execute(
            select(PublishRow.id, PublishRow.created_at, PublishRow.created_by, ArticleRow.title)
            .join(ArticleRow, ArticleRow.id == PublishRow.article_id)
            .order_by(PublishRow.id.desc())
            .limit(100)
        ).all()
    return page(request, "editor/publishes.html.j2", {"ctx": ctx, "rows": rows})


@router.get("/publishes/{publish_id}.json")
def publish_json(publish_id: DbId, request: Request) -> Response:
    """The timeline as JSON: polled by the timeline page every 2 s until `final`."""
    return JSONResponse(timeline(get_store(request), publish_id).to_dict())


@router.get("/publishes/{publish_id}", response_class=HTMLResponse)
def publish_page(publish_id: DbId, request: Request, ctx: Editor) -> Response:
    found = timeline(get_store(request), publish_id)
    return page(
        request,
        "editor/publish.html.j2",
        {"ctx": ctx, "t": found, "poll_seconds": POLL_SECONDS},
    )
