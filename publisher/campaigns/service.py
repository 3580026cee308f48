"""The two actions every caller uses: send_digest() and share().

The CLI, the editor, the API, the demo and the scheduler all call these, so "create the campaign, then
dispatch unless scheduled" (and auto-share) is written once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from publisher import campaigns
from publisher.runtime import Services


def send_digest(
    services: Services,
    article_ids: Sequence[int],
    list_name: str,
    *,
    subject: str | None = None,
    send_at: datetime | None = None,
) -> int:
    """Render a digest once, queue it for every active subscriber, and dispatch it (unless scheduled)."""
    s = services
    campaign_id = campaigns.create_email_campaign(
        s.store, s.settings, article_ids, list_name, subject=subject, send_at=send_at
    )
    if send_at is None:
        campaigns.dispatch(s.store, s.settings, s.dispatcher, campaign_id)
    return campaign_id


def share(services: Services, article_id: int, channels: Sequence[str], *, force: bool = False) -> int:
    """The Share action: one post per channel, dispatched; raises AlreadyShared unless forced."""
    s = services
    campaign_id = campaigns.create_share_campaign(s.store, s.settings, article_id, channels, force=force)
    campaigns.dispatch(s.store, s.settings, s.dispatcher, campaign_id)
    return campaign_id


def auto_share_article(services: Services, article_id: int) -> int | None:
    """Share a newly published article to PUBLISHER_SHARE_ON_IMPORT's channels (skipping earlier shares)."""
    from publisher import sharing  # to be folded in here (issue 10)

    return sharing.auto_share_article(services.store, services.settings, services.dispatcher, article_id)
