"""Feeds in the API (issue 16): GET/POST /api/feeds, DELETE /api/feeds/{id}, POST /api/feeds/{id}/poll.

The same token scopes as the rest of the API: read for GET, write for the others. A bad feed is a 422
naming the problem, an unknown id a 404 (api.py's error bodies).
"""

from __future__ import annotations

from datetime import datetime

from fastapi import Request, Response
from pydantic import BaseModel, Field

from publisher.automation import feeds
from publisher.errors import NotFound
from publisher.web.deps import get_services
from publisher.web.routes.api import Id, api_router
from publisher.web.routes.editor_feeds import poll_summary
from publisher.web.security import READ, WRITE

router = api_router()


class FeedIn(BaseModel):
    url: str = Field(min_length=1, max_length=2000, description="The feed's http(s) URL: RSS, Atom or JSON Feed")
    list_name: str | None = Field(default=None, max_length=200, description="Its articles go to this list's digests")
    share: list[str] = Field(default_factory=list, max_length=20, description="Accounts each new article goes to")
    every: str = Field(default="15m", max_length=10, description="How often to poll: 15m, 1h, 1d")


class FeedOut(BaseModel):
    id: int
    url: str
    title: str
    list_name: str | None
    share: list[str]
    every: str
    articles: int = Field(description="Articles imported from it")
    last_polled_at: datetime | None
    last_status: int | None = Field(description="The last poll's HTTP status (304: not modified)")
    last_error: str | None = Field(description="Why the last poll failed; None when it did not")
    failures: int = Field(description="Failed polls in a row (each waits longer, at most a day)")
    next_poll_at: datetime


class PollOut(BaseModel):
    feed_id: int
    imported: int
    skipped: int = Field(description="Entries seen before")
    deferred: int = Field(description="New entries over the per-poll cap, left for the next poll")
    failed: int = Field(description="New entries that could not be imported")
    status: int | None
    not_modified: bool
    error: str | None
    summary: str


def _out(feed: feeds.FeedInfo) -> FeedOut:
    return FeedOut(
        id=feed.id,
        url=feed.url,
        title=feed.title,
        list_name=feed.list_name,
        share=feed.share_accounts,
        every=feeds.show_every(feed.every_seconds),
        articles=feed.entries,
        last_polled_at=feed.last_polled_at,
        last_status=feed.last_status,
        last_error=feed.last_error,
        failures=feed.failures,
        next_poll_at=feed.next_poll_at,
    )


def _one(request: Request, feed_id: int) -> FeedOut:
    for feed in feeds.list_feeds(get_services(request).store):
        if feed.id == feed_id:
            return _out(feed)
    raise NotFound(f"no feed with id {feed_id}")


@router.get("/feeds", openapi_extra=READ, summary="Every feed, with its last poll, last error and next poll")
def api_feeds(request: Request) -> list[FeedOut]:
    return [_out(f) for f in feeds.list_feeds(get_services(request).store)]


@router.post("/feeds", openapi_extra=WRITE, status_code=201, summary="Add a feed, polled by the workers from now")
def api_add_feed(request: Request, body: FeedIn) -> FeedOut:
    feed_id = feeds.add_feed(
        get_services(request), body.url, list_name=body.list_name, share=body.share, every=body.every
    )
    return _one(request, feed_id)


@router.delete("/feeds/{feed_id}", openapi_extra=WRITE, status_code=204, summary="Remove a feed (its articles stay)")
def api_remove_feed(request: Request, feed_id: Id) -> Response:
    feeds.remove_feed(get_services(request).store, feed_id)
    return Response(status_code=204)


@router.post("/feeds/{feed_id}/poll", openapi_extra=WRITE, summary="Poll a feed now and wait for it")
def api_poll_feed(request: Request, feed_id: Id) -> PollOut:
    result = feeds.poll(get_services(request), feed_id)
    return PollOut(
        feed_id=result.feed_id,
        imported=result.imported,
        skipped=result.skipped,
        deferred=result.deferred,
        failed=result.failed,
        status=result.status,
        not_modified=result.not_modified,
        error=result.error,
        summary=poll_summary(result),
    )
