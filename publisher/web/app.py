"""The FastAPI application factory. Each area of the app is one router module in publisher/web/routes/."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from publisher import __version__, logs, runtime
from publisher.config import Settings
from publisher.errors import PublisherError
from publisher.insight.capture import Capture
from publisher.runtime import Services
from publisher.store import Store
from publisher.web import limits
from publisher.web.deps import AppState, page
from publisher.web.errors import status_for, word
from publisher.web.routes import ROUTERS
from publisher.web.security import (
    HSTS,
    SECURITY_HEADERS,
    CsrfRefused,
    LoginRequired,
    api_docs_page,
    login_redirect,
)
from publisher.web.signups import SignupQueue, handle_signup
from publisher.web.tracking_fast import TrackingFastPath

STATIC_DIR = Path(__file__).parent / "static"
UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    app.state.tracking_capture.close()  # the opens and clicks still in memory are written
    app.state.signups.close()  # the signups already answered are handled before the process goes
    app.state.services.close_dispatcher()  # the one it made (broker connections); the store is its builder's


def create_app(
    settings: Settings | None = None, store: Store | None = None, *, services: Services | None = None
) -> FastAPI:
    """An app bound to these Services, or to runtime.build(settings, store=store) (the environment's settings
    when none are given). Tests may set `app.state.dispatcher`."""
    services = services or runtime.build(settings, store=store)
    if services.settings.log_format == "json":  # `uvicorn --factory` (the units): uvicorn's own lines too
        logs.setup_logging("json", "INFO", adopt=UVICORN_LOGGERS)
    app = PublisherApp(
        title="publisher",
        version=__version__,
        docs_url=None,  # served below, with a policy of its own
        openapi_url="/api/openapi.json",
        max_body_size=limits.DEFAULT,  # routes that take more (or less) say so: publisher/web/limits.py
        lifespan=_lifespan,
    )
    app.state = AppState(services)
    app.state.signups = SignupQueue(partial(handle_signup, services))  # publisher/web/signups.py
    # Opens and clicks (publisher.insight.capture), answered by the fast path or the routes, written in batches.
    app.state.tracking_capture = Capture(services.store, services.settings, services.clock)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/api/docs", include_in_schema=False)
    def api_docs() -> HTMLResponse:
        return api_docs_page(app.openapi_url or "/api/openapi.json", f"{app.title} - API docs")

    for router in ROUTERS:
        app.include_router(router)
    _install_security(app)
    # The pixel and the redirect answered before any of the app's machinery (PublisherApp.__call__).
    https = services.settings.base_url.startswith("https://")
    app.fast_path = TrackingFastPath(app.state.tracking_capture, https=https)
    return app


def _install_security(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def _to_login(request: Request, exc: LoginRequired) -> Response:
        return login_redirect(exc)

    @app.exception_handler(CsrfRefused)
    async def _csrf(request: Request, exc: CsrfRefused) -> Response:
        return page(
            request,
            "error.html.j2",
            {
                "title": "Form refused",
                "message": "This form is missing its security token or it has expired. "
                "Go back, reload the page and try again.",
            },
            status_code=403,
        )

    @app.exception_handler(PublisherError)
    async def _user_error(request: Request, exc: PublisherError) -> Response:
        status = status_for(exc)
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": word(exc, api=True)}, status_code=status)
        message = word(exc, api=False)
        return page(request, "error.html.j2", {"title": "That did not work", "message": message}, status_code=status)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        if request.url.path.startswith("/api/"):  # loc, msg and type: the input is never sent back
            return JSONResponse({"detail": limits.clean_errors(exc.errors())}, status_code=422)
        return page(request, "not_found.html.j2", {"what": "page"}, status_code=404)

    https = app.state.settings.base_url.startswith("https://")

    app.add_middleware(SecurityHeaders, https=https)


class PublisherApp(FastAPI):
    """FastAPI with the tracking fast path (publisher/web/tracking_fast.py) in front of all of it: FastAPI's own
    middleware (errors, telemetry, body limits) and ours cost more than answering a cached pixel."""

    fast_path: TrackingFastPath | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        fast = self.fast_path
        if fast is not None and scope["type"] == "http" and await fast.handle(scope, send):
            return
        await super().__call__(scope, receive, send)


class SecurityHeaders:
    """Adds SECURITY_HEADERS (and HSTS over https, no-store on the editor, login and API) to every answer.

    A pure ASGI middleware, not @app.middleware("http"): Starlette's BaseHTTPMiddleware runs each request's
    app in a task of its own behind memory streams, a cost every pixel and redirect paid (make bench-web).
    Headers an answer sets itself win (the API docs page brings its own policy).
    """

    def __init__(self, app: ASGIApp, *, https: bool) -> None:
        self.app = app
        self.headers = [*SECURITY_HEADERS.items(), *([("Strict-Transport-Security", HSTS)] if https else [])]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        private = str(scope.get("path", "")).startswith(("/editor", "/login", "/api/"))

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers:
                    headers.setdefault(name, value)
                if private:
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, with_headers)
