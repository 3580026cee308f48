"""The editor's Bounces page: sender-side alarms on top, then bounces per campaign and per receiving domain.

Read-only (publisher.bounces.stats); a paused campaign's Resume button posts to the campaign page's own
control route. While a campaign is sending, the page reloads itself every REFRESH_SECONDS (static
bounces.js: the pages allow no inline script) so new bounces and a pause show up without a click.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from publisher.bounces import stats
from publisher.bounces.reasons import effect_of, label_of
from publisher.errors import PublisherError
from publisher.web.deps import get_services, page
from publisher.web.security import Editor, require_editor

router = APIRouter(prefix="/editor", include_in_schema=False, dependencies=[Depends(require_editor)])

REFRESH_SECONDS = 15
SPANS = [
    ("", "All time"),
    ("24h", "Last 24 hours"),
    ("7d", "Last 7 days"),
    ("30d", "Last 30 days"),
    ("90d", "Last 90 days"),
]
CampaignQuery = Annotated[int | None, Query(ge=1, le=2_147_483_647)]
SinceQuery = Annotated[str, Query(max_length=40)]


@router.get("/bounces", response_class=HTMLResponse)
def bounces_page(request: Request, ctx: Editor, since: SinceQuery = "", campaign: CampaignQuery = None) -> Response:
    services = get_services(request)
    problem = None
    try:
        when = stats.parse_since(since)
    except PublisherError as exc:
        problem, when, since = str(exc).replace("--since ", "Since "), None, ""
    with services.store.read_session() as session:
        summary = stats.bounce_report(session, services.settings, since=when, campaign_id=campaign)
        sending = stats.sending_now(session)
    spans = SPANS if any(value == since for value, _ in SPANS) else [*SPANS, (since, f"Since {since}")]
    context = {
        "ctx": ctx,
        "summary": summary,
        "since": since,
        "spans": spans,
        "campaign": campaign,
        "problem": problem,
        "refresh": REFRESH_SECONDS if sending else None,
        "kind_words": stats.KIND_WORDS,
        "reason_words": stats.reason_words,
        "effect_words": stats.EFFECT_WORDS,
        "label_of": label_of,
        "effect_of": effect_of,
    }
    return page(request, "editor/bounces.html.j2", context, status_code=400 if problem else 200)
