"""The editor's Channels page: every channel, "Test connection", the doctor's checks, and the accounts added here.

Accounts added on this page (administrators) are stored encrypted (publisher.channels.stored, .vault) and
listed with PUBLISHER_ACCOUNTS'. A secret typed into a form is never rendered back, logged or put in an
error: the page shows at most "saved, ends in …4f2a".
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from publisher.channels import share_channels, social_accounts, stored
from publisher.channels.check import check_channel
from publisher.channels.registry import network
from publisher.config import Settings
from publisher.errors import PublisherError
from publisher.web.channel_forms import FORMS, account_name, account_url
from publisher.web.deps import get_settings, get_store, page
from publisher.web.security import AdminPage, CheckedForm, Editor, EditorContext, require_editor
from publisher.web.share_time import SlotInfo, slot_infos

router = APIRouter(prefix="/editor", include_in_schema=False, dependencies=[Depends(require_editor)])
log = logging.getLogger(__name__)


def _channel_rows(request: Request) -> tuple[list[dict[str, str]], str]:
    """Every channel with what it is for, and a problem with the accounts (or "").

    Built from the parsed accounts' public parts only (network, host, Bluesky handle): never a secret. When
    the accounts cannot be read (a bad PUBLISHER_ACCOUNTS, a name in both places, a changed key), the email
    channel is still listed and the problem is shown, so an account added here can still be removed.
    """
    settings = get_settings(request)
    rows = [{"name": settings.email_channel, "use": "email digests", "network": "", "where": "", "check": ""}]
    problem = ""
    try:
        names = share_channels(settings)
        accounts = social_accounts(settings)
    except PublisherError as exc:
        names, accounts, problem = [], {}, str(exc)
    added = {a.name for a in stored.listed(get_store(request))}
    for name in names:
        if name == rows[0]["name"]:
            rows[0]["use"] = "email digests and share posts"
            continue
        account = accounts.get(name)
        row = {"name": name, "use": "share posts", "network": name, "where": "", "check": "opens and closes"}
        if account is not None:
            declared = network(account.network)
            row.update(network=account.network, where=declared.describe(account), check=declared.check.summary)
            row["source"] = "editor" if name in added else "settings"
        rows.append(row)
    if not rows[0]["check"]:
        rows[0]["check"] = "opens and closes"
    if rows[0]["name"] == "smtp":  # SMTP security (extra-tls): the check really connects
        rows[0]["check"] = "connects, TLS and login as configured, sends nothing"
        rows[0]["where"] = f"{settings.smtp_host} ({settings.smtp_security})"
    return rows, problem


def _channels_context(request: Request, ctx: EditorContext, **extra: object) -> dict[str, object]:
    rows, problem = _channel_rows(request)
    settings: Settings = get_settings(request)
    return {
        "ctx": ctx,
        "rows": rows,
        "problem": problem,
        "added": stored.listed(get_store(request)),
        "forms": list(FORMS.values()),
        "can_store": settings.secret_key is not None and bool(settings.secret_key.get_secret_value()),
        "result": None,
        "findings": None,
        "saved": None,
        "errors": [],
        "posting_slots": _posting_slots(request, rows),  # issue 14: shown read-only by _posting_slots.html.j2
        **extra,
    }


def _posting_slots(request: Request, rows: list[dict[str, str]]) -> list[SlotInfo]:
    """Each social account's posting slots and next free one (web/share_time.py)."""
    return slot_infos(get_store(request), [row["name"] for row in rows if row.get("network")])


@router.get("/channels", response_class=HTMLResponse)
def channels_page(request: Request, ctx: Editor) -> Response:
    return page(request, "editor/channels.html.j2", _channels_context(request, ctx))


@router.post("/channels/add")
def add_account(request: Request, form: CheckedForm, ctx: AdminPage) -> Response:
    """Store a new account, encrypted; the page then says where it posts and how its secret ends, no more."""
    kind = str(form.get("network") or "")
    values = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    try:
        name = account_name(kind, values.get("label", ""))
        saved = stored.add(
            get_store(request), get_settings(request), name, account_url(kind, values), added_by=ctx.editor.username
        )
    except PublisherError as exc:
        return page(
            request, "editor/channels.html.j2", _channels_context(request, ctx, errors=[str(exc)]), status_code=422
        )
    log.info("account %r (%s) added in the editor by %s", saved.name, saved.network, ctx.editor.username)
    return page(request, "editor/channels.html.j2", _channels_context(request, ctx, saved=saved))


@router.post("/channels/{name}/remove")
def remove_account(name: str, request: Request, form: CheckedForm, ctx: AdminPage) -> Response:
    try:
        stored.remove(get_store(request), name)
    except PublisherError as exc:
        return page(request, "editor/channels.html.j2", _channels_context(request, ctx, errors=[str(exc)]), 404)
    log.info("account %r removed in the editor by %s", name, ctx.editor.username)
    removed = {"name": name, "ok": True, "message": "removed; posts already made stay where they are"}
    return page(request, "editor/channels.html.j2", _channels_context(request, ctx, result=removed))


@router.post("/channels/{name}/test")
def test_channel(name: str, request: Request, form: CheckedForm, ctx: Editor) -> Response:
    """Check the channel (publisher.channels.check): social accounts sign in without posting."""
    known = {row["name"] for row in _channel_rows(request)[0]}
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
