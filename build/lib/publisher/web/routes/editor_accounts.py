"""Editor pages about who may do what: one's own API tokens (with their scopes), and for an administrator
the People page, which revokes an editor's tokens or removes an editor (each after a confirmation step)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from publisher import editors
from publisher.errors import NotFound, PublisherError
from publisher.web.deps import DbId, get_store, page
from publisher.web.errors import status_for
from publisher.web.security import (
    AdminPage,
    CheckedForm,
    Editor,
    EditorContext,
    require_editor,
)

router = APIRouter(prefix="/editor", include_in_schema=False, dependencies=[Depends(require_editor)])

SCOPE_HELP = {
    "read": "read articles, lists, subscribers, campaigns and channels",
    "write": "import and edit articles, publish them, add subscribers",
    "send": "send digests, share articles, pause, resume, cancel and reschedule campaigns",
}


# --- API tokens -------------------------------------------------------------------------------------------


def _tokens_page(
    request: Request, ctx: EditorContext, new_token: str = "", error: str = "", chosen: Any = editors.SCOPES
) -> Response:
    tokens = editors.list_tokens(get_store(request), ctx.editor.id)
    return page(
        request,
        "editor/tokens.html.j2",
        {
            "ctx": ctx,
            "tokens": tokens,
            "new_token": new_token,
            "error": error,
            "scopes": [(s, SCOPE_HELP[s], s in chosen) for s in editors.SCOPES],
        },
        status_code=422 if error else 200,
    )


@router.get("/tokens", response_class=HTMLResponse)
def tokens_page(request: Request, ctx: Editor) -> Response:
    return _tokens_page(request, ctx)


@router.post("/tokens")
def create_token(request: Request, form: CheckedForm, ctx: Editor) -> Response:
    chosen = [str(s) for s in form.getlist("scope")]
    try:
        token = editors.create_token(get_store(request), ctx.editor.username, str(form.get("name") or ""), chosen)
    except PublisherError as exc:
        return _tokens_page(request, ctx, error=str(exc), chosen=chosen)
    return _tokens_page(request, ctx, new_token=token)


@router.post("/tokens/{token_id}/revoke")
def revoke_token(token_id: DbId, request: Request, form: CheckedForm, ctx: Editor) -> Response:
    editors.revoke_token(get_store(request), ctx.editor.id, token_id)
    return RedirectResponse("/editor/tokens", status_code=303)


# --- People (administrators only) -------------------------------------------------------------------------


def _people_page(
    request: Request,
    ctx: EditorContext,
    *,
    message: str = "",
    error: str = "",
    confirm: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    return page(
        request,
        "editor/people.html.j2",
        {
            "ctx": ctx,
            "people": editors.user_summaries(get_store(request)),
            "message": message,
            "error": error,
            "confirm": confirm,
        },
        status_code=status_code,
    )


def _person(request: Request, username: str) -> editors.UserSummary:
    found = next((u for u in editors.user_summaries(get_store(request)) if u.username == username), None)
    if found is None:
        raise NotFound(f"no user named {username!r}")
    return found


@router.get("/people", response_class=HTMLResponse)
def people_page(request: Request, ctx: AdminPage) -> Response:
    return _people_page(request, ctx)


@router.post("/people/{username}/revoke-tokens")
def revoke_tokens(username: str, request: Request, form: CheckedForm, ctx: AdminPage) -> Response:
    person = _person(request, username)
    if form.get("confirm") != "yes":
        confirm = {"action": "revoke-tokens", "person": person}
        return _people_page(request, ctx, confirm=confirm)
    count = editors.revoke_tokens(get_store(request), username)
    message = f"{count} API token{'' if count == 1 else 's'} of {username} revoked."
    return _people_page(request, ctx, message=message)


@router.post("/people/{username}/remove")
def remove_person(username: str, request: Request, form: CheckedForm, ctx: AdminPage) -> Response:
    person = _person(request, username)
    if form.get("confirm") != "yes":
        return _people_page(request, ctx, confirm={"action": "remove", "person": person})
    try:
        editors.remove_user(get_store(request), username)
    except PublisherError as exc:
        return _people_page(request, ctx, error=str(exc), status_code=status_for(exc))
    if username == ctx.editor.username:  # their own session went with them
        return RedirectResponse("/login", status_code=303)
    return _people_page(request, ctx, message=f"{username} removed, with their sessions and API tokens.")
