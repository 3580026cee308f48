"""The posting queue in the API (issue 14): each account's slots, "Add to queue", and what is queued.

Its own module beside api.py, with the same token scopes and error bodies. A share at a time is
POST /api/campaigns/share with `send_at` (api.py); cancelling either is POST /api/campaigns/{id}/cancel.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Path, Request, Response
from pydantic import BaseModel, Field

from publisher.campaigns import queue, service
from publisher.campaigns.queue import QueuedShare
from publisher.channels import share_channels
from publisher.errors import PublisherError
from publisher.render.share import PostShape
from publisher.web.deps import get_services, get_store
from publisher.web.routes.api import api_router
from publisher.web.routes.api_models import IMAGES_DESCRIPTION, ShareImageIn
from publisher.web.security import READ, SEND

router = api_router()

Account = Annotated[str, Path(min_length=1, max_length=100, description="The share channel, e.g. mastodon:work")]


class SlotsIn(BaseModel):
    spec: str = Field(min_length=1, max_length=500, description='The slots, e.g. "weekdays 09:00, 17:00"')
    timezone: str | None = Field(
        default=None, max_length=64, description="An IANA zone such as Europe/Berlin (default: named in spec, or UTC)"
    )


class SlotsOut(BaseModel):
    account: str
    spec: str = Field(description="The slots in their normal form")
    timezone: str
    next_free: datetime | None = Field(description='The slot "Add to queue" would take now (UTC)')


class QueueIn(BaseModel):
    article_id: int = Field(ge=1, le=2_147_483_647)
    channels: list[str] = Field(min_length=1, max_length=20)
    force: bool = Field(default=False, description="Queue even where the article was shared (or queued) before")
    attach_image: bool = False
    texts: dict[str, str] = Field(
        default_factory=dict, max_length=20, description="The editor's own text per account, as for a share"
    )
    images: list[ShareImageIn] = Field(default_factory=list, max_length=20, description=IMAGES_DESCRIPTION)
    track_clicks: bool = Field(
        default=False, description="Count clicks on the posts, as for a share; a 422 when tracking is off"
    )


class QueuedOut(BaseModel):
    campaign_id: int = Field(description="The scheduled share campaign holding the slot")
    account: str
    at: datetime = Field(description="The slot (UTC)")
    timezone: str = Field(description="The account's slot time zone")


def _known(request: Request, account: str) -> None:
    known = share_channels(get_services(request).settings)
    if account not in known:
        raise PublisherError(f"unknown channel {account!r}; configured: {', '.join(known) or 'none'}")


def _slots_out(request: Request, account: str) -> SlotsOut:
    store = get_store(request)
    slots = queue.require_slots(store, account)
    nxt = queue.next_free(store, [account], now=get_services(request).clock.now())[account]
    return SlotsOut(account=account, spec=slots.text, timezone=slots.zone, next_free=nxt)


def _queued_out(item: QueuedShare) -> QueuedOut:
    return QueuedOut(campaign_id=item.campaign_id, account=item.account, at=item.at, timezone=item.zone)


@router.get("/channels/{account}/slots", openapi_extra=READ, summary="An account's posting slots (404: none)")
def api_slots(request: Request, account: Account) -> SlotsOut:
    return _slots_out(request, account)


@router.put("/channels/{account}/slots", openapi_extra=SEND, summary="Set an account's posting slots")
def api_set_slots(request: Request, account: Account, body: SlotsIn) -> SlotsOut:
    _known(request, account)
    queue.set_slots(get_store(request), account, body.spec, body.timezone)
    return _slots_out(request, account)


@router.delete(
    "/channels/{account}/slots", openapi_extra=SEND, status_code=204, summary="Remove an account's posting slots"
)
def api_clear_slots(request: Request, account: Account) -> Response:
    queue.clear_slots(get_store(request), account)
    return Response(status_code=204)


@router.post(
    "/queue",
    openapi_extra=SEND,
    status_code=201,
    summary="Add to queue: the article at each account's next free posting slot, one scheduled campaign per account",
)
def api_add_to_queue(request: Request, body: QueueIn) -> list[QueuedOut]:
    for account in body.channels:
        _known(request, account)
    items = service.add_to_queue(
        get_services(request),
        body.article_id,
        body.channels,
        force=body.force,
        attach_image=body.attach_image,
        texts=body.texts,
        shape=PostShape(images=tuple(image.picked() for image in body.images)),
        track_clicks=body.track_clicks,
    )
    return [_queued_out(item) for item in items]


@router.get("/queue", openapi_extra=READ, summary="The queued posts still to go, soonest first")
def api_queue(request: Request) -> list[QueuedOut]:
    return [_queued_out(i) for i in queue.upcoming(get_store(request), now=get_services(request).clock.now())]
