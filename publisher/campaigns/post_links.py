"""Click links on share posts (issue 15): each channel's post links through BASE_URL/r/<token>.

When the editor asks for it (`track_clicks`), a share campaign freezes the publication's tracking mode
like a mail does, and each channel of it gets one tracked_links row: position n for the n-th channel (the
order its outbox rows are written in, which publisher.insight.capture reads back to find the post's
channel and its sent time), the URL the article's link as posted (with utm_source=<network> and
utm_medium=social when the publication's UTM setting or PUBLISHER_SHARE_UTM is on). The token names
recipient 0: a post has no subscriber. render.tracked.track_post puts the tracked URL where each network
needs it without changing how long the post counts.
"""

from __future__ import annotations

from publisher import publication
from publisher.articles import Article
from publisher.channels.account import network_of
from publisher.channels.base import Post, TextLimits
from publisher.config import Settings
from publisher.errors import PublisherError
from publisher.render.share import with_utm
from publisher.render.tracked import track_post
from publisher.store import Store
from publisher.store.insight import TrackedLink
from publisher.tracking import Mode, mode_of
from publisher.tracking_tokens import POST_RECIPIENT, TokenSigner

__all__ = ["POST_RECIPIENT", "PostLinks", "check_post_tracking", "tracking_settings"]


def check_post_tracking(settings: Settings) -> str:
    """The publication's tracking mode for a share that counts clicks; refused when tracking is off."""
    if mode_of(settings.tracking) == Mode.OFF:
        raise PublisherError(
            "the publication's tracking mode is off, so post clicks cannot be counted; "
            "set tracking to aggregate or individual in the publication settings, or share without counting clicks"
        )
    return settings.tracking


def tracking_settings(store: Store, settings: Settings) -> Settings:
    """The settings with the publication's tracking mode and UTM setting, for a share that counts clicks;
    PublisherError when the mode is off."""
    effective = publication.effective(store, settings)
    check_post_tracking(effective)
    return effective


class PostLinks:
    """Makes one share campaign's tracked post links, in the caller's transaction (the campaign row exists)."""

    def __init__(self, settings: Settings, campaign_id: int, article: Article) -> None:
        self.settings = settings
        self.campaign_id = campaign_id
        self.article = article
        self.signer = TokenSigner(settings.signing_key())
        self.links: list[TrackedLink] = []

    def track(self, post: Post, channel: str, limits: TextLimits) -> Post:
        """The post with its link tracked; its tracked_links row is kept in `links` for the caller to add."""
        network = network_of(channel)
        url = post.url
        if self.settings.utm and "utm_source=" not in url:
            url = with_utm(url, network, self.article.slug)
        position = len(self.links) + 1
        self.links.append(TrackedLink(campaign_id=self.campaign_id, position=position, url=url))
        token = self.signer.make("click", self.campaign_id, position, POST_RECIPIENT)
        return track_post(post, network, f"{self.settings.base_url}/r/{token}", limits)
