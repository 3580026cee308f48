"""An article's document as HTML: the one renderer of the digest, the public page and the editor's preview.

Everything the document holds is escaped with markupsafe; the only markup in the output is the tags written
here. Link and image URLs were checked when the document was built (http, https, mailto; images http(s)
only) and are checked again here, so a document built by hand cannot slip a `javascript:` URL through.
Images with only a `local` path (not yet in the media store) are left out, alt text and caption too.

Two flavours of the same structure: for email (`web=False`) an image is sized to the digest's column with
an inline style that keeps it there, and its caption is a paragraph; for the web (`web=True`) an image is a
lazily loaded `<figure>` with a `<figcaption>`, and external links get `rel="nofollow noopener"`. Styling is
the caller's (the digest's CSS is inlined by premailer; the site has its stylesheet).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from publisher.articles import blocks as doc
from publisher.articles.urls import safe_href, safe_image_src

COLUMN_WIDTH = 552  # the digest's content column: 600 px less the article's padding
IMAGE_STYLE = "display:block;max-width:100%;height:auto;border:0;"


@dataclass(frozen=True)
class _Flavour:
    web: bool
    column: int
    top: int  # the highest heading level the body may use (the title is the h1)


def render_html(
    blocks: Sequence[doc.Block], *, web: bool = False, column: int = COLUMN_WIDTH, top_heading: int = 2
) -> Markup:
    """The blocks as HTML; a body heading above `top_heading` is shown at that level."""
    return _blocks(blocks, _Flavour(web, column, top_heading))


def inline_html(runs: Iterable[doc.Inline], *, web: bool = False) -> Markup:
    """Inline runs as HTML: text escaped, links, emphasis, strong, code and line breaks."""
    return _inlines(runs, _Flavour(web, COLUMN_WIDTH, 2))


def cover_image(blocks: Iterable[doc.Block]) -> doc.Image | None:
    """The article's cover: its first image with an http(s) URL (looking inside lists and quotes), or None."""
    for block in blocks:
        if isinstance(block, doc.Image) and block.src and safe_image_src(block.src):
            return block
        inner: Iterable[doc.Block] = ()
        if isinstance(block, doc.Quote):
            inner = block.blocks
        elif isinstance(block, doc.ListBlock):
            inner = (b for item in block.items for b in item)
        found = cover_image(inner)
        if found is not None:
            return found
    return None


def _blocks(blocks: Iterable[doc.Block], f: _Flavour) -> Markup:
    return Markup("\n").join(html for html in (_block(b, f) for b in blocks) if html)


def _inlines(runs: Iterable[doc.Inline], f: _Flavour) -> Markup:
    return Markup("").join(_inline(r, f) for r in runs)


def _inline(run: doc.Inline, f: _Flavour) -> Markup:
    if isinstance(run, doc.Text):
        return escape(run.text)
    if isinstance(run, doc.Link):
        return _link(run, f)
    if isinstance(run, doc.Emphasis):
        return Markup("<em>{}</em>").format(_inlines(run.children, f))
    if isinstance(run, doc.Strong):
        return Markup("<strong>{}</strong>").format(_inlines(run.children, f))
    if isinstance(run, doc.InlineCode):
        return Markup("<code>{}</code>").format(run.text)
    if isinstance(run, doc.LineBreak):
        return Markup("<br>")
    raise TypeError(f"not an inline run: {run!r}")


def _link(link: doc.Link, f: _Flavour) -> Markup:
    text = _inlines(link.children, f)
    href = safe_href(link.href)
    if not href:
        return text
    rel = Markup(' rel="nofollow noopener"') if f.web and not href.startswith("mailto:") else Markup("")
    return Markup('<a href="{}"{}>{}</a>').format(href, rel, text)


def _block(block: doc.Block, f: _Flavour) -> Markup:
    if isinstance(block, doc.Heading):
        tag = Markup(f"h{max(block.level, f.top)}")
        return Markup("<{0}>{1}</{0}>").format(tag, _inlines(block.children, f))
    if isinstance(block, doc.Paragraph):
        return Markup("<p>{}</p>").format(_inlines(block.children, f))
    if isinstance(block, doc.ListBlock):
        return _list(block, f)
    if isinstance(block, doc.Quote):
        return Markup("<blockquote>\n{}\n</blockquote>").format(_blocks(block.blocks, f))
    if isinstance(block, doc.CodeBlock):
        language = block.language or ""
        cls = Markup(' class="language-{}"').format(language) if language.replace("-", "").isalnum() else ""
        return Markup("<pre><code{}>{}</code></pre>").format(cls, block.text.rstrip("\n"))
    if isinstance(block, doc.Image):
        return _image(block, f)
    if isinstance(block, doc.Rule):
        return Markup("<hr>")
    raise TypeError(f"not a block: {block!r}")


def _list(block: doc.ListBlock, f: _Flavour) -> Markup:
    items = Markup("\n").join(_item(item, f) for item in block.items)
    if not block.ordered:
        return Markup("<ul>\n{}\n</ul>").format(items)
    start = Markup(f' start="{block.start:d}"') if block.start != 1 else Markup("")
    return Markup("<ol{}>\n{}\n</ol>").format(start, items)


def _item(item: Sequence[doc.Block], f: _Flavour) -> Markup:
    """A list item: its first paragraph stays on the bullet (a tight list), anything after it as blocks."""
    if item and isinstance(item[0], doc.Paragraph):
        rest = _blocks(item[1:], f)
        first = _inlines(item[0].children, f)
        return Markup("<li>{}</li>").format(first + (Markup("\n") + rest if rest else Markup("")))
    return Markup("<li>{}</li>").format(_blocks(item, f))


def _image(block: doc.Image, f: _Flavour) -> Markup:
    src = safe_image_src(block.src) if block.src else None
    if not src:  # a local file the media store has not taken in yet: nothing to link to
        return Markup("")
    if f.web:
        sizes = Markup("").join(
            Markup(' {}="{:d}"').format(name, value)
            for name, value in (("width", block.width), ("height", block.height))
            if value is not None
        )
        img = Markup('<img src="{}" alt="{}"{} loading="lazy" decoding="async">').format(src, block.alt, sizes)
        caption = Markup("<figcaption>{}</figcaption>").format(block.caption) if block.caption else Markup("")
        return Markup('<figure class="image">{}{}</figure>').format(img, caption)
    size = Markup("")
    if block.width:
        width = min(block.width, f.column)
        size = Markup(' width="{}"').format(width)
        if block.height:
            size += Markup(' height="{}"').format(max(1, round(block.height * width / block.width)))
    img = Markup('<img src="{}" alt="{}"{} style="{}">').format(src, block.alt, size, IMAGE_STYLE)
    caption = Markup('\n<p class="caption">{}</p>').format(block.caption) if block.caption else Markup("")
    return Markup('<div class="image">{}{}</div>').format(img, caption)
