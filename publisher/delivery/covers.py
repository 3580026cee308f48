"""A share post's images, loaded just before the post goes to its network.

Composition (render.share) names the cover in the stored post (`extra["image"]`: {"url", "alt"}) with the
editor's choice (`extra["attach_image"]`), and campaigns.create adds the images the editor picked
(`extra["images"]`: [{"url", "alt"}, ...], render.images). The network's declaration (`Network.media`)
says what it takes: the picks, up to `max_images`; else the cover (Bluesky always, for its card's
thumbnail; Mastodon and X when the editor asked); the biggest file and the types it accepts. The bytes come
from the media store when the URL is its own (its widest copy within the cap, at most 1,200 px wide), else
from the image's server, and ride on `Post.media` (in the picks' order), never in the stored payload.

A share never fails for its pictures: a store or server that cannot be reached now is a TransientError
(the row is retried later); an image that is gone, refused, too big or of a type the network does not take
is left out with a warning and the post goes without it.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from publisher.channels import Attachment, Post, TransientError, network_for
from publisher.channels.base import MediaRule
from publisher.config import Settings
from publisher.errors import MediaUnavailable, PublisherError
from publisher.media import MediaStore, load_image, open_store

log = logging.getLogger(__name__)


class MediaLoader:
    """Loads a batch's images: the media store is opened on first need, each image read once."""

    def __init__(self, settings: Settings, channel: str) -> None:
        self.settings = settings
        self.channel = channel
        self.rule = network_for(channel).media
        self._store: MediaStore | None = None
        self._loaded: dict[str, Attachment | None] = {}

    def wanted(self, post: Post) -> list[dict[str, str]]:
        """The post's images ({"url", "alt"}) this network takes: the editor's picks, else the cover."""
        if self.rule is None:
            return []
        picked = post.extra.get("images")
        if isinstance(picked, list) and picked:
            images = [i for i in picked if isinstance(i, dict) and i.get("url")][: self.rule.max_images]
            return [{"url": str(i["url"]), "alt": str(i.get("alt") or "")} for i in images]
        image = post.extra.get("image")
        if not isinstance(image, dict) or not image.get("url"):
            return []
        if not (self.rule.always or post.extra.get("attach_image")):
            return []
        return [{"url": str(image["url"]), "alt": str(image.get("alt") or "")}]

    def with_media(self, post: Post) -> Post:
        """The post with its images attached (those that load), or as it was; raises TransientError when
        one cannot be loaded now."""
        media = []
        for image in self.wanted(post):
            url = image["url"]
            if url not in self._loaded:
                self._loaded[url] = self._load(url)
            found = self._loaded[url]
            if found is not None:
                media.append(replace(found, alt=image["alt"]))
        return replace(post, media=tuple(media)) if media else post

    def _load(self, url: str) -> Attachment | None:
        assert self.rule is not None
        try:
            if self._store is None:
                self._store = open_store(self.settings)
            loaded = load_image(self._store, url, max_bytes=self.rule.max_bytes, timeout=self.settings.share_timeout)
        except MediaUnavailable as exc:
            raise TransientError(f"{self.channel}: the image {url} cannot be loaded now: {exc}") from None
        except PublisherError as exc:  # MediaRefused, NotFound (gone from the store), a media setting
            problem: str | None = str(exc)
        else:
            problem = _unfit(loaded.content_type, len(loaded.data), self.rule)
            if problem is None:
                return Attachment(loaded.data, loaded.content_type, width=loaded.width, height=loaded.height)
        log.warning("%s: posting without the image %s: %s", self.channel, url, problem)
        return None


def _unfit(content_type: str, size: int, rule: MediaRule) -> str | None:
    if not content_type.startswith("image/"):
        return f"it is {content_type}, not an image"
    if content_type not in rule.types:
        return f"it is {content_type}, which the network does not take"
    if size > rule.max_bytes:
        return f"it is {size} bytes, over the network's {rule.max_bytes}"
    return None
