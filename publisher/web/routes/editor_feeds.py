"""The editor's Feeds page (issue 16): the feeds polled for new articles, added, removed and polled now.

Each row shows the last poll, its HTTP status, the last error (a feed backing off says why) and the next
poll. "Poll now" polls in the request, as `publisher feeds poll ID` does, and shows what it imported.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from publisher.automation import feeds
from publisher.channels import share_channels
from publisher.errors import PublisherError
from publisher.store.models import MailingList
from publisher.web.deps import DbId, get_services, page
from publisher.web.security import CheckedForm, Editor, EditorContext, require_editor

router = APIRouter(prefix="/editor", include_in_schema=False, dependencies=[Depends(require_editor)])


def poll_summary(result: feeds.PollResult) -> str:
    """What a poll did, in words (the page's notice, the API's `summary`)."""
    if result.error:
        return f"Feed {result.feed_id}: {result.error}"
    if result.not_modified:
        return f"Feed {result.feed_id}: not modified since the last poll (304); nothing imported."
    more = f"; {result.deferred} left for the next poll" if result.deferred else ""
    bad = f"; {result.failed} could not be imported" if result.failed else ""
    return f"Feed {result.feed_id}: {result.imported} imported, {result.skipped} seen before{more}{bad}."


def _feeds_page(
    request: Request, ctx: EditorContext, *, error: str = "", notice: str = "", form: dict[str, object] | None = None
) -> Response:
    services = get_services(request)
    with services.store.read_session() as session:
        lists = list(session.scalars(select(MailingList.name).order_by(MailingList.name)))
    context = {
        "ctx": ctx,
        "feeds": feeds.list_feeds(services.store),
        "lists": lists,
        "accounts": share_channels(services.settings),
        "show_every": feeds.show_every,
        "error": error,
        "notice": notice,
        "form": form or {"url": "", "list": "", "share": [], "every": "15m"},
    }
    return page(request, "editor/feeds.html.j2", context, status_code=422 if error else 200)


@router.get("/feeds", response_class=HTMLResponse)
def feeds_page(request: Request, ctx: Editor) -> Response:
    return _feeds_page(request, ctx)


@router.post("/feeds")
def add_feed(request: Request, form: CheckedForm, ctx: Editor) -> Response:
    url, list_name = str(form.get("url") or "").strip(), str(form.get("list") or "")
    share, every = [str(a) for a in form.getlist("share")], str(form.get("every") or "15m").strip()
    try:
        feed_id = feeds.add_feed(get_services(request), url, list_name=list_name or None, share=share, every=every)
    except PublisherError as exc:
        chosen: dict[str, object] = {"url": url, "list": list_name, "share": share, "every": every}
        return _feeds_page(request, ctx, error=str(exc), form=chosen)
    return _feeds_page(request, ctx, notice=f"Feed {feed_id} added; the workers' sweep polls it within a minute.")


@router.post("/feeds/{feed_id}/poll")
def poll_feed(feed_id: DbId, request: Request, form: CheckedForm, ctx: Editor) -> Response:
    try:
        result = feeds.poll(get_services(request), feed_id)
    except PublisherError as exc:
        return _feeds_page(request, ctx, error=str(exc))
    if result.error:
        return _feeds_page(request, ctx, error=poll_summary(result))
    return _feeds_page(request, ctx, notice=poll_summary(result))


@router.post("/feeds/{feed_id}/remove")
def remove_feed(feed_id: DbId, request: Request, form: CheckedForm, ctx: Editor) -> Response:
    try:
        feeds.remove_feed(get_services(request).store, feed_id)
    except PublisherError as exc:
        return _feeds_page(request, ctx, error=str(exc))
    return RedirectResponse("/editor/feeds", status_code=303)
