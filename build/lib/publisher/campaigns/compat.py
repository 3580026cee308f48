"""The (store, settings, dispatcher) signatures from before issue 10, for callers that hold those parts
rather than a runtime.Services (the interfaces, until their process builds one). Each goes through
service.py, so auto-share behaves the same whichever way a caller comes in.

service.py is imported when one of these is first called, not with the package: it brings creation (the
renderer, the channels), which `publisher status` and the other read-only commands never need.
"""

from __future__ import annotations

from collections.abc import Sequence

from publisher.config import Settings
from publisher.dispatcher import Dispatcher
from publisher.store import Store


def dispatch(
    store: Store, settings: Settings, dispatcher: Dispatcher, campaign_id: int, *, pending_only: bool = False
) -> int:
    """service.dispatch: hand out a campaign's batches (auto-sharing a digest on its first); how many."""
    from publisher.campaigns import service  # on first use: see the module's docstring

    return service.dispatch(service.services_of(store, settings, dispatcher), campaign_id, pending_only=pending_only)


def sweep(store: Store, settings: Settings, dispatcher: Dispatcher, *, stalled_only: bool = False) -> int:
    """service.sweep: start the scheduled sends that are due, then dispatch again what is pending."""
    from publisher.campaigns import service  # on first use: see the module's docstring

    return service.sweep(service.services_of(store, settings, dispatcher), stalled_only=stalled_only)


def share(
    store: Store,
    settings: Settings,
    dispatcher: Dispatcher,
    article_id: int,
    channels: Sequence[str],
    *,
    force: bool = False,
    attach_image: bool = False,
) -> int:
    """service.share: one post per channel, dispatched; raises AlreadyShared unless forced."""
    from publisher.campaigns import service  # on first use: see the module's docstring

    services = service.services_of(store, settings, dispatcher)
    return service.share(services, article_id, channels, force=force, attach_image=attach_image)


def auto_share_article(store: Store, settings: Settings, dispatcher: Dispatcher, article_id: int) -> int | None:
    """service.auto_share_article: share a newly published article to PUBLISHER_SHARE_ON_IMPORT's channels."""
    from publisher.campaigns import service  # on first use: see the module's docstring

    return service.auto_share_article(service.services_of(store, settings, dispatcher), article_id)
