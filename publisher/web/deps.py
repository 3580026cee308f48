"""What route handlers share: settings, the store, and page rendering with autoescaped templates."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Request
from fastapi.responses import HTMLResponse

from publisher.config import Settings
from publisher.render.templates import environment
from publisher.store import Store

# A database id in a URL: bounded so a huge number is a 404/422, not an integer overflow in the driver.
DbId = Annotated[int, Path(ge=1, le=2_147_483_647)]


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_store(request: Request) -> Store:
    return request.app.state.store


def page(request: Request, template: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    """Render templates/web/<template>; every value is autoescaped, so user input reaches the page inert."""
    settings = get_settings(request)
    html = (
        environment(settings.templates_dir)
        .get_template(f"web/{template}")
        .render(request=request, settings=settings, newsletter_name=settings.newsletter_name, **context)
    )
    return HTMLResponse(html, status_code=status_code)


def get_dispatcher(request: Request) -> Any:  # noqa: ANN401 - a campaigns.Dispatcher
    """The Celery dispatcher, created on first use (it loads Celery); tests may put their own in app.state."""
    if request.app.state.dispatcher is None:
        from workers.dispatch import CeleryDispatcher

        request.app.state.dispatcher = CeleryDispatcher(get_settings(request))
    return request.app.state.dispatcher
