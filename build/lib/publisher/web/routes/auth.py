"""Logging in and out of the editor."""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from publisher import editors
from publisher.web.deps import get_store, page
from publisher.web.security import (
    SESSION_COOKIE,
    CsrfRefused,
    login_csrf,
    login_csrf_ok,
    require_editor,
    set_login_csrf_cookie,
    set_session_cookie,
)

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only a path on this site: '//evil.example' and 'https://…' would be open redirects."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/editor"
    return target


def _login_page(
    request: Request, next_path: str, error: str = "", status_code: int = 200, username: str = ""
) -> Response:
    cookie, token = login_csrf(request)
    response = page(
        request,
        "login.html.j2",
        {"csrf_token": token, "next": _safe_next(next_path), "error": error, "username": username[:100]},
        status_code=status_code,
    )
    set_login_csrf_cookie(request, response, cookie)
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/editor") -> Response:
    return _login_page(request, next)


@router.post("/login")
async def login(request: Request) -> Response:
    form = await request.form()
    # argon2 and the database take tens of milliseconds: in a worker thread, never on the event loop.
    return await run_in_threadpool(_login, request, form)


def _login(request: Request, form: FormData) -> Response:
    if not login_csrf_ok(request, str(form.get("csrf_token") or "")):  # bound to the pre-session in the cookie
        raise CsrfRefused()
    next_path = _safe_next(str(form.get("next") or ""))
    address = request.client.host if request.client else "unknown"
    username = str(form.get("username") or "")
    try:
        session = editors.login(get_store(request), username, str(form.get("password") or ""), address)
    except editors.LoginThrottled as exc:
        return _login_page(request, next_path, str(exc), status_code=429, username=username)
    if session is None:  # the name stays typed in; only the password is asked for again
        return _login_page(request, next_path, "Wrong username or password.", status_code=401, username=username)
    response = RedirectResponse(next_path, status_code=303)
    set_session_cookie(request, response, session.token)
    response.delete_cookie("publisher_login_csrf", path="/login")
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    form = await request.form()
    return await run_in_threadpool(_logout, request, form)  # session lookups are database work


def _logout(request: Request, form: FormData) -> Response:
    ctx = require_editor(request)
    if not hmac.compare_digest(str(form.get("csrf_token") or "").encode(), ctx.csrf_token.encode()):
        raise CsrfRefused()
    editors.logout(get_store(request), request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
