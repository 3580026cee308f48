"""Editor pages: the dashboard, subscribers (search, add, CSV import, export).

API tokens and the administrators' People page are in editor_accounts.py; channels in editor_channels.py."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from publisher import editing, privacy, subscribers
from publisher.errors import PublisherError
from publisher.web import dashboard as dashboard_data
from publisher.web import limits
from publisher.web.deps import DbId, get_store, page
from publisher.web.security import CheckedForm, Editor, EditorContext, require_editor

router = APIRouter(prefix="/editor", include_in_schema=False, dependencies=[Depends(require_editor)])


@router.get("", response_class=HTMLResponse)
def dashboard(request: Request, ctx: Editor) -> Response:
    store = get_store(request)
    return page(
        request,
        "editor/dashboard.html.j2",
        {
            "ctx": ctx,
            "sends": dashboard_data.recent_sends(store, limit=8),
            "import_open": not dashboard_data.imported_today(store),
            "shares": editing.recent_campaigns(store, "share", limit=8),
            "lists": editing.lists_with_sizes(store),
            "articles": editing.list_article_infos(store, limit=5),
        },
    )


# --- subscribers ------------------------------------------------------------------------------------------


def _subscribers_page(
    request: Request, ctx: EditorContext, *, message: str = "", errors: list[str] | None = None, status_code: int = 200
) -> Response:
    store = get_store(request)
    query = request.query_params.get("q", "")[:200]
    list_name = request.query_params.get("list", "")[:200]
    return page(
        request,
        "editor/subscribers.html.j2",
        {
            "ctx": ctx,
            "q": query,
            "list_name": list_name,
            "people": editing.search_subscribers(store, query, list_name),
            "lists": editing.lists_with_sizes(store),
            "message": message,
            "errors": errors or [],
        },
        status_code=status_code,
    )


@router.get("/subscribers", response_class=HTMLResponse)
def subscribers_page(request: Request, ctx: Editor) -> Response:
    return _subscribers_page(request, ctx)


@router.post("/subscribers/add", max_body_size=limits.ADDRESSES)
def add_subscribers(request: Request, form: CheckedForm, ctx: Editor) -> Response:
    addresses = [a for a in str(form.get("emails") or "").replace(",", "\n").splitlines() if a.strip()]
    list_name = str(form.get("list") or "").replace("\x00", "").strip()
    try:
        if not addresses:
            raise PublisherError("enter at least one address")
        people = subscribers.parse_addresses(
            addresses,
            name=str(form.get("name") or "").strip()[:200],  # a line break or NUL is refused
        )
        report = subscribers.add_to_list(get_store(request), list_name, people, source="web", welcome=True)
    except PublisherError as exc:
        return _subscribers_page(request, ctx, errors=[str(exc)], status_code=422)
    return _subscribers_page(
        request, ctx, message=f"{report.added} added to {list_name}, {report.already} already there"
    )


@router.post("/subscribers/import", max_body_size=limits.CSV)
async def import_subscribers(request: Request, form: CheckedForm, ctx: Editor) -> Response:
    upload = form.get("file")
    data = await upload.read() if isinstance(upload, UploadFile) and upload.filename else None
    filename = upload.filename if isinstance(upload, UploadFile) else None
    # Reading and storing 100,000 rows takes seconds: in a worker thread, so every other request still runs.
    return await run_in_threadpool(_import_csv, request, ctx, form, data, filename or "")


def _import_csv(request: Request, ctx: EditorContext, form: FormData, data: bytes | None, filename: str) -> Response:
    list_name = str(form.get("list") or "").replace("\x00", "").strip()
    skip_bad = form.get("skip_bad") == "yes"
    try:
        if data is None:
            raise PublisherError("choose a CSV file to import")
        report = editing.read_csv_bytes(data, filename)
        if report.errors and not skip_bad:
            return _subscribers_page(
                request,
                ctx,
                errors=[f"{len(report.errors)} bad rows; nothing imported (tick “skip bad rows” to import the rest)"]
                + report.errors,
                status_code=422,
            )
        added = subscribers.add_to_list(get_store(request), list_name, report.people, source=f"csv:{filename}")
    except PublisherError as exc:
        return _subscribers_page(request, ctx, errors=[str(exc)], status_code=422)
    message = f"{added.added} added to {list_name}, {added.already} already there, {len(report.errors)} skipped"
    return _subscribers_page(request, ctx, message=message, errors=report.errors)


@router.get("/subscribers/export")
def export_subscribers(request: Request, list: str) -> Response:  # noqa: A002 - the query parameter's name
    body = editing.export_csv(get_store(request), list)
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in list)[:60] or "list"
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{safe}.csv"'},
    )


@router.get("/subscribers/{subscriber_id}", response_class=HTMLResponse)
def subscriber_page(request: Request, subscriber_id: DbId, ctx: Editor) -> Response:
    """One subscriber: their address and, from campaigns in tracking mode individual, their opens and clicks."""
    found = privacy.reader_activity(get_store(request), subscriber_id)
    if found is None:
        return page(request, "not_found.html.j2", {"what": "subscriber"}, status_code=404)
    return page(request, "editor/subscriber.html.j2", {"ctx": ctx, "person": found})
