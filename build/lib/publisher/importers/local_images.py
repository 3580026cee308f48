"""Images found as local files next to an imported Markdown or HTML file, taken into the media store.

An imported document may name images by a relative path (`![Chart](img/chart.png)`): importers keep
those as `Image(local=...)`. `take_local_images` reads each file from beside the article, checks every one
(Pillow, the upload limits) before storing any, then puts them in the media store and points the images
at their URLs, with the width and height of the copy shown. A missing or refused file is an ImportFailed
that names it, and then nothing is stored: no half-imported article, no orphan copies.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from publisher.articles import Article
from publisher.articles import blocks as doc
from publisher.errors import ImportFailed, MediaRefused
from publisher.media import Limits, MediaStore, find_image, image_id, prepare, save_prepared
from publisher.media.images import Prepared


def local_paths(blocks: tuple[doc.Block, ...]) -> list[str]:
    """The local image paths of a document, in reading order, each once."""
    found: list[str] = []

    def note(image: doc.Image) -> doc.Image:
        if image.local and image.local not in found:
            found.append(image.local)
        return image

    map_images(blocks, note)
    return found


def map_images(blocks: tuple[doc.Block, ...], change: Callable[[doc.Image], doc.Image]) -> tuple[doc.Block, ...]:
    """The blocks with every image (in lists and quotes too) replaced by change(image)."""
    out: list[doc.Block] = []
    for block in blocks:
        if isinstance(block, doc.Image):
            out.append(change(block))
        elif isinstance(block, doc.ListBlock):
            out.append(replace(block, items=tuple(map_images(item, change) for item in block.items)))
        elif isinstance(block, doc.Quote):
            out.append(replace(block, blocks=map_images(block.blocks, change)))
        else:
            out.append(block)
    return tuple(out)


def size_stored_images(blocks: tuple[doc.Block, ...], media: MediaStore) -> tuple[doc.Block, ...]:
    """The blocks with each image of this media store that has no size given the size of its copy, so the
    digest can size it (Outlook shows an unsized image at its full width)."""

    def size(image: doc.Image) -> doc.Image:
        if image.src is None or (image.width and image.height):
            return image
        stored = find_image(media, image.src)
        copy = next((c for c in stored.copies if c.url == image.src), None) if stored else None
        return replace(image, width=copy.width, height=copy.height) if copy else image

    return map_images(blocks, size)


def _read(base: Path, local: str, article_name: str) -> bytes:
    path = (base / local).resolve()
    if not path.is_file():
        raise ImportFailed(f"{article_name}: image {local!r} not found (looked for {path})")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ImportFailed(f"{article_name}: image {local!r} cannot be read: {exc.strerror or exc}") from None


@dataclass(frozen=True)
class CheckedImages:
    """An article whose local images were all read and checked: `store` puts them in and points at them."""

    article: Article
    checked: dict[str, tuple[str, Prepared]]

    def store(self, media: MediaStore) -> Article:
        if not self.checked:
            return self.article
        stored = {local: save_prepared(media, id_, prepared) for local, (id_, prepared) in self.checked.items()}

        def point(image: doc.Image) -> doc.Image:
            if image.local is None:
                return image
            copy = stored[image.local]
            return doc.Image(copy.url, image.alt, image.caption, copy.width, copy.height)

        return replace(self.article, blocks=map_images(self.article.blocks, point), sections=())


def check_local_images(article: Article, base: Path, limits: Limits, *, name: str) -> CheckedImages:
    """Read and check every local image of the article (ImportFailed names the first bad one); stores nothing."""
    checked: dict[str, tuple[str, Prepared]] = {}
    for local in local_paths(article.blocks):
        data = _read(base, local, name)
        try:
            checked[local] = (image_id(data), prepare(data, local, limits))
        except MediaRefused as exc:
            raise ImportFailed(f"{name}: {exc}") from None
    return CheckedImages(article, checked)


def take_local_images(article: Article, base: Path, media: MediaStore, limits: Limits, *, name: str) -> Article:
    """The article with its local images in the media store (see the module's docstring)."""
    return check_local_images(article, base, limits, name=name).store(media)
