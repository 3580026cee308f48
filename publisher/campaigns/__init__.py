"""Campaigns: a Send (digest to a list) or a Share (post to channels), rendered once, fanned out to the outbox.

One module per concern:
    create     create_email_campaign, create_share_campaign, earlier_share
    dispatch   batches, dispatch_campaign (-> Dispatched), redispatch_pending, queue_for
    control    pause, resume, cancel
    status     CampaignStatus, status, watch
    schedule   parse_send_at, check_send_at, start_due, reschedule
    service    send_digest, share, dispatch, sweep, auto_share_digest, auto_share_article: what the
               interfaces, the scheduler and the workers call (they hold a runtime.Services)

The names below are re-exported so `campaigns.status(store, id)` reads as before. `campaigns.dispatch` and
`campaigns.sweep` keep their (store, settings, dispatcher) signatures for callers that hold the parts
rather than a Services; both go through service.py, so a digest's first dispatch still auto-shares.
(`status` and `dispatch` here are the functions, not the submodules of the same name.)
"""

from __future__ import annotations

from publisher.campaigns import service
from publisher.campaigns.control import cancel, pause, resume
from publisher.campaigns.create import create_email_campaign, create_share_campaign, earlier_share
from publisher.campaigns.dispatch import Batch, Dispatched, batches, dispatch_campaign, queue_for
from publisher.campaigns.schedule import (
    MAX_SCHEDULE_AHEAD,
    SEND_AT_EXAMPLE,
    check_send_at,
    parse_send_at,
    reschedule,
    start_due,
)
from publisher.campaigns.status import THROUGHPUT_WINDOW_SECONDS, CampaignStatus, status, watch
from publisher.config import Settings
from publisher.runtime import Dispatcher, build
from publisher.store import Store

__all__ = [
    "MAX_SCHEDULE_AHEAD",
    "SEND_AT_EXAMPLE",
    "THROUGHPUT_WINDOW_SECONDS",
    "Batch",
    "CampaignStatus",
    "Dispatched",
    "Dispatcher",
    "batches",
    "cancel",
    "check_send_at",
    "create_email_campaign",
    "create_share_campaign",
    "dispatch",
    "dispatch_campaign",
    "earlier_share",
    "parse_send_at",
    "pause",
    "queue_for",
    "reschedule",
    "resume",
    "start_due",
    "status",
    "sweep",
    "watch",
]


def dispatch(
    store: Store, settings: Settings, dispatcher: Dispatcher, campaign_id: int, *, pending_only: bool = False
) -> int:
    """service.dispatch for a caller holding the parts: hand out the batches (auto-share on a digest's first)."""
    return service.dispatch(build(settings, store=store, dispatcher=dispatcher), campaign_id, pending_only=pending_only)


def sweep(store: Store, settings: Settings, dispatcher: Dispatcher, *, stalled_only: bool = False) -> int:
    """service.sweep for a caller holding the parts: start due sends, dispatch again what is pending."""
    return service.sweep(build(settings, store=store, dispatcher=dispatcher), stalled_only=stalled_only)
