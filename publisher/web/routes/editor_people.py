"""Editor pages: the dashboard, subscribers (search, add, CSV import, export), channels.

API tokens and the administrators' People page are in editor_accounts.py."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from publisher import editing, subscribers
from publisher.accounts import Account
from publisher.channels import share_channels, social_accounts
from publisher.channels.check import check_channel
from publisher.config import Settings
from publisher.errors import PublisherError
from publisher.web import dashboard as dashboard_data
from publisher.web import limits
from publisher.web.deps import get_settings, get_store, page
from publisher.web.security import AdminPage, CheckedForm, Editor, EditorContext, require_editor
from publisher.web.share_time import slot_infos

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
        report = subscribers.add_to_list(get_store(request), list_name, people, source="web")
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


# --- channels ---------------------------------------------------------------------------------------------


def _channel_rows(request: Request) -> list[dict[str, str]]:
    """Every channel with what it is for; social accounts with their network and where they post.

    Built from the parsed accounts' public parts only (network, host, Bluesky handle): never a secret.
    """
    settings = get_settings(request)
    rows = [{"name": settings.email_channel, "use": "email digests", "network": "", "where": "", "check": ""}]
    accounts = _accounts(settings)
    for name in share_channels(settings):
        if name == rows[0]["name"]:
            rows[0]["use"] = "email digests and share posts"
            continue
        account = accounts.get(name)
        row = {"name": name, "use": "share posts", "network": name, "where": "", "check": "opens and closes"}
        if account is not None:
            row["network"] = account.network
            row["where"] = _where(account)
            row["check"] = "opens and closes" if account.network == "webhook" else "signs in, posts nothing"
        rows.append(row)
    if not rows[0]["check"]:
        rows[0]["check"] = "opens and closes"
    if rows[0]["name"] == "smtp":  # SMTP security (extra-tls): the check really connects
        rows[0]["check"] = "connects, TLS and login as configured, sends nothing"
        rows[0]["where"] = f"{settings.smtp_host} ({settings.smtp_security})"
    return rows


def _accounts(settings: Settings) -> dict[str, Account]:
    try:
        return social_accounts(settings)
    except PublisherError:  # a bad PUBLISHER_ACCOUNTS: share_channels would have raised first; be safe
        return {}


def _where(account: Account) -> str:
    if account.network == "x":
        return "X (api.twitter.com)" if "api" not in account.options else "X API at a custom URL"
    if account.network == "bluesky":
        return f"{account.user} on {account.host}"
    if account.network == "webhook":
        return f"{account.variant} webhook on {account.host}" if account.host else f"{account.variant} webhook"
    return account.host


@router.get("/channels", response_class=HTMLResponse)
def channels_page(request: Request, ctx: Editor) -> Response:
    return page(request, "editor/channels.html.j2", _channels_context(request, ctx))


def _channels_context(request: Request, ctx: EditorContext, **extra: object) -> dict[str, object]:
    rows = _channel_rows(request)
    # Posting slots (issue 14, web/share_time.py): shown read-only by _posting_slots.html.j2.
    slots = slot_infos(get_store(request), share_channels(get_settings(request)))
    return {"ctx": ctx, "rows": rows, "result": None, "findings": None, "posting_slots": slots, **extra}


@router.post("/channels/{name}/test")
def test_channel(name: str, request: Request, form: CheckedForm, ctx: Editor) -> Response:
    """Check the channel (publisher.channels.check): social accounts sign in without posting."""
    known = {row["name"] for row in _channel_rows(request)}
    if name not in known:
        return page(request, "not_found.html.j2", {"what": "channel"}, status_code=404)
    result = check_channel(name, get_settings(request))
    return page(request, "editor/channels.html.j2", _channels_context(request, ctx, result=result))


@router.post("/channels/doctor")
async def run_doctor(request: Request, form: CheckedForm, ctx: AdminPage) -> Response:
    """`publisher doctor`'s checks, on demand (administrators): verdicts and messages, never paths or hosts."""
    from publisher.doctor import run_checks  # lazy: each check imports what it talks to

    findings = await run_in_threadpool(run_checks, get_settings(request))
    return page(request, "editor/channels.html.j2", _channels_context(request, ctx, findings=findings))
