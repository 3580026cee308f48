"""An article's document as HTML: the one renderer the digest (and later the public page and previews) uses.

Everything the document holds is escaped with markupsafe; the only markup in the output is the tags
written here. Hrefs and image srcs are those the model holds (already checked to be http, https or mailto,
and http(s) for images), written as stored, attribute-escaped. Images with only a `local` path (not yet in
the media store) are left out, alt text and caption too. Styling is the caller's (the digest's CSS is
inlined by premailer); the one inline style here keeps an image inside its column.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from markupsafe import Markup, escape

from publisher.articles import (
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

COLUMN_WIDTH = 552  # the digest's content column: 600 px less the article's padding
IMAGE_STYLE = "display:block;max-width:100%;height:auto;border:0;"


def render_html(blocks: Sequence[Block], *, column: int = COLUMN_WIDTH) -> Markup:
    """The blocks as HTML; a body heading of level 1 is shown as h2 (the article's title is the h1)."""
    return Markup("\n").join(_block(b, column) for b in blocks)


def inline_html(runs: Iterable[Inline]) -> Markup:
    return Markup("").join(_inline(r) for r in runs)


def _inline(run: Inline) -> Markup:
    if isinstance(run, Text):
        return escape(run.text)
    if isinstance(run, Link):
        return Markup('<a href="{}">{}</a>').format(run.href, inline_html(run.children))
    if isinstance(run, Emphasis):
        return Markup("<em>{}</em>").format(inline_html(run.children))
    if isinstance(run, Strong):
        return Markup("<strong>{}</strong>").format(inline_html(run.children))
    if isinstance(run, InlineCode):
        return Markup("<code>{}</code>").format(run.text)
    if isinstance(run, LineBreak):
        return Markup("<br>")
    raise TypeError(f"not an inline run: {run!r}")


def _block(block: Block, column: int) -> Markup:
    if isinstance(block, Heading):
        tag = f"h{max(block.level, 2)}"
        return Markup("<{0}>{1}</{0}>").format(Markup(tag), inline_html(block.children))
    if isinstance(block, Paragraph):
        return Markup("<p>{}</p>").format(inline_html(block.children))
    if isinstance(block, ListBlock):
        return _list(block, column)
    if isinstance(block, Quote):
        return Markup("<blockquote>\n{}\n</blockquote>").format(render_html(block.blocks, column=column))
    if isinstance(block, CodeBlock):
        return Markup("<pre><code>{}</code></pre>").format(block.text.rstrip("\n"))
    if isinstance(block, Image):
        return _image(block, column)
    if isinstance(block, Rule):
        return Markup("<hr>")
    raise TypeError(f"not a block: {block!r}")


def _list(block: ListBlock, column: int) -> Markup:
    items = Markup("\n").join(_item(item, column) for item in block.items)
    if not block.ordered:
        return Markup("<ul>\n{}\n</ul>").format(items)
    start = Markup(f' start="{block.start:d}"') if block.start != 1 else Markup("")
    return Markup("<ol{}>\n{}\n</ol>").format(start, items)


def _item(item: Sequence[Block], column: int) -> Markup:
    """A list item: a lone paragraph is written bare (a tight list), anything more as its blocks."""
    if len(item) == 1 and isinstance(item[0], Paragraph):
        return Markup("<li>{}</li>").format(inline_html(item[0].children))
    parts: list[Markup] = []
    for i, child in enumerate(item):
        if i == 0 and isinstance(child, Paragraph):
            parts.append(inline_html(child.children))  # the item's first line stays on the bullet
        else:
            parts.append(_block(child, column))
    return Markup("<li>{}</li>").format(Markup("\n").join(parts))


def _image(block: Image, column: int) -> Markup:
    if block.src is None:  # a local file the media store has not taken in yet: nothing to link to
        return Markup("")
    size = Markup("")
    if block.width:
        width = min(block.width, column)
        size = Markup(' width="{}"').format(width)
        if block.height:
            size += Markup(' height="{}"').format(max(1, round(block.height * width / block.width)))
    img = Markup('<img src="{}" alt="{}"{} style="{}">').format(block.src, block.alt, size, IMAGE_STYLE)
    caption = Markup('\n<p class="caption">{}</p>').format(block.caption) if block.caption else Markup("")
    return Markup('<div class="image">{}{}</div>').format(img, caption)
