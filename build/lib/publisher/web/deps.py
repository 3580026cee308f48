"""What route handlers share: the app's Services (settings, store, dispatcher), and page rendering with
autoescaped templates."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.exc import SQLAlchemyError
from starlette.datastructures import State

from publisher import publication
from publisher.config import Settings
from publisher.errors import PublisherError
from publisher.render.templates import environment
from publisher.runtime import Dispatcher, Services
from publisher.store import Store

# A database id in a URL: bounded so a huge number is a 404/422, not an integer overflow in the driver.
DbId = Annotated[int, Path(ge=1, le=2_147_483_647)]


class AppState(State):
    """`app.state` backed by the app's Services (built once, in create_app).

    `app.state.settings`, `.store` and `.dispatcher` read the Services; assigning `app.state.dispatcher`
    (a test's or an embedder's) makes every route dispatch through it. Reading `.dispatcher` never makes
    one: it is None until the first dispatch made the Celery one.
    """

    def __init__(self, services: Services) -> None:
        super().__init__({"services": services})

    @property
    def services(self) -> Services:
        return self._state["services"]

    @property
    def settings(self) -> Settings:
        return self.services.settings

    @property
    def store(self) -> Store:
        return self.services.store

    @property
    def dispatcher(self) -> Dispatcher | None:
        return self.services.dispatcher_if_made

    def __setattr__(self, key: Any, value: Any) -> None:
        if key == "dispatcher":
            self.services.dispatcher = value
        elif key in ("services", "settings", "store"):
            raise AttributeError(f"app.state.{key} comes from the app's Services; pass services= to create_app")
        else:
            super().__setattr__(key, value)


def get_services(request: Request) -> Services:
    """The app's Services: settings, store, clock and the dispatcher (made on first use; it loads Celery)."""
    return request.app.state.services


def get_settings(request: Request) -> Settings:
    return get_services(request).settings


def get_store(request: Request) -> Store:
    return get_services(request).store


def page(
    request: Request, template: str, context: dict[str, Any], status_code: int = 200, *, read_store: bool = True
) -> HTMLResponse:
    """Render templates/web/<template>; every value is autoescaped, so user input reaches the page inert.

    Pages are headed by the publication's name as editors set it. read_store=False for an answer that must
    not wait for the database (the signup's): the name the last page read, or the environment's.
    """
    settings = get_settings(request)
    name = publication_name(request) if read_store else last_publication_name(request)
    html = (
        environment(settings.templates_dir)
        .get_template(f"web/{template}")
        .render(request=request, settings=settings, newsletter_name=name, **context)
    )
    return HTMLResponse(html, status_code=status_code)


def publication_name(request: Request) -> str:
    """The publication's name, stored; the environment's when the database cannot be read (an error page
    must still render)."""
    settings = get_settings(request)
    try:
        name = publication.load(get_store(request), settings).name
    except (SQLAlchemyError, PublisherError):  # an error page about the database still renders
        return settings.newsletter_name
    request.app.state.publication_name = name
    return name


def last_publication_name(request: Request) -> str:
    """The publication's name as the last page read it, without asking the database."""
    return getattr(request.app.state, "publication_name", None) or get_settings(request).newsletter_name
