"""Articles with a cover image kept in the test's media store (a real PNG made with Pillow)."""

from __future__ import annotations

import io

from PIL import Image

from publisher import importers, library
from publisher.config import Settings
from publisher.media import StoredImage, open_store, save_image
from publisher.store import Store

ALT = "A harbour crane lifting a bridge section at dusk"


def png(width: int = 1600, height: int = 900) -> bytes:
    """A real PNG with some detail (a gradient), so its re-encoded copies differ in size."""
    image = Image.new("RGB", (width, height))
    image.putdata([((x * 255) // width, (y * 255) // height, 128) for y in range(height) for x in range(width)])
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def stored_cover(settings: Settings) -> StoredImage:
    """The cover saved into the media store the settings name (files under the test's data directory)."""
    return save_image(open_store(settings), png(), "cover.png")


def article_with_cover(store: Store, settings: Settings, src: str, alt: str = ALT) -> int:
    """An article whose first image is `src`; its id."""
    text = f"# Harbour bridge repairs\n\nThe crane arrived on Monday.\n\n![{alt}]({src})\n\nWork ends in May.\n"
    [(article_id, _)] = library.save_articles(store, [importers.parse(text.encode(), "bridge.md")])
    return article_id


def article_with_images(store: Store, settings: Settings, images: list[tuple[str, str]]) -> int:
    """An article whose images are `images` ((src, alt), in order, the first its cover); its id."""
    body = "\n\n".join(f"Paragraph {n}.\n\n![{alt}]({src})" for n, (src, alt) in enumerate(images))
    text = f"# Harbour bridge repairs\n\nThe crane arrived on Monday.\n\n{body}\n\nWork ends in May.\n"
    [(article_id, _)] = library.save_articles(store, [importers.parse(text.encode(), "bridge.md")])
    return article_id


def stored_images(settings: Settings, count: int) -> list[StoredImage]:
    """`count` different images in the media store (each a PNG of its own size)."""
    return [save_image(open_store(settings), png(400 + 40 * n, 300), f"image-{n}.png") for n in range(count)]
