"""The Share action as a library: preview, share, auto-share. The CLI and the web app call these.

preview(store, settings, article_id, channels)        -> one SharePreview per channel, nothing sent
share(store, settings, dispatcher, article_id, channels, force=False) -> campaign id, one task per channel
auto_share_digest(store, settings, dispatcher, campaign_id)  -> share a digest's articles (settings)
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select

from publisher import campaigns
from publisher.accounts import network_of
from publisher.channels import open_channel
from publisher.config import Settings
from publisher.errors import PublisherError
from publisher.library import get_article
from publisher.render.share import fit_post, share_url
from publisher.store import Store
from publisher.store.models import CampaignArticle

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SharePreview:
    """What one channel would post: the text, its length as the network counts it, and the limit."""

    channel: str
    network: str
    text: str
    length: int
    limit: int | None
    shortened: bool
    url: str
    error: str | None = None
    already_shared: str | None = None  # where it was shared before: sharing again needs force

    @property
    def over(self) -> bool:
        """True when the post cannot go out as shown: too long for the network, or no post at all."""
        return self.error is not None or (self.limit is not None and self.length > self.limit)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def preview(store: Store, settings: Settings, article_id: int, channels: Sequence[str]) -> list[SharePreview]:
    """Each channel's post and its counted length, before anything is sent."""
    if not channels:
        raise PublisherError("name at least one channel to share to")
    article = get_article(store, article_id)
    out = []
    for name in dict.fromkeys(channels):
        channel = open_channel(name, settings)  # refuses an unknown channel with the known ones
        try:
            limits = channel.limits
        finally:
            channel.close()
        network = network_of(name)
        url = share_url(article, network, settings)
        earlier = campaigns.earlier_share(store, article_id, name)
        try:
            fitted = fit_post(article, name, limits, settings)
        except ValueError as exc:  # textrules.TextTooLong
            out.append(SharePreview(name, network, "", 0, limits.max_length, False, url, str(exc), earlier))
            continue
        out.append(
            SharePreview(name, network, fitted.text, fitted.length, fitted.limit, fitted.shortened, url, None, earlier)
        )
    return out


def share(
    store: Store,
    settings: Settings,
    dispatcher: campaigns.Dispatcher,
    article_id: int,
    channels: Sequence[str],
    *,
    force: bool = False,
) -> int:
    """Queue one post per channel (a task on each channel's queue); refused per account if shared before."""
    campaign_id = campaigns.create_share_campaign(store, settings, article_id, channels, force=force)
    campaigns.dispatch(store, settings, dispatcher, campaign_id)
    return campaign_id


def auto_share_digest(
    store: Store, settings: Settings, dispatcher: campaigns.Dispatcher, campaign_id: int
) -> list[int]:
    """Share the articles of a digest campaign to PUBLISHER_SHARE_ON_DIGEST's channels.

    Channels an article was already shared to are skipped (never forced); a problem with one article or
    channel is logged and does not stop the digest. Returns the share campaign ids.
    """
    channels = settings.share_on_digest_channels
    if not channels:
        return []
    with store.session() as session:
        article_ids = session.scalars(
            select(CampaignArticle.article_id)
            .where(CampaignArticle.campaign_id == campaign_id)
            .order_by(CampaignArticle.position)
        ).all()
    return [cid for a in article_ids if (cid := _auto_share(store, settings, dispatcher, a, channels))]


def auto_share_article(
    store: Store, settings: Settings, dispatcher: campaigns.Dispatcher, article_id: int
) -> int | None:
    """Share a newly published article to PUBLISHER_SHARE_ON_IMPORT's channels (skipping earlier shares)."""
    return _auto_share(store, settings, dispatcher, article_id, settings.share_on_import_channels)


def _auto_share(
    store: Store, settings: Settings, dispatcher: campaigns.Dispatcher, article_id: int, channels: list[str]
) -> int | None:
    try:
        todo = [name for name in channels if campaigns.earlier_share(store, article_id, name) is None]
        if not todo:
            return None
        return share(store, settings, dispatcher, article_id, todo)
    except PublisherError as exc:
        log.warning("auto-share of article %s to %s failed: %s", article_id, ", ".join(channels), exc)
        return None
    except Exception:  # the digest (or import) it rides on has happened: never fail it over a share
        log.exception("auto-share of article %s to %s failed", article_id, ", ".join(channels))
        return None
