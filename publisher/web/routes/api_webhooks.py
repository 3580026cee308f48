"""Event webhooks in the API (issue 16): endpoints, their deliveries (replayable) and the event log.

The same token scopes and error bodies as api.py: reading needs `read`, adding or removing an endpoint
`write`, replaying a delivery `send`. The secret is in the answer to POST /api/webhooks only, once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Path, Query, Request, Response
from pydantic import BaseModel, Field

from publisher.automation import webhook_endpoints, webhooks
from publisher.web.deps import get_services, get_store
from publisher.web.routes.api import api_router
from publisher.web.security import READ, SEND, WRITE

router = api_router()

Id = Annotated[int, Path(ge=1, le=2_147_483_647)]


class EndpointIn(BaseModel):
    url: str = Field(min_length=1, max_length=2000, description="Where events are POSTed: an http(s) URL")
    event_types: list[str] = Field(
        min_length=1, max_length=20, description='Event types, e.g. ["subscriber.confirmed"]; ["*"] for every type'
    )
    description: str = Field(default="", max_length=300)


class EndpointOut(BaseModel):
    id: int
    url: str
    event_types: list[str]
    enabled: bool
    disabled_reason: str | None = Field(description='Why it is disabled, e.g. "answered 410 Gone at ..."')
    description: str
    created_at: datetime


class CreatedEndpointOut(EndpointOut):
    secret: str = Field(description="The signing secret (whsec_...), shown in this answer only")


class DeliveryOut(BaseModel):
    id: int = Field(description="The delivery (outbox row) id, for replay")
    endpoint_id: int
    event_id: int | None
    event_type: str
    webhook_id: str = Field(description="The webhook-id header: the same on every retry and replay")
    state: str
    status: int | None = Field(description="The receiver's last HTTP status (null: not tried yet, or no answer)")
    attempts: int
    error: str | None
    at: datetime | None


class EventOut(BaseModel):
    id: int
    type: str
    created_at: datetime
    data: dict[str, Any]


def _endpoint_out(e: webhook_endpoints.Endpoint) -> EndpointOut:
    return EndpointOut(
        id=e.id,
        url=e.url,
        event_types=e.event_types,
        enabled=e.enabled,
        disabled_reason=e.disabled_reason,
        description=e.description,
        created_at=e.created_at,
    )


@router.get("/webhooks", openapi_extra=READ, summary="The webhook endpoints (never their secrets)")
def api_webhooks(request: Request) -> list[EndpointOut]:
    return [_endpoint_out(e) for e in webhook_endpoints.list_endpoints(get_store(request))]


@router.post(
    "/webhooks", openapi_extra=WRITE, status_code=201, summary="Subscribe a URL to event types; the secret, once"
)
def api_add_webhook(request: Request, body: EndpointIn) -> CreatedEndpointOut:
    s = get_services(request)
    types, description = body.event_types, body.description
    endpoint_id, secret = webhook_endpoints.add_endpoint(s.store, s.settings, body.url, types, description)
    shown = _endpoint_out(webhook_endpoints.get_endpoint(s.store, endpoint_id))
    return CreatedEndpointOut(**shown.model_dump(), secret=secret)


@router.delete("/webhooks/{endpoint_id}", openapi_extra=WRITE, status_code=204, summary="Remove a webhook endpoint")
def api_remove_webhook(request: Request, endpoint_id: Id) -> Response:
    webhook_endpoints.remove_endpoint(get_store(request), endpoint_id)
    return Response(status_code=204)


@router.get("/webhooks/deliveries", openapi_extra=READ, summary="The latest webhook deliveries, newest first")
def api_deliveries(
    request: Request,
    endpoint_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> list[DeliveryOut]:
    return [
        DeliveryOut(
            id=d.row_id,
            endpoint_id=d.endpoint_id,
            event_id=d.event_id,
            event_type=d.event_type,
            webhook_id=d.webhook_id,
            state=d.state,
            status=d.status,
            attempts=d.attempts,
            error=d.error,
            at=d.at,
        )
        for d in webhooks.deliveries(get_store(request), endpoint_id, limit)
    ]


@router.post(
    "/webhooks/deliveries/{row_id}/replay",
    openapi_extra=SEND,
    status_code=202,
    summary="Send a delivery again, with the same webhook-id",
)
def api_replay(request: Request, row_id: Id) -> dict[str, Any]:
    webhooks.replay(get_services(request), row_id)
    return {"id": row_id, "state": "queued"}


@router.get("/events", openapi_extra=READ, summary="The event log, newest first (filter by type)")
def api_events(
    request: Request,
    type: Annotated[str | None, Query(max_length=50, description="One event type, e.g. digest.sent")] = None,  # noqa: A002
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[EventOut]:
    return [
        EventOut(id=e.id, type=e.type, created_at=e.created_at, data=e.data)
        for e in webhooks.recent_events(get_store(request), type, limit)
    ]
