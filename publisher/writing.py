"""Writing articles in the editor and through the API: a title with Markdown (or with a document's JSON)
in, an article stored; the live preview; images uploaded into the media store.

Markdown goes through the Markdown importer (publisher.importers.markdown) under the title, so what the
editor saves is exactly what `publisher import` makes of the same text, sanitizing and limits included.
The editor shows an article's document as Markdown (publisher.articles.markdown), which reads back to the
same document, so opening and saving an article changes nothing in it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from publisher import editing, library, publication
from publisher.articles import Article, Block, from_json, sections_of, slugify, summarize
from publisher.articles.markdown import title_markdown, to_markdown
from publisher.campaigns.templates import overrides as template_overrides
from publisher.config import Settings
from publisher.errors import ImportFailed, PublisherError
from publisher.importers import MAX_BYTES, markdown
from publisher.importers.local_images import size_stored_images
from publisher.importers.text import check_size
from publisher.media import MediaStore, StoredImage, limits_of, save_image
from publisher.render.email import RenderedDigest
from publisher.store import Store

SOURCE = "the article"  # how import errors name what the editor or the API was given
UNTITLED = "Untitled"


def markdown_of(article: Article) -> str:
    """The article's document as the editor shows it."""
    return to_markdown(article.blocks)


def from_markdown(title: str, text: str, lang: str | None) -> Article:
    """An Article from a title and its body in Markdown, read by the Markdown importer; ImportFailed
    (naming the problem) for a body without text or over the import limits."""
    title = editing.clean_title(title)
    if "\x00" in text:
        raise PublisherError("the text contains a NUL character; paste it again as plain text")
    data = (title_markdown(title) + "\n\n" + text.replace("\r\n", "\n")).encode("utf-8")
    if len(data) > MAX_BYTES:
        raise ImportFailed(f"{SOURCE}: larger than {MAX_BYTES // (1024 * 1024)} MiB")
    article = markdown.parse(data, SOURCE, lang)
    if article.title != title:  # a title the importer reads differently; never expected
        raise ImportFailed(f"{SOURCE}: the title could not be kept as written")
    return article


def from_document(title: str, document: Any, lang: str) -> Article:  # noqa: ANN401 - JSON as posted
    """An Article from a title and a document's JSON (`{"version": 1, "blocks": [...]}`, as `article show`
    prints it); InvalidDocument names what is wrong and where."""
    title = editing.clean_title(title)
    blocks = from_json(document)
    sections = list(sections_of(blocks))
    if not sections:
        raise ImportFailed(f"{SOURCE}: has a title but no body")
    check_size(sections, SOURCE)
    data = json.dumps({"title": title, "document": document}, sort_keys=True).encode()
    return Article(
        title=title,
        slug=slugify(title),
        summary=summarize(sections[0].paragraphs[0]),
        source={"format": "document", "name": SOURCE, "sha256": hashlib.sha256(data).hexdigest()},
        blocks=blocks,
        lang=lang,
    )


def create(store: Store, article: Article, media: MediaStore | None = None) -> tuple[int, bool]:
    """Store a written article: (id, created); the same text written before gives the earlier article.
    With the media store, its images uploaded there get their sizes (see size_stored_images)."""
    if media is not None:
        article = replace(article, blocks=size_stored_images(article.blocks, media), sections=())
    [(article_id, created)] = library.save_articles(store, [article])
    return article_id, created


def update(
    store: Store, article_id: int, title: str, blocks: tuple[Block, ...] | None, media: MediaStore | None = None
) -> Article:
    """Change an article's title and, given blocks, its document (its slug and language stay)."""
    if blocks is not None and media is not None:
        blocks = size_stored_images(blocks, media)
    return editing.save_document(store, article_id, title, blocks)


def as_sent(
    store: Store, settings: Settings, articles: Article | Sequence[Article], **options: Any
) -> RenderedDigest:
    """The digest of these articles as a sample reader would get it today: the publication's name, sender
    and look, and its own templates (options: render_digest's subject, full, preheader)."""
    effective = publication.effective(store, settings)
    return editing.preview_digest(articles, effective, overrides=template_overrides(store), **options)


def preview_html(store: Store, settings: Settings, title: str, text: str, lang: str) -> tuple[str, str]:
    """(the digest's HTML as a sample reader gets it, a problem to show or "") for the editor's live
    preview; a body that cannot be saved yet previews as far as it goes."""
    try:
        article = from_markdown(title.strip() or UNTITLED, text, lang)
    except PublisherError as exc:
        return "", str(exc)
    return as_sent(store, settings, article).html, ""


def upload_image(media: MediaStore, settings: Settings, data: bytes, filename: str) -> StoredImage:
    """An uploaded image checked and kept in the media store (MediaRefused names the limit it broke)."""
    name = (filename or "").replace("\x00", "").strip()[:200] or "the image"
    return save_image(media, data, name, limits_of(settings))
