"""Campaigns: a Send (digest to a list) or a Share (post to channels), rendered once, fanned out to the outbox.

One module per concern:
    create     create_email_campaign, create_share_campaign, earlier_share
    templates  the publication's template overrides: load, try, save (only once they render), reset
    checks     digest_findings: the accessibility check of a digest before it is sent
    duplicates the duplicate-send rule and the Send form's submission token; earlier_send
    outbox     queue_subscribers: a mail campaign's rows, one INSERT ... SELECT
    dispatch   batches, dispatch_campaign (-> Dispatched), redispatch_pending, queue_for
    control    pause, resume, cancel
    status     CampaignStatus, status, watch
    schedule   parse_send_at, check_send_at, start_due, reschedule (scheduled sends and shares alike)
    slots      parse_slots -> Slots: an account's posting slots ("weekdays 09:00, 17:00") and their times
    queue      posting slots in the database, add_to_queue (the next free slot per account), upcoming
    service    send_digest, share, dispatch, sweep, auto_share_digest, auto_share_article: what the
               interfaces, the scheduler and the workers call (they hold a runtime.Services)
    proof      send_test: "Send a test to me", one marked message straight through the email channel, no
               campaign and no outbox row
    compat     dispatch, sweep, share, auto_share_article with the (store, settings, dispatcher) signatures
               of before, for callers that hold those parts rather than a Services; each calls service

The names below are re-exported so `campaigns.status(store, id)` reads as before; the creation ones load on
first use, so reading a status imports no renderer. `campaigns.dispatch` and `campaigns.sweep` are the
compat functions (a digest's first dispatch still auto-shares). `status` and `dispatch` here name the
functions, not the submodules: import from a submodule with `from publisher.campaigns.dispatch import ...`.
Dispatcher is the protocol in publisher.dispatcher, which runtime re-exports.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from publisher.campaigns import compat
from publisher.campaigns.control import cancel, pause, resume
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
from publisher.dispatcher import Dispatcher

if TYPE_CHECKING:  # pragma: no cover
    from publisher.campaigns.create import create_email_campaign, create_share_campaign, earlier_share
    from publisher.campaigns.service import preview_findings

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
    "preview_findings",
    "queue_for",
    "reschedule",
    "resume",
    "start_due",
    "status",
    "sweep",
    "watch",
]

# The functions, not the submodule of the same name (importing a submodule binds its name here; the
# dispatch module is loaded above, so nothing rebinds this afterwards).
dispatch = compat.dispatch
sweep = compat.sweep

# Loaded on first use (PEP 562), so reading a campaign's status does not import the renderer and channels.
_ON_FIRST_USE = {
    "create_email_campaign": "publisher.campaigns.create",
    "create_share_campaign": "publisher.campaigns.create",
    "earlier_share": "publisher.campaigns.create",
    "preview_findings": "publisher.campaigns.service",  # the accessibility check of a digest not yet sent
}


def __getattr__(name: str) -> Any:
    if name not in _ON_FIRST_USE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_ON_FIRST_USE[name]), name)
    globals()[name] = value
    return value
