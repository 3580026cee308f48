"""The editor's Webhooks page (issue 16): endpoints, their recent deliveries (each replayable), and the event log.

A new endpoint's secret, and a rotated one, is shown once on the page that answers the form, like a new
API token; afterwards nothing renders it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from publisher.automation import webhook_endpoints, webhooks
from publisher.errors import PublisherError
from publisher.states import EventType
from publisher.web.deps import DbId, get_services, get_store, page
from publisher.web.security import CheckedForm, Editor, EditorContext, require_editor

router = APIRouter(prefix="/editor", include_in_schema=False, dependencies=[Depends(require_editor)])

DELIVERIES_SHOWN = 20  # per endpoint
EVENT_TYPES = [t.value for t in EventType]


def _webhooks_page(
    request: Request,
    ctx: EditorContext,
    *,
    secret: str = "",
    secret_for: int | None = None,
    message: str = "",
    error: str = "",
) -> Response:
    store = get_store(request)
    endpoints = webhook_endpoints.list_endpoints(store)
    context = {
        "ctx": ctx,
        "endpoints": [(e, webhooks.deliveries(store, e.id, DELIVERIES_SHOWN)) for e in endpoints],
        "event_types": EVENT_TYPES,
        "secret": secret,
        "secret_for": secret_for,
        "message": message,
        "error": error,
    }
    return page(request, "editor/webhooks.html.j2", context, status_code=422 if error else 200)


@router.get("/webhooks", response_class=HTMLResponse)
def webhooks_page(request: Request, ctx: Editor) -> Response:
    return _webhooks_page(request, ctx)


@router.post("/webhooks")
def add_webhook(request: Request, form: CheckedForm, ctx: Editor) -> Response:
    s = get_services(request)
    types = [str(t) for t in form.getlist("event")]
    url, description = str(form.get("url") or ""), str(form.get("description") or "")
    try:
        endpoint_id, secret = webhook_endpoints.add_endpoint(s.store, s.settings, url, types, description)
    except PublisherError as exc:
        return _webhooks_page(request, ctx, error=str(exc))
    return _webhooks_page(request, ctx, secret=secret, secret_for=endpoint_id, message=f"Endpoint {endpoint_id} added.")


@router.post("/webhooks/{endpoint_id}/rotate")
def rotate_webhook(endpoint_id: DbId, request: Request, form: CheckedForm, ctx: Editor) -> Response:
    s = get_services(request)
    secret = webhook_endpoints.rotate_secret(s.store, s.settings, endpoint_id)
    message = f"Endpoint {endpoint_id} has a new secret; the old one no longer signs."
    return _webhooks_page(request, ctx, secret=secret, secret_for=endpoint_id, message=message)


@router.post("/webhooks/{endpoint_id}/enable")
def enable_webhook(endpoint_id: DbId, request: Request, form: CheckedForm, ctx: Editor) -> Response:
    webhook_endpoints.set_enabled(get_store(request), endpoint_id, True)
    return RedirectResponse("/editor/webhooks", status_code=303)


@router.post("/webhooks/{endpoint_id}/disable")
def disable_webhook(endpoint_id: DbId, request: Request, form: CheckedForm, ctx: Editor) -> Response:
    webhook_endpoints.set_enabled(get_store(request), endpoint_id, False)
    return RedirectResponse("/editor/webhooks", status_code=303)


@router.post("/webhooks/{endpoint_id}/remove")
def remove_webhook(endpoint_id: DbId, request: Request, form: CheckedForm, ctx: Editor) -> Response:
    webhook_endpoints.remove_endpoint(get_store(request), endpoint_id)
    return _webhooks_page(request, ctx, message=f"Endpoint {endpoint_id} removed.")


@router.post("/webhooks/deliveries/{row_id}/replay")
def replay_delivery(row_id: DbId, request: Request, form: CheckedForm, ctx: Editor) -> Response:
    try:
        webhooks.replay(get_services(request), row_id)
    except PublisherError as exc:
        return _webhooks_page(request, ctx, error=str(exc))
    return _webhooks_page(request, ctx, message=f"Delivery {row_id} queued again, with the same webhook-id.")


@router.get("/events", response_class=HTMLResponse)
def events_page(
    request: Request, ctx: Editor, type: Annotated[str, Query(max_length=50)] = ""  # noqa: A002
) -> Response:
    error = ""
    try:
        events = webhooks.recent_events(get_store(request), type or None, 200)
    except PublisherError as exc:
        error, events, type = str(exc), [], ""
    context = {"ctx": ctx, "events": events, "type": type, "event_types": EVENT_TYPES, "error": error}
    return page(request, "editor/events.html.j2", context, status_code=400 if error else 200)
