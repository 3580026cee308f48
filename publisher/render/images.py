"""The images an editor picks for a share post (issue 14): the article's own, each with its alt text.

`article_images` lists what may be picked (the cover first, then every image in document order, each URL
once); `pick_images` turns the editor's picks into the stored form ({"url", "alt"}), refusing a URL that is
not the article's and an empty alt text; `check_images` refuses more images than a network's post holds
and, for images in our media store (size and type known), a file the network would not take, so the
editor hears it before anything is queued. `with_images` puts the picks on a post as `extra["images"]`;
delivery (publisher.delivery.covers) loads the bytes, and a network without images (no `Network.media`:
LinkedIn, Threads, webhooks) posts the text alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from publisher.articles import Article
from publisher.articles import blocks as doc
from publisher.articles.urls import safe_image_src
from publisher.channels.base import MediaRule, Post
from publisher.channels.registry import network_for
from publisher.config import Settings
from publisher.errors import ImageRefused, MediaUnavailable

if TYPE_CHECKING:
    from publisher.media import StoredImage


@dataclass(frozen=True)
class PickedImage:
    """One image the editor picked, by its URL; `alt` None: the article's own alt text for it."""

    url: str
    alt: str | None = None


def _walk(blocks: Iterable[doc.Block]) -> Iterator[doc.Image]:
    for block in blocks:
        if isinstance(block, doc.Image):
            yield block
        elif isinstance(block, doc.Quote):
            yield from _walk(block.blocks)
        elif isinstance(block, doc.ListBlock):
            for item in block.items:
                yield from _walk(item)


def article_images(article: Article) -> list[dict[str, str]]:
    """The images a post may carry: the article's own with an http(s) URL ({"url", "alt"}), the cover first."""
    found: dict[str, str] = {}
    for image in _walk(article.blocks):
        if image.src and safe_image_src(image.src) and image.src not in found:
            found[image.src] = image.alt
    return [{"url": url, "alt": alt} for url, alt in found.items()]


def _clean_alt(alt: str) -> str:
    return " ".join(alt.split())


def pick_images(article: Article, picked: Sequence[PickedImage]) -> list[dict[str, str]]:
    """The picks as a post stores them, in the order given (a URL picked twice counts once).

    Raises ImageRefused for a URL that is not one of the article's images, or an image without alt text.
    """
    own = {image["url"]: image["alt"] for image in article_images(article)}
    chosen: dict[str, str] = {}
    for pick in picked:
        if pick.url not in own:
            raise ImageRefused(f"{pick.url[:200]} is not an image of this article: pick its cover or one of its images")
        alt = _clean_alt(own[pick.url] if pick.alt is None else pick.alt)
        if not alt:
            raise ImageRefused(
                f"the image {pick.url[:200]} needs alt text: describe it for the people who cannot see it"
            )
        chosen.setdefault(pick.url, alt)
    return [{"url": url, "alt": alt} for url, alt in chosen.items()]


def _unfit(stored: StoredImage, rule: MediaRule) -> str | None:
    """Why the network would not take this stored image (delivery sends its widest copy within the cap)."""
    if stored.content_type not in rule.types:
        return f"it is {stored.content_type}, which it does not take"
    smallest = min(copy.size for copy in stored.copies)
    if smallest > rule.max_bytes:
        return f"its smallest copy is {smallest:,} bytes, over its {rule.max_bytes:,}"
    return None


def check_images(settings: Settings, images: Sequence[dict[str, str]], channels: Iterable[str]) -> None:
    """Refuse picks a channel's network would not take: more than its posts hold, or a stored image over its
    size or of a type it does not take (ImageRefused, naming the network). A remote image, or one in a
    media store that cannot be reached now, is checked at delivery instead."""
    if not images:
        return
    rules = {}
    for channel in channels:
        declared = network_for(channel)
        if declared.media is None:
            continue  # takes no images: its post goes without them
        rule = declared.media
        if len(images) > rule.max_images:
            raise ImageRefused(
                f"{declared.name} takes at most {rule.max_images} image{'s' if rule.max_images != 1 else ''} "
                f"in a post, and {len(images)} are picked (for {channel})"
            )
        rules[declared.name] = rule
    if not rules:
        return
    from publisher.media import find_image, open_store  # lazy: httpx, which composing a post does not need

    try:
        store = open_store(settings)
        stored = [(image["url"], find_image(store, image["url"])) for image in images]
    except MediaUnavailable:
        return
    for name, rule in rules.items():
        for url, found in stored:
            problem = _unfit(found, rule) if found is not None else None
            if problem:
                raise ImageRefused(f"{name} cannot take the image {url}: {problem}")


def with_images(post: Post, channel: str, images: Sequence[dict[str, str]]) -> Post:
    """The post carrying the picks (`extra["images"]`) where its network takes images; else as it was."""
    if not images or network_for(channel).media is None:
        return post
    return replace(post, extra={**post.extra, "images": [dict(image) for image in images]})
