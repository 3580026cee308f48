"""A share post's cover image, loaded just before the post goes to its network.

Composition (render.share) names the image in the stored post (`extra["image"]`: {"url", "alt"}) with the
editor's choice (`extra["attach_image"]`); the network's declaration (`Network.media`) says whether it
wants the image (Bluesky always, for its card's thumbnail; Mastodon and X when the editor asked) and the
biggest file it takes. The bytes come from the media store when the URL is its own (its widest copy within
the cap, at most 1,200 px wide), else from the image's server, and ride on `Post.media`, never in the
stored payload.

A share never fails for its picture: a store or server that cannot be reached now is a TransientError
(the row is retried later); an image that is gone, refused or too big is left out with a warning and the
post goes without it.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from publisher.channels import Attachment, Post, TransientError, network_for
from publisher.config import Settings
from publisher.errors import MediaUnavailable, PublisherError
from publisher.media import MediaStore, load_image, open_store

log = logging.getLogger(__name__)


class CoverLoader:
    """Loads covers for one batch: the media store is opened on first need, each image read once."""

    def __init__(self, settings: Settings, channel: str) -> None:
        self.settings = settings
        self.channel = channel
        self.rule = network_for(channel).media
        self._store: MediaStore | None = None
        self._loaded: dict[str, Attachment | None] = {}

    def wanted(self, post: Post) -> dict[str, str] | None:
        """The post's cover ({"url", "alt"}) when this network takes it, else None."""
        image = post.extra.get("image")
        if self.rule is None or not isinstance(image, dict) or not image.get("url"):
            return None
        if not (self.rule.always or post.extra.get("attach_image")):
            return None
        return {"url": str(image["url"]), "alt": str(image.get("alt") or "")}

    def with_cover(self, post: Post) -> Post:
        """The post with its cover attached, or as it was; raises TransientError when it cannot be loaded now."""
        image = self.wanted(post)
        if image is None:
            return post
        url = image["url"]
        if url not in self._loaded:
            self._loaded[url] = self._load(url)
        found = self._loaded[url]
        if found is None:
            return post
        return replace(post, media=(replace(found, alt=image["alt"]),))

    def _load(self, url: str) -> Attachment | None:
        assert self.rule is not None
        cap = self.rule.max_bytes
        try:
            if self._store is None:
                self._store = open_store(self.settings)
            loaded = load_image(self._store, url, max_bytes=cap, timeout=self.settings.share_timeout)
        except MediaUnavailable as exc:
            raise TransientError(f"{self.channel}: the cover image cannot be loaded now: {exc}") from None
        except PublisherError as exc:  # MediaRefused, NotFound (gone from the store), a media setting
            problem: str | None = str(exc)
        else:
            problem = self._unfit(loaded.content_type, len(loaded.data), cap)
            if problem is None:
                return Attachment(loaded.data, loaded.content_type)
        log.warning("%s: posting without the cover image %s: %s", self.channel, url, problem)
        return None

    @staticmethod
    def _unfit(content_type: str, size: int, cap: int) -> str | None:
        if not content_type.startswith("image/"):
            return f"it is {content_type}, not an image"
        if size > cap:
            return f"it is {size} bytes, over the network's {cap}"
        return None
