"""The editor's Automation page (issue 16): one place for what runs by itself, each part with its state.

Feeds, recurring digests, welcome mails and event webhooks each have their own page; this one says, per part,
how many there are, which need attention (a feed backing off, a disabled endpoint) and what runs next, so the
nav needs one link for all four.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import func, select

from publisher.store.models import DigestSchedule, EventRow, Feed, SequenceStep, WebhookEndpoint
from publisher.web.deps import get_services, page
from publisher.web.security import Editor, require_editor

router = APIRouter(prefix="/editor", include_in_schema=False, dependencies=[Depends(require_editor)])


@router.get("/automation", response_class=HTMLResponse)
def automation_page(request: Request, ctx: Editor) -> Response:
    services = get_services(request)
    with services.store.read_session() as session:
        feeds = session.execute(
            select(func.count(), func.count(Feed.last_error), func.min(Feed.next_poll_at)).where(Feed.paused.is_(False))
        ).one()
        schedules = session.execute(
            select(func.count(), func.min(DigestSchedule.next_run_at)).where(DigestSchedule.paused.is_(False))
        ).one()
        paused = session.scalar(select(func.count()).where(DigestSchedule.paused.is_(True))) or 0
        steps = session.execute(
            select(func.count(), func.count(func.distinct(SequenceStep.list_id))).where(SequenceStep.enabled.is_(True))
        ).one()
        endpoints = session.execute(
            select(func.count(), func.count(WebhookEndpoint.disabled_reason)).select_from(WebhookEndpoint)
        ).one()
        last_event: datetime | None = session.scalar(select(func.max(EventRow.created_at)))
    parts: list[dict[str, Any]] = [
        {
            "name": "Feeds",
            "href": "/editor/feeds",
            "what": "RSS, Atom and JSON feeds polled for new articles",
            "count": f"{feeds[0]} feed(s)",
            "attention": f"{feeds[1]} with an error" if feeds[1] else "",
            "next": _when("next poll", feeds[2]),
        },
        {
            "name": "Recurring digests",
            "href": "/editor/schedules",
            "what": "a list's digest every day, week or month, of what was published since the last one",
            "count": f"{schedules[0]} schedule(s)" + (f", {paused} paused" if paused else ""),
            "attention": "",
            "next": _when("next run", schedules[1]),
        },
        {
            "name": "Welcome mails",
            "href": "/editor/sequences",
            "what": "the mail a new reader gets, and the ones after it",
            "count": f"{steps[0]} mail(s) on {steps[1]} list(s)",
            "attention": "",
            "next": "",
        },
        {
            "name": "Webhooks",
            "href": "/editor/webhooks",
            "what": "events (published, sent, confirmed, unsubscribed, …) signed and posted to your URLs",
            "count": f"{endpoints[0]} endpoint(s)",
            "attention": f"{endpoints[1]} disabled" if endpoints[1] else "",
            "next": _when("last event", last_event),
        },
    ]
    return page(request, "editor/automation.html.j2", {"ctx": ctx, "parts": parts})


def _when(label: str, at: datetime | None) -> str:
    return f"{label} {at:%Y-%m-%d %H:%M} UTC" if at is not None else ""
