"""Who is asking: editor sessions (cookie + CSRF token per form) for pages, bearer tokens for the API.

Every editor page depends on `require_editor`, which sends a visitor without a session to the login page;
every editor form handler reads its fields through `checked_form`, which refuses a form whose csrf_token
does not match the session's. The API depends on `require_token` and answers 401 without a valid token.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request, Response
from fastapi.responses import RedirectResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.datastructures import FormData

from publisher import editors
from publisher.web.deps import get_store

SESSION_COOKIE = "publisher_session"
LOGIN_CSRF_COOKIE = "publisher_login_csrf"


@dataclass(frozen=True)
class EditorContext:
    editor: editors.Editor
    csrf_token: str


class LoginRequired(Exception):
    """Raised by require_editor; the app turns it into a redirect to the login page."""

    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


class CsrfRefused(Exception):
    """A form arrived without the session's CSRF token."""


def login_redirect(exc: LoginRequired) -> RedirectResponse:
    return RedirectResponse(f"/login?next={quote(exc.next_path, safe='/')}", status_code=303)


def require_editor(request: Request) -> EditorContext:
    """The logged-in editor, or a redirect to /login."""
    found = editors.session_for(get_store(request), request.cookies.get(SESSION_COOKIE, ""))
    if found is None:
        raise LoginRequired(request.url.path)
    editor, csrf = found
    return EditorContext(editor, csrf)


async def checked_form(request: Request, ctx: EditorContext = Depends(require_editor)) -> FormData:
    """The posted form, once its csrf_token matches the session's (constant-time comparison)."""
    form = await request.form()
    sent = form.get("csrf_token")
    if not isinstance(sent, str) or not hmac.compare_digest(sent.encode(), ctx.csrf_token.encode()):
        raise CsrfRefused()
    return form


def is_https(request: Request) -> bool:
    return request.url.scheme == "https"


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(editors.SESSION_LIFETIME.total_seconds()),
        httponly=True,
        secure=is_https(request),
        samesite="lax",
        path="/",
    )


def login_csrf_token(request: Request) -> str:
    """The login form's token: a double-submit cookie, since there is no session yet."""
    return request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)


def set_login_csrf_cookie(request: Request, response: Response, token: str) -> None:
    response.set_cookie(
        LOGIN_CSRF_COOKIE, token, httponly=True, secure=is_https(request), samesite="strict", path="/login"
    )


_bearer = HTTPBearer(auto_error=False, description="An API token from `publisher users token` or /editor/tokens")


def require_token(
    request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)
) -> editors.Editor:
    """The editor owning the bearer token; 401 otherwise."""
    editor = editors.editor_for_token(get_store(request), credentials.credentials if credentials else "")
    if editor is None:
        raise HTTPException(
            status_code=401, detail="a valid API token is required", headers={"WWW-Authenticate": "Bearer"}
        )
    return editor


SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "SAMEORIGIN",
    "Referrer-Policy": "same-origin",
    # Scripts only from our own /static; the digest preview's inline styles need style 'unsafe-inline'.
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: https:; "
        "frame-ancestors 'self'; form-action 'self'; base-uri 'none'; object-src 'none'"
    ),
}
