"""The FastAPI application factory. Each area of the app is one router module in publisher/web/routes/."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from publisher import __version__
from publisher.config import Settings
from publisher.store import Store
from publisher.web.routes import ROUTERS

STATIC_DIR = Path(__file__).parent / "static"


def create_app(settings: Settings | None = None, store: Store | None = None) -> FastAPI:
    """An app bound to these settings and store (from the environment when not given)."""
    settings = settings or Settings()
    app = FastAPI(title="publisher", version=__version__, docs_url="/api/docs", openapi_url="/api/openapi.json")
    app.state.settings = settings
    app.state.store = store or Store(settings.resolved_database_url)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for router in ROUTERS:
        app.include_router(router)
    return app
