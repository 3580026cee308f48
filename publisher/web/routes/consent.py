"""Public consent endpoints: signup (page and JSON), confirmation, unsubscribe, preferences.

No login and no session CSRF token here: these are reached from emails by people who have no session.
The signed token in the URL is the protection instead: a forged cross-site POST would need the token,
and a token only lets its bearer confirm, leave, or choose lists for the one address it names. GET never
changes anything (mail scanners fetch every link); each change is a POST, which is also what RFC 8058
one-click unsubscribe sends (`List-Unsubscribe=One-Click`), answered at once with no further step.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from publisher import consent
from publisher.automation import sequences
from publisher.errors import PublisherError
from publisher.preferences import Preferences
from publisher.runtime import Services
from publisher.web import limits
from publisher.web.deps import get_services, get_settings, get_store, last_publication_name, page
from publisher.web.reader_lists import reader_lists
from publisher.web.security import PUBLIC
from publisher.web.signups import SignupJob, SignupQueue

log = logging.getLogger(__name__)
T = TypeVar("T")
router = APIRouter(route_class=limits.JsonTextRoute)  # a lone surrogate in JSON: a 422 naming the field

_STATUS_FOR_REFUSAL = {"invalid": 400, "expired": 410, "used": 410, "gone": 404}


class RateLimiter:
    """At most `limit` hits per key within `window` seconds (a sliding window, in this process's memory)."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        now = time.monotonic()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return False
            hits.append(now)
            if len(self._hits) > 100_000:  # forget idle clients rather than grow without bound
                for idle in [k for k, v in self._hits.items() if not v]:
                    del self._hits[idle]
            return True


def _limiter(request: Request) -> RateLimiter:
    state = request.app.state
    if getattr(state, "signup_limiter", None) is None:
        settings = get_settings(request)
        state.signup_limiter = RateLimiter(settings.signup_rate_limit, settings.signup_rate_window_seconds)
    return state.signup_limiter


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


class SignupRequest(BaseModel):
    email: str = Field(max_length=400)
    name: str = Field(default="", max_length=200)
    list_name: str = Field(default="default", alias="list", max_length=200)
    website: str = Field(default="", description="Honeypot: leave empty.")


def _queue_signup(request: Request, form: SignupRequest) -> bool:
    """Check the input alone and queue the signup (publisher/web/signups.py); the store is not touched here.

    InvalidAddress or PublisherError for bad input (which depends on nothing stored); False when the queue
    is full; True otherwise, also when the honeypot caught a bot (whose signup is dropped).
    """
    email, name = consent.check_signup(form.email, form.name)
    if form.website.strip():
        log.info("signup honeypot filled from %s; ignored", _client(request))
        return True
    job = SignupJob(email=email, name=name, list_name=form.list_name, source=f"web:{_client(request)}")
    queue: SignupQueue = request.app.state.signups
    return queue.submit(job)


_CHECK_INBOX = (
    "If {email} can be subscribed, a confirmation email is on its way. "
    "Open the link in it to start receiving the newsletter."
)
# The one answer to a well-formed signup, whatever the list and the address's state (issue 18, item 13).
SIGNUP_ACCEPTED = {"status": "pending", "detail": "check your inbox for the confirmation link"}
_BUSY = "too many signups are waiting; please try again in a minute"
_ARCHIVE = {"url": "/", "label": "Read the archive"}


_NOT_OPEN = "This publication has no mailing list yet, so there is nothing to subscribe to. Please come back soon."


def _signup(request: Request, list_name: str | None, email: str) -> HTMLResponse:
    """The signup form: for list_name, or (None) for what the site offers: its one list, or a picker."""
    lists = reader_lists(get_store(request), get_settings(request))
    if list_name is None and not lists.offered:
        return _message(request, "Subscriptions are not open yet", _NOT_OPEN, 200, problem=False, link=_ARCHIVE)
    chosen = list_name if list_name is not None else lists.offered[0]
    several = len(lists.offered) > 1 and (list_name is None or list_name in lists.offered)
    context = {
        "list_name": chosen,
        "heading": lists.publication if several else lists.title(chosen),
        "choices": [(n, lists.label(n)) for n in lists.offered] if several else None,
        "email": email,
        "name": "",
        "error": None,
    }
    return page(request, "consent/signup.html.j2", context)


@router.get("/subscribe", response_class=HTMLResponse)
def signup_page(request: Request, list: str | None = None, email: str = "") -> HTMLResponse:  # noqa: A002
    """The public signup form (the footer's "Subscribe by email"): ?list= names one; without it, the
    publication's public list, the only list, a picker when there are several, or "not open yet"."""
    return _signup(request, None if list is None else list[:200], email[:400])


@router.post("/subscribe", response_class=HTMLResponse, max_body_size=limits.SIGNUP)
async def signup_form(request: Request) -> HTMLResponse:
    """The signup form's POST: one answer for every well-formed signup, given before the signup is handled."""
    data = await request.form()
    form = SignupRequest.model_validate(
        {
            "email": str(data.get("email", ""))[:400],
            "name": str(data.get("name", ""))[:200],
            "list": str(data.get("list", "default"))[:200],
            "website": str(data.get("website", "")),
        }
    )
    # Every answer here is rendered without the store (publisher/web/signups.py): nothing waits for it.
    context = {"list_name": form.list_name, "heading": last_publication_name(request), "choices": None}
    context |= {"email": form.email, "name": form.name}
    if not _limiter(request).allow(_client(request)):
        error = "Too many signups from your network; please try again later."
        return page(request, "consent/signup.html.j2", {**context, "error": error}, 429, read_store=False)
    try:
        queued = _queue_signup(request, form)
    except PublisherError as exc:  # a bad address or name: the input alone says so
        return page(request, "consent/signup.html.j2", {**context, "error": str(exc)}, 422, read_store=False)
    if not queued:
        busy = {**context, "error": _BUSY.capitalize() + "."}
        return page(request, "consent/signup.html.j2", busy, 503, read_store=False)
    inbox = _CHECK_INBOX.format(email=form.email)
    return _message(request, "Check your inbox", inbox, 200, problem=False, read_store=False)


@router.post("/api/subscribe", status_code=202, max_body_size=limits.SIGNUP, openapi_extra=PUBLIC)
async def signup_api(form: SignupRequest, request: Request) -> JSONResponse:
    """JSON signup: 202 {"status": "pending"} for every well-formed signup, whatever the list or the
    address's state, answered before it is handled; 422 for a bad address or name, 429 over the rate limit."""
    if not _limiter(request).allow(_client(request)):
        return JSONResponse({"error": "too many signups from this address; try again later"}, status_code=429)
    try:
        queued = _queue_signup(request, form)
    except PublisherError as exc:
        return JSONResponse({"error": str(exc)}, status_code=422)
    if not queued:
        return JSONResponse({"error": _BUSY}, status_code=503, headers={"Retry-After": "60"})
    return JSONResponse(SIGNUP_ACCEPTED, 202)


async def _in_thread(func: Any, *args: Any, **kwargs: Any) -> Any:
    """Run blocking store work off the event loop."""
    return await run_in_threadpool(func, *args, **kwargs)


def _message(
    request: Request,
    heading: str,
    message: str,
    status_code: int,
    *,
    problem: bool = True,
    link: Any = None,
    read_store: bool = True,
) -> HTMLResponse:
    return page(
        request,
        "consent/message.html.j2",
        {"heading": heading, "message": message, "problem": problem, "link": link},
        status_code=status_code,
        read_store=read_store,
    )


def _refused(request: Request, exc: consent.LinkRefused, heading: str) -> HTMLResponse:
    link = {"url": "/subscribe", "label": "Sign up again"} if exc.reason in ("expired", "used") else None
    return _message(request, heading, str(exc), _STATUS_FOR_REFUSAL.get(exc.reason, 400), link=link)


# The link pages: each follows a signed link, and a link that cannot be used gets the same refusal page.
Link = Annotated[Services, Depends(get_services)]
_CANNOT_USE = "This link cannot be used"


def _follow(request: Request, use: Callable[[], T]) -> T | HTMLResponse:
    """use(), or the refusal page when the link is invalid, expired or used."""
    try:
        return use()
    except consent.LinkRefused as exc:
        return _refused(request, exc, _CANNOT_USE)


@router.get("/confirm/{token}", response_class=HTMLResponse)
def confirm_page(token: str, request: Request, s: Link) -> HTMLResponse:
    """What the confirmation link opens: a page with one button; opening it confirms nothing."""
    found = _follow(request, lambda: consent.check_confirmation(s.store, s.settings, token))
    if isinstance(found, HTMLResponse):
        return found
    title = reader_lists(s.store, s.settings).title(found.list_name)
    return page(request, "consent/confirm.html.j2", {"email": found.email, "list_title": title, "token": token})


@router.post("/confirm/{token}", response_class=HTMLResponse)
def confirm_post(token: str, request: Request, s: Link) -> HTMLResponse:
    """The button on the confirmation page: activates the subscription, once."""
    found = _follow(request, lambda: consent.confirm(s.store, s.settings, token))
    if isinstance(found, HTMLResponse):
        return found
    sequences.welcome(s, found.list_id)  # the welcome mail goes out in seconds; the sweep is the guarantee
    title = reader_lists(s.store, s.settings).title(found.list_name)
    message = f"{found.email} is now subscribed to {title}. Thank you!"
    return _message(request, "Subscription confirmed", message, 200, problem=False)


@router.get("/unsubscribe/{token}", response_class=HTMLResponse)
def unsubscribe_page(token: str, request: Request, s: Link) -> HTMLResponse:
    """A page with one Unsubscribe button; fetching it unsubscribes nobody."""
    prefs = _follow(request, lambda: consent.preferences(s.store, s.settings, token))
    if isinstance(prefs, HTMLResponse):
        return prefs
    current = next((c for c in prefs.lists if c.list_id == prefs.list_id), None)
    title = reader_lists(s.store, s.settings).title(current.name) if current else None
    return page(request, "consent/unsubscribe.html.j2", {"prefs": prefs, "list_title": title, "token": token})


@router.post("/unsubscribe/{token}", response_class=HTMLResponse)
def unsubscribe_post(token: str, request: Request, s: Link) -> HTMLResponse:
    """RFC 8058 one-click (body `List-Unsubscribe=One-Click`) and the page's button: unsubscribed at once."""
    try:
        prefs = consent.unsubscribe(s.store, s.settings, token)
    except consent.LinkRefused as exc:
        if exc.reason == "gone":  # erased already: nothing will be sent, which is what was asked
            return _message(request, "Unsubscribed", str(exc), 200, problem=False)
        return _refused(request, exc, _CANNOT_USE)
    current = next((c for c in prefs.lists if c.list_id == prefs.list_id), None)
    what = reader_lists(s.store, s.settings).title(current.name) if current else "this list"
    return _message(
        request,
        "Unsubscribed",
        f"{prefs.email} will get no more emails from {what}.",
        200,
        problem=False,
        link={"url": f"/preferences/{token}", "label": "Manage your other subscriptions"},
    )


@router.get("/preferences/{token}", response_class=HTMLResponse)
def preferences_page(token: str, request: Request, s: Link) -> HTMLResponse:
    """The lists this subscriber is on, as checkboxes."""
    prefs = _follow(request, lambda: consent.preferences(s.store, s.settings, token))
    if isinstance(prefs, HTMLResponse):
        return prefs
    return _preferences(request, prefs, token, saved=False)


@router.post("/preferences/{token}", response_class=HTMLResponse)
async def preferences_post(token: str, request: Request) -> HTMLResponse:
    """Save the chosen lists: checked ones stay (or come back), unchecked ones are unsubscribed."""
    data = await request.form()
    values = data.getlist("list")
    if not all(isinstance(v, str) and v.strip().isdigit() and len(v.strip()) <= 10 for v in values):
        message = "The form was not understood (each \u201clist\u201d must be a list's number); please try again."
        return await _in_thread(_message, request, "Not saved", message, 400)
    chosen = {int(str(v)) for v in values}
    # Recurring digests (issue 16): a "cadence-<list id>" field per list that offers a choice.
    cadences = {
        int(key[8:]): str(value)[:20]
        for key, value in data.items()
        if key.startswith("cadence-") and key[8:].isdigit() and len(key) <= 18 and isinstance(value, str)
    }
    settings, store = get_settings(request), get_store(request)
    try:
        prefs = await _in_thread(consent.set_preferences, store, settings, token, chosen, cadences)
    except consent.LinkRefused as exc:
        return await _in_thread(_refused, request, exc, _CANNOT_USE)
    except PublisherError as exc:
        return await _in_thread(_message, request, "Not saved", f"{exc}; please try again.", 400)
    return await _in_thread(_preferences, request, prefs, token, saved=True)


def _preferences(request: Request, prefs: Preferences, token: str, *, saved: bool) -> HTMLResponse:
    """The preferences page; each list by its reader-facing name (the publication's for its main list)."""
    lists = reader_lists(get_store(request), get_settings(request))
    labels = {choice.list_id: lists.label(choice.name) for choice in prefs.lists}
    context = {"prefs": prefs, "labels": labels, "token": token, "saved": saved}
    return page(request, "consent/preferences.html.j2", context)
