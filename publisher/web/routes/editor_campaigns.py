"""Editor pages for campaigns: the list, one campaign with live progress, pause / resume / cancel."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from publisher import campaigns, editing
from publisher.bounces.stats import KIND_WORDS, campaign_bounces
from publisher.web.deps import DbId, get_services, get_store, page
from publisher.web.security import CheckedForm, Editor, require_editor

router = APIRouter(prefix="/editor", include_in_schema=False, dependencies=[Depends(require_editor)])

FINAL = ("done", "cancelled")


def progress(state: campaigns.CampaignStatus) -> dict[str, object]:
    """What the campaign page shows and polls: counts, percent finished, which controls apply."""
    finished = state.total - state.pending
    return {
        "id": state.id,
        "kind": state.kind,
        "state": state.state,
        "pause_reason": state.pause_reason,  # shown after "Paused:"
        "subject": state.subject,
        "counts": state.counts,
        "total": state.total,
        "finished": finished,
        "percent": 100 if state.total == 0 else int(finished * 100 / state.total),
        "can_pause": state.state in ("queued", "sending") and state.pending > 0,
        "can_resume": state.state == "paused",
        "can_cancel": state.state in ("scheduled", "queued", "sending", "paused") and state.pending > 0,
        "final": state.state in FINAL,
        "scheduled_at": state.scheduled_at.isoformat() if state.scheduled_at else None,  # issue 7
    }


@router.get("/campaigns", response_class=HTMLResponse)
def campaign_list(request: Request, ctx: Editor) -> Response:
    rows = editing.recent_campaigns(get_store(request), limit=100)
    return page(request, "editor/campaigns.html.j2", {"ctx": ctx, "rows": rows})


@router.get("/campaigns/{campaign_id}", response_class=HTMLResponse)
def campaign_page(campaign_id: DbId, request: Request, ctx: Editor) -> Response:
    store = get_store(request)
    state = campaigns.status(store, campaign_id, with_deliveries=True)
    with store.session() as session:  # the "Bounces" line (issue 13)
        bounced = campaign_bounces(session, campaign_id) if state.kind != "share" else {}
    return page(
        request,
        "editor/campaign.html.j2",
        {
            "ctx": ctx,
            "status": state,
            "progress": progress(state),
            "done": request.query_params.get("done", ""),
            "bounces": bounced,
            "kind_words": KIND_WORDS,
        },
    )


@router.get("/campaigns/{campaign_id}/progress")
def campaign_progress(campaign_id: DbId, request: Request) -> Response:
    """Polled by the campaign page every second while the campaign runs."""
    return JSONResponse(progress(campaigns.status(get_store(request), campaign_id)))


@router.post("/campaigns/{campaign_id}/{action}")
def control(campaign_id: DbId, action: str, request: Request, form: CheckedForm) -> Response:
    store = get_store(request)
    if action == "pause":
        campaigns.pause(store, campaign_id)
    elif action == "resume":
        services = get_services(request)
        campaigns.resume(store, services.settings, services.dispatcher, campaign_id)
    elif action == "cancel":
        campaigns.cancel(store, campaign_id)
    else:
        return page(request, "not_found.html.j2", {"what": "action"}, status_code=404)
    return RedirectResponse(f"/editor/campaigns/{campaign_id}?done={action}", status_code=303)
