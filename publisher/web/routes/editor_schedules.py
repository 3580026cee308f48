"""The editor's Recurring digests page (/editor/schedules): add, pause, resume and remove a list's schedules,
see each one's next run (in its zone and UTC) and its latest runs, and set what cadences readers may choose.

Every change is a POST with the session's CSRF token (CheckedForm); bad input re-renders the page with the
message that names it (422), keeping what was typed.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from publisher.automation import recurring
from publisher.errors import PublisherError
from publisher.states import CADENCES
from publisher.web.deps import DbId, get_services, get_store, page
from publisher.web.security import CheckedForm, Editor, EditorContext, require_editor

router = APIRouter(prefix="/editor", include_in_schema=False, dependencies=[Depends(require_editor)])
_TYPED = ("list", "spec", "timezone", "cadence", "subject", "full")  # the add form's fields, kept on an error


def _page(
    request: Request, ctx: EditorContext, *, error: str = "", typed: dict[str, str] | None = None, notice: str = ""
) -> HTMLResponse:
    s = get_services(request)
    context: dict[str, Any] = {
        "ctx": ctx,
        "schedules": recurring.list_schedules(s.store),
        "lists": recurring.list_cadences(s.store),
        "cadences": CADENCES,
        "default_zone": s.settings.schedule_timezone,
        "error": error,
        "notice": notice,
        "typed": {key: "" for key in _TYPED} | (typed or {}),
    }
    return page(request, "editor/schedules.html.j2", context, status_code=422 if error else 200)


@router.get("/schedules", response_class=HTMLResponse)
def schedules_page(request: Request, ctx: Editor) -> Response:
    return _page(request, ctx)


@router.post("/schedules")
def add_schedule(request: Request, form: CheckedForm, ctx: Editor) -> Response:
    typed = {key: str(form.get(key) or "") for key in _TYPED}
    s = get_services(request)
    full = {"full": True, "summaries": False}.get(typed["full"])
    options: dict[str, Any] = {"full": full}
    if form.get("no_share"):
        options["auto_share"] = False
    try:
        recurring.add_schedule(
            s.store,
            typed["list"],
            typed["spec"],
            typed["timezone"].strip() or None,
            cadence=typed["cadence"] or None,
            subject_template=typed["subject"],
            options=options,
            default_tz=s.settings.schedule_timezone,
            now=s.clock.now(),
        )
    except PublisherError as exc:
        return _page(request, ctx, error=str(exc), typed=typed)
    return RedirectResponse("/editor/schedules", status_code=303)


@router.post("/schedules/{schedule_id}/pause")
def pause_schedule(schedule_id: DbId, request: Request, form: CheckedForm, ctx: Editor) -> Response:
    recurring.pause(get_store(request), schedule_id)
    return RedirectResponse("/editor/schedules", status_code=303)


@router.post("/schedules/{schedule_id}/resume")
def resume_schedule(schedule_id: DbId, request: Request, form: CheckedForm, ctx: Editor) -> Response:
    s = get_services(request)
    recurring.resume(s.store, schedule_id, now=s.clock.now())
    return RedirectResponse("/editor/schedules", status_code=303)


@router.post("/schedules/{schedule_id}/remove")
def remove_schedule(schedule_id: DbId, request: Request, form: CheckedForm, ctx: Editor) -> Response:
    recurring.remove(get_store(request), schedule_id)
    return RedirectResponse("/editor/schedules", status_code=303)


@router.post("/schedules/cadences")
def set_cadences(request: Request, form: CheckedForm, ctx: Editor) -> Response:
    name = str(form.get("list") or "")
    try:
        recurring.set_list_cadences(
            get_store(request), name, [str(c) for c in form.getlist("allow")], str(form.get("default") or "") or None
        )
    except PublisherError as exc:
        return _page(request, ctx, error=str(exc))
    return _page(request, ctx, notice=f"Saved the cadences of {name}.")
