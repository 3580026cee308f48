"""Who is asking: editor sessions (cookie + CSRF token per form) for pages, bearer tokens for the API.

Every editor page depends on `require_editor`, which sends a visitor without a session to the login page;
every editor form handler reads its fields through `checked_form`, which refuses a form whose csrf_token
does not match the session's. The API depends on `require_scope`: 401 without a valid token, 403 naming the
scope (read, write, send) when the token lacks the one the route declares. `require_admin_page` lets only an
administrator in.

The login form has no session yet: its token is bound to a pre-session instead, a random id the server
signs into the `publisher_login_csrf` cookie (a value the client made up is replaced, and one older than
LOGIN_FORM_MAX_AGE refused), and the form carries an HMAC of that id. A cookie planted by someone else
therefore comes with no token that matches it.

Also the response headers: SECURITY_HEADERS on every page, HSTS when the base URL is https, and the API
docs page's own policy (Swagger UI's script and styles from its CDN, its one inline script by hash).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request, Response
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from itsdangerous import BadData, URLSafeTimedSerializer
from pydantic import SecretStr
from starlette.datastructures import FormData

from publisher import editors
from publisher.errors import Forbidden
from publisher.web import limits
from publisher.web.deps import get_settings, get_store

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


def require_admin_page(ctx: EditorContext = Depends(require_editor)) -> EditorContext:
    """The logged-in editor when an administrator; Forbidden (a 403 page) for any other editor."""
    editors.require_admin(ctx.editor)
    return ctx


async def checked_form(request: Request, ctx: EditorContext = Depends(require_editor)) -> FormData:
    """The posted form, once its csrf_token matches the session's (constant-time comparison)."""
    return await _checked(request, ctx, limits.FIELD)


async def checked_article_form(request: Request, ctx: EditorContext = Depends(require_editor)) -> FormData:
    """checked_form for the article forms, whose one field (the paste box, a section's body) may hold a whole
    article: a field may be as large as the route's body limit, and the import limit is checked on the text."""
    return await _checked(request, ctx, limits.ARTICLE)


# Route parameters, spelled once: the logged-in editor, an administrator, and a form whose CSRF token held.
Editor = Annotated[EditorContext, Depends(require_editor)]
AdminPage = Annotated[EditorContext, Depends(require_admin_page)]
CheckedForm = Annotated[FormData, Depends(checked_form)]
ArticleForm = Annotated[FormData, Depends(checked_article_form)]


async def _checked(request: Request, ctx: EditorContext, max_part_size: int) -> FormData:
    form = await request.form(max_part_size=max_part_size)
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


LOGIN_FORM_MAX_AGE = 2 * 3600  # seconds a login page's pre-session lasts; then the form asks to be reloaded


def _presessions(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(get_settings(request).signing_key(), salt="publisher.login-presession")


def _presession_id(request: Request) -> str | None:
    """The pre-session id in the login cookie, when this server issued it within LOGIN_FORM_MAX_AGE."""
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    try:
        found = _presessions(request).loads(cookie, max_age=LOGIN_FORM_MAX_AGE) if cookie else None
    except BadData:
        return None
    return found if isinstance(found, str) else None


def _form_token(request: Request, presession_id: str) -> str:
    key = get_settings(request).signing_key().encode()
    return hmac.new(key, b"publisher.login-form:" + presession_id.encode(), hashlib.sha256).hexdigest()


def login_csrf(request: Request) -> tuple[str, str]:
    """(cookie, form token) for a login page: the pre-session the browser has, else a new one."""
    presession_id = _presession_id(request) or secrets.token_urlsafe(32)
    return _presessions(request).dumps(presession_id), _form_token(request, presession_id)


def bearer_matches(request: Request, secret: SecretStr | None) -> bool:
    """Whether the request says `Authorization: Bearer SECRET` for this configured secret (constant-time)."""
    expected = secret.get_secret_value() if secret else ""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")  # latin-1: any byte may be in it
    return (
        bool(expected)
        and scheme.lower() == "bearer"
        and hmac.compare_digest(value.strip().encode("utf-8", "replace"), expected.encode("utf-8"))
    )


def login_csrf_ok(request: Request, sent: str) -> bool:
    """Whether the login form's token is the one of the pre-session in its cookie (constant-time)."""
    presession_id = _presession_id(request)
    expected = _form_token(request, presession_id) if presession_id else ""
    return bool(expected) and hmac.compare_digest(sent.encode("utf-8", "replace"), expected.encode())


def set_login_csrf_cookie(request: Request, response: Response, cookie: str) -> None:
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        cookie,
        max_age=LOGIN_FORM_MAX_AGE,
        httponly=True,
        secure=is_https(request),
        samesite="strict",
        path="/login",
    )


_bearer = HTTPBearer(auto_error=False, description="An API token from `publisher users token` or /editor/tokens")

# Every /api operation declares the token scope it needs in its OpenAPI operation, under this key:
# `openapi_extra=READ` (or WRITE, SEND). The check reads the declaration of the route that matched, so what
# the schema documents is what is enforced, and a route that declares nothing is refused (fail closed).
SCOPE_KEY = "x-required-scope"
READ: dict[str, Any] = {SCOPE_KEY: "read"}  # GET and other read-only operations
WRITE: dict[str, Any] = {SCOPE_KEY: "write"}  # changes to articles, lists and subscribers
SEND: dict[str, Any] = {SCOPE_KEY: "send"}  # digests, shares and the control of their campaigns
PUBLIC: dict[str, Any] = {SCOPE_KEY: "none"}  # no token at all: the public signup


def require_grant(
    request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)
) -> editors.TokenGrant:
    """The editor and scopes of the bearer token; 401 without a valid one."""
    grant = editors.grant_for_token(get_store(request), credentials.credentials if credentials else "")
    if grant is None:
        raise HTTPException(
            status_code=401, detail="a valid API token is required", headers={"WWW-Authenticate": "Bearer"}
        )
    return grant


def require_token(grant: editors.TokenGrant = Depends(require_grant)) -> editors.Editor:
    """The editor owning the bearer token; 401 otherwise."""
    return grant.editor


def declared_scope(route: object) -> str | None:
    """The scope an API route declares in its OpenAPI operation, or None."""
    extra = getattr(route, "openapi_extra", None) or {}
    scope = extra.get(SCOPE_KEY)
    return scope if isinstance(scope, str) else None


def require_scope(request: Request, grant: editors.TokenGrant = Depends(require_grant)) -> editors.TokenGrant:
    """The token, once it holds the scope the matched route declares: 403 naming the scope otherwise."""
    scope = declared_scope(request.scope.get("route"))
    if scope not in editors.SCOPES:
        raise Forbidden("this API operation declares no token scope, so no token may call it")
    missing_scope(grant, scope)
    return grant


def missing_scope(grant: editors.TokenGrant, scope: str, why: str = "this operation needs") -> None:
    """Forbidden, naming the scope, when the token lacks it."""
    if scope not in grant.scopes:
        has = ", ".join(s for s in editors.SCOPES if s in grant.scopes) or "none"
        raise Forbidden(
            f"this API token lacks the {scope!r} scope, which {why} (it has: {has}); "
            f"create a token with the {scope!r} scope"
        )


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

HSTS = "max-age=31536000"  # sent when PUBLISHER_BASE_URL is https (behind a proxy, the app itself may see http)

# Swagger UI, as FastAPI serves it: the bundle and stylesheet from jsDelivr, one inline bootstrap script.
_SWAGGER_JS = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js"
_SWAGGER_CSS = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css"
_SWAGGER_ICON = "https://fastapi.tiangolo.com/img/favicon.png"
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def api_docs_page(openapi_url: str, title: str) -> HTMLResponse:
    """The Swagger UI page with a policy of its own: nothing but its assets, its inline script by hash, no frames."""
    response = get_swagger_ui_html(
        openapi_url=openapi_url,
        title=title,
        swagger_js_url=_SWAGGER_JS,
        swagger_css_url=_SWAGGER_CSS,
        swagger_favicon_url=_SWAGGER_ICON,
    )
    html = bytes(response.body).decode("utf-8")
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()}'"
        for script in _INLINE_SCRIPT.findall(html)
    )
    response.headers["Content-Security-Policy"] = (
        f"default-src 'none'; script-src {_SWAGGER_JS} {hashes}; style-src {_SWAGGER_CSS} 'unsafe-inline'; "
        f"img-src 'self' data: {_SWAGGER_ICON}; connect-src 'self'; frame-ancestors 'none'; form-action 'none'; "
        "base-uri 'none'; object-src 'none'"
    )
    response.headers["X-Frame-Options"] = "DENY"
    return response
