"""The share preview: what each channel would post, counted as its network counts, before anything is sent.

preview(store, settings, article_id, channels) -> one SharePreview per channel, nothing sent.
Sharing itself (and auto-share) is campaigns.service.share / auto_share_article; share and
auto_share_article here are campaigns.compat's, with the (store, settings, dispatcher) signatures of before.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from publisher.accounts import network_of
from publisher.articles import Article
from publisher.campaigns.compat import auto_share_article, share
from publisher.campaigns.create import earlier_share
from publisher.channels import TextLimits, open_channel
from publisher.config import Settings
from publisher.errors import PublisherError, TextTooLong
from publisher.library import get_article
from publisher.render.share import PostShape, compose_post, fit_post, share_url
from publisher.store import Store

__all__ = ["SharePreview", "auto_share_article", "preview", "share"]


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
    parts: tuple[str, ...] = ()  # a thread's parts, in order (text is the first; length the longest's)

    @property
    def over(self) -> bool:
        """True when the post cannot go out as shown: too long for the network, or no post at all."""
        return self.error is not None or (self.limit is not None and self.length > self.limit)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def preview(
    store: Store, settings: Settings, article_id: int, channels: Sequence[str], *, shape: PostShape | None = None
) -> list[SharePreview]:
    """Each channel's post and its counted length, before anything is sent; with a shape asking for
    threads (or the editor's texts), each channel's parts as they would be posted."""
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
        earlier = earlier_share(store, article_id, name)
        if shape is not None and (shape.thread or name in shape.texts):
            out.append(_composed(article, name, limits, settings, shape, url, earlier))
            continue
        try:
            fitted = fit_post(article, name, limits, settings)
        except TextTooLong as exc:
            out.append(SharePreview(name, network, "", 0, limits.max_length, False, url, str(exc), earlier))
            continue
        out.append(
            SharePreview(name, network, fitted.text, fitted.length, fitted.limit, fitted.shortened, url, None, earlier)
        )
    return out


def _composed(
    article: Article,
    name: str,
    limits: TextLimits,
    settings: Settings,
    shape: PostShape,
    url: str,
    earlier: str | None,
) -> SharePreview:
    """The preview of a post composed as the share will compose it: a thread's parts, or the editor's text."""
    network = network_of(name)
    try:
        post = compose_post(article, name, limits, settings, shape=shape)
    except TextTooLong as exc:
        return SharePreview(name, network, "", 0, limits.max_length, False, url, str(exc), earlier)
    parts = tuple(part.text for part in post.parts)
    longest = max(int(part.extra.get("length") or 0) for part in post.parts)
    return SharePreview(name, network, post.text, longest, limits.max_length, False, url, None, earlier, parts)
