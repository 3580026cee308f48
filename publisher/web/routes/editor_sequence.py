"""The editor's "Welcome mail and sequence" pages: every list's steps, and one list's steps with their forms.

Saving a step renders it at once (publisher.automation.sequences.set_step); a step that cannot be rendered
(an empty body, a subject with a line break, a bad delay) is refused on the page with its problem, and
nothing is stored. The preview is the step's mail as it goes out, without the reader's personal parts.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from publisher import editing
from publisher.automation import sequences
from publisher.errors import PublisherError
from publisher.runtime import Services
from publisher.web.deps import DbId, get_services, page
from publisher.web.security import CheckedForm, Editor, EditorContext, require_editor

router = APIRouter(prefix="/editor", include_in_schema=False, dependencies=[Depends(require_editor)])
Svc = Annotated[Services, Depends(get_services)]
Position = Annotated[int, Path(ge=0, le=99)]

EXAMPLE = "Thank you for subscribing.\n\nHere is what to expect: one mail a week, on Fridays."


@router.get("/sequences", response_class=HTMLResponse)
def sequences_index(request: Request, ctx: Editor, s: Svc) -> Response:
    lists = editing.lists_with_sizes(s.store)
    steps = sequences.steps_of_lists(s.store, [info.id for info in lists])
    return page(request, "editor/sequences.html.j2", {"ctx": ctx, "lists": lists, "steps": steps})


def _sequence_page(
    request: Request,
    ctx: EditorContext,
    s: Services,
    list_id: int,
    *,
    errors: list[str] | None = None,
    message: str = "",
    draft: dict[str, str] | None = None,
) -> Response:
    name = sequences.list_name_of(s.store, list_id)
    steps = sequences.list_steps(s.store, name)
    following = max((step.position for step in steps), default=-1) + 1
    last_delay = max((step.delay_days for step in steps), default=0)
    blank = {"step": str(following), "after_days": str(last_delay + 3 if steps else 0), "subject": "", "body": ""}
    if not steps:
        blank.update(subject="Welcome", body=EXAMPLE)
    return page(
        request,
        "editor/sequence.html.j2",
        {
            "ctx": ctx,
            "list_id": list_id,
            "list_name": name,
            "steps": steps,
            "draft": draft or blank,
            "errors": errors or [],
            "message": message,
        },
        status_code=422 if errors else 200,
    )


@router.get("/lists/{list_id}/sequence", response_class=HTMLResponse)
def sequence_page(list_id: DbId, request: Request, ctx: Editor, s: Svc) -> Response:
    return _sequence_page(request, ctx, s, list_id, message=request.query_params.get("saved", "")[:200])


@router.post("/lists/{list_id}/sequence")
def save_step(list_id: DbId, request: Request, form: CheckedForm, ctx: Editor, s: Svc) -> Response:
    draft = {key: str(form.get(key) or "") for key in ("step", "after_days", "subject", "body")}
    name = sequences.list_name_of(s.store, list_id)
    try:
        position, days = _number(draft["step"], "step"), _number(draft["after_days"], "delay in days")
        saved = sequences.set_step(
            s.store, s.settings, name, position, days, draft["subject"], draft["body"].replace("\r\n", "\n")
        )
    except PublisherError as exc:
        return _sequence_page(request, ctx, s, list_id, errors=[str(exc)], draft=draft)
    return RedirectResponse(f"/editor/lists/{list_id}/sequence?saved={quote(saved.label + ' saved')}", status_code=303)


@router.post("/lists/{list_id}/sequence/{position}/remove")
def remove_step(
    list_id: DbId, position: Position, request: Request, form: CheckedForm, ctx: Editor, s: Svc
) -> Response:
    sequences.remove_step(s.store, sequences.list_name_of(s.store, list_id), position)
    return RedirectResponse(f"/editor/lists/{list_id}/sequence", status_code=303)


@router.post("/lists/{list_id}/sequence/{position}/enabled")
def enable_step(
    list_id: DbId, position: Position, request: Request, form: CheckedForm, ctx: Editor, s: Svc
) -> Response:
    enabled = str(form.get("enabled") or "") == "1"
    sequences.set_enabled(s, sequences.list_name_of(s.store, list_id), position, enabled)
    return RedirectResponse(f"/editor/lists/{list_id}/sequence", status_code=303)


@router.get("/lists/{list_id}/sequence/{position}/preview", response_class=HTMLResponse)
def preview_step(list_id: DbId, position: Position, request: Request, ctx: Editor, s: Svc) -> Response:
    html = sequences.preview_html(s.store, sequences.list_name_of(s.store, list_id), position)
    return HTMLResponse(html)  # our rendering of sanitized Markdown, under the app's content security policy


def _number(value: str, what: str) -> int:
    try:
        return int(value.strip())
    except ValueError:
        raise PublisherError(f"the {what} must be a whole number, not {value.strip()[:20]!r}") from None
