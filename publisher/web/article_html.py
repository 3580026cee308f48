"""An article's document as HTML for the public page and the editor's preview: a pure function of the blocks.

Everything the document holds is text, escaped by markupsafe; the only markup is what this module writes.
Link and image URLs were checked when the document was built (http, https, mailto; images http(s) only)
and are checked again here, so a document built by hand cannot slip a `javascript:` URL through. An image
with no URL (a `local` one, for the media store) is left out. External links get `rel="nofollow noopener"`.

No web dependencies beyond markupsafe: the lead's merge may unify this with the email's renderer.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from markupsafe import Markup, escape

from publisher.articles.blocks import (
    Block,
    CodeBlock,
    Emphasis,
    Heading,
    Image,
    Inline,
    InlineCode,
    LineBreak,
    Link,
    ListBlock,
    Paragraph,
    Quote,
    Rule,
    Strong,
    Text,
)
from publisher.articles.urls import safe_href, safe_image_src

__all__ = ["cover_image", "render_blocks", "render_inlines"]


def render_blocks(blocks: Iterable[Block], *, top_heading: int = 2) -> Markup:
    """The blocks as HTML. Headings keep their level but none is above `top_heading` (the page's title is
    its h1, so a level-1 heading of the body is an h2 by default)."""
    return Markup("\n").join(_blocks(blocks, top_heading))


def render_inlines(inlines: Iterable[Inline]) -> Markup:
    """Inline runs as HTML: text escaped, links, emphasis, strong, code and line breaks."""
    return Markup("").join(_inlines(inlines))


def cover_image(blocks: Iterable[Block]) -> Image | None:
    """The article's cover: its first image with an http(s) URL (looking inside lists and quotes), or None."""
    for block in blocks:
        if isinstance(block, Image) and block.src and safe_image_src(block.src):
            return block
        inner: Iterable[Block] = ()
        if isinstance(block, Quote):
            inner = block.blocks
        elif isinstance(block, ListBlock):
            inner = (b for item in block.items for b in item)
        found = cover_image(inner)
        if found is not None:
            return found
    return None


def _blocks(blocks: Iterable[Block], top: int) -> Iterator[Markup]:
    for block in blocks:
        html = _block(block, top)
        if html:
            yield html


def _block(block: Block, top: int) -> Markup:
    if isinstance(block, Heading):
        tag = f"h{max(block.level, top)}"
        return Markup(f"<{tag}>{render_inlines(block.children)}</{tag}>")
    if isinstance(block, Paragraph):
        return Markup("<p>%s</p>") % render_inlines(block.children)
    if isinstance(block, ListBlock):
        return _list(block, top)
    if isinstance(block, Quote):
        return Markup("<blockquote>\n%s\n</blockquote>") % render_blocks(block.blocks, top_heading=top)
    if isinstance(block, CodeBlock):
        language = block.language or ""
        cls = Markup(' class="language-%s"') % language if language.replace("-", "").isalnum() else Markup("")
        return Markup("<pre><code%s>%s</code></pre>") % (cls, block.text)
    if isinstance(block, Image):
        return _image(block)
    if isinstance(block, Rule):
        return Markup("<hr>")
    return Markup("")


def _list(block: ListBlock, top: int) -> Markup:
    items = Markup("\n").join(Markup("<li>%s</li>") % _item(item, top) for item in block.items)
    if not block.ordered:
        return Markup("<ul>\n%s\n</ul>") % items
    start = Markup(' start="%d"') % block.start if block.start != 1 else Markup("")
    return Markup("<ol%s>\n%s\n</ol>") % (start, items)


def _item(item: tuple[Block, ...], top: int) -> Markup:
    """A list item: a leading paragraph followed by nothing but nested lists is written without its <p> (a
    tight list, as Markdown's usually are); anything else as blocks."""
    if item and isinstance(item[0], Paragraph) and all(isinstance(b, ListBlock) for b in item[1:]):
        rest = render_blocks(item[1:], top_heading=top)
        return render_inlines(item[0].children) + (Markup("\n") + rest if rest else Markup(""))
    return render_blocks(item, top_heading=top)


def _image(image: Image) -> Markup:
    src = safe_image_src(image.src) if image.src else None
    if not src:  # a local image waits for the media store
        return Markup("")
    sizes = Markup("").join(
        Markup(' %s="%d"') % (name, value)
        for name, value in (("width", image.width), ("height", image.height))
        if value is not None
    )
    img = Markup('<img src="%s" alt="%s"%s loading="lazy" decoding="async">') % (src, image.alt, sizes)
    caption = Markup("<figcaption>%s</figcaption>") % image.caption if image.caption else Markup("")
    return Markup('<figure class="image">%s%s</figure>') % (img, caption)


def _inlines(inlines: Iterable[Inline]) -> Iterator[Markup]:
    for run in inlines:
        if isinstance(run, Text):
            yield escape(run.text)
        elif isinstance(run, Link):
            yield _link(run)
        elif isinstance(run, Emphasis):
            yield Markup("<em>%s</em>") % render_inlines(run.children)
        elif isinstance(run, Strong):
            yield Markup("<strong>%s</strong>") % render_inlines(run.children)
        elif isinstance(run, InlineCode):
            yield Markup("<code>%s</code>") % run.text
        elif isinstance(run, LineBreak):
            yield Markup("<br>")


def _link(link: Link) -> Markup:
    text = render_inlines(link.children)
    href = safe_href(link.href)
    if not href:
        return text
    rel = Markup("") if href.startswith("mailto:") else Markup(' rel="nofollow noopener"')
    return Markup('<a href="%s"%s>%s</a>') % (href, rel, text)
