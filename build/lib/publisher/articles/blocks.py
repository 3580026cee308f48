"""The document model: an article body is a tuple of blocks holding inline runs. Plain data, no I/O.

Blocks: Heading, Paragraph, ListBlock (each item a tuple of blocks, so lists nest), Quote, CodeBlock, Image
and Rule. Inline runs: Text, Link, Emphasis, Strong, InlineCode and LineBreak.

Every URL is checked when the document is built (publisher.articles.urls): a Link cannot hold anything but
an http, https or mailto URL and an Image's `src` nothing but http(s); the constructors refuse anything
else, and the builders `link()` and `image()` turn a bad URL into plain text (a link) or into nothing (an
image), so importers never need to check. Containers nest at most MAX_NESTING deep: the builders
`nest_inline()` and `nest_blocks()` flatten anything deeper to its text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from publisher.articles.urls import local_image_path, safe_href, safe_image_src

MAX_NESTING = 16  # containers (links, emphasis, lists, quotes) inside one another; deeper ones are flattened
MAX_IMAGE_SIDE = 100_000
_WHITESPACE = re.compile(r"\s+")  # collapsed in imported markup, a no-break space too (as before the model)


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Link:
    href: str
    children: tuple[Inline, ...]

    def __post_init__(self) -> None:
        if safe_href(self.href) != self.href:
            raise ValueError(f"not a link a document may hold: {self.href!r}; build links with link()")


@dataclass(frozen=True)
class Emphasis:
    children: tuple[Inline, ...]


@dataclass(frozen=True)
class Strong:
    children: tuple[Inline, ...]


@dataclass(frozen=True)
class InlineCode:
    text: str


@dataclass(frozen=True)
class LineBreak:
    pass


Inline = Text | Link | Emphasis | Strong | InlineCode | LineBreak


@dataclass(frozen=True)
class Heading:
    level: int  # 1 to 6; the title is not a heading of the body
    children: tuple[Inline, ...]

    def __post_init__(self) -> None:
        if not 1 <= self.level <= 6:
            raise ValueError(f"a heading's level is 1 to 6, not {self.level}")


@dataclass(frozen=True)
class Paragraph:
    children: tuple[Inline, ...]


@dataclass(frozen=True)
class ListBlock:
    ordered: bool
    items: tuple[tuple[Block, ...], ...]
    start: int = 1  # the first number of an ordered list


@dataclass(frozen=True)
class Quote:
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class CodeBlock:
    text: str
    language: str | None = None


@dataclass(frozen=True)
class Image:
    """An image: `src` is an absolute http(s) URL, or None when the file is `local` (a relative path next to
    the imported file, for the media store to take in; never rendered as a URL)."""

    src: str | None
    alt: str = ""
    caption: str | None = None
    width: int | None = None
    height: int | None = None
    local: str | None = None

    def __post_init__(self) -> None:
        if (self.src is None) == (self.local is None):
            raise ValueError("an image has either a src URL or a local path; build images with image()")
        if self.src is not None and safe_image_src(self.src) != self.src:
            raise ValueError(f"not an image URL a document may hold: {self.src!r}")
        if self.local is not None and local_image_path(self.local) != self.local:
            raise ValueError(f"not a local image path: {self.local!r}")
        for side in (self.width, self.height):
            if side is not None and not 0 < side <= MAX_IMAGE_SIDE:
                raise ValueError(f"an image's width and height are 1 to {MAX_IMAGE_SIDE} pixels, not {side}")


@dataclass(frozen=True)
class Rule:
    pass


Block = Heading | Paragraph | ListBlock | Quote | CodeBlock | Image | Rule


# --- builders: what importers call; a bad URL or too deep nesting degrades to text, never raises ---


def link(href: str, children: Sequence[Inline]) -> tuple[Inline, ...]:
    """A link to href around children, or just the children when href is not http, https or mailto."""
    url = safe_href(href)
    return (Link(url, tuple(children)),) if url else tuple(children)


def image(
    src: str,
    alt: str = "",
    caption: str | None = None,
    width: int | str | None = None,
    height: int | str | None = None,
) -> Image | None:
    """An Image from what a file says, or None when src is neither an http(s) URL nor a relative path."""
    url, local = safe_image_src(src), None
    if url is None:
        local = local_image_path(src)
        if local is None:
            return None
    caption = " ".join((caption or "").split()) or None
    return Image(url, " ".join(alt.split()), caption, _side(width), _side(height), local)


def _side(value: int | str | None) -> int | None:
    if isinstance(value, str):
        value = value.strip().removesuffix("px")
        value = int(value) if value.isdigit() and len(value) <= 6 else None
    return value if value is not None and 0 < value <= MAX_IMAGE_SIDE else None


def plain_text(inlines: Iterable[Inline]) -> str:
    """The text a reader sees: links and emphasis flattened to their text, a line break as "\\n"."""
    return "".join(_texts(inlines, "\n"))


def flat_text(inlines: Iterable[Inline]) -> str:
    """plain_text on one line, as the sections view holds it: a line break is a space, ends trimmed; the
    text itself is left as it is (importers have already collapsed the whitespace HTML collapses)."""
    return "".join(_texts(inlines, " ")).strip()


def _texts(inlines: Iterable[Inline], line_break: str) -> Iterator[str]:
    for run in inlines:
        if isinstance(run, Text | InlineCode):
            yield run.text
        elif isinstance(run, LineBreak):
            yield line_break
        else:
            yield from _texts(run.children, line_break)


def one_line(inlines: Iterable[Inline]) -> str:
    """plain_text with every run of whitespace (line breaks too) as one space, trimmed."""
    return " ".join(plain_text(inlines).split())


def normalize_inlines(inlines: Sequence[Inline]) -> tuple[Inline, ...]:
    """Runs as HTML shows them: whitespace collapsed to single spaces, none at either end or around a line
    break, adjacent text merged, empty containers dropped (an empty link keeps nothing to click)."""
    runs = _collapse(inlines, [True])
    return _trim_end(runs)


def _collapse(inlines: Sequence[Inline], after_space: list[bool]) -> tuple[Inline, ...]:
    out: list[Inline] = []
    for run in inlines:
        if isinstance(run, Text):
            text = _WHITESPACE.sub(" ", run.text)
            if after_space[0]:
                text = text.lstrip()
            if not text:
                continue
            after_space[0] = text.endswith(" ")
            if out and isinstance(out[-1], Text):
                out[-1] = Text(out[-1].text + text)
            else:
                out.append(Text(text))
        elif isinstance(run, LineBreak):
            if out and isinstance(out[-1], Text):
                out[-1] = Text(out[-1].text.rstrip())
            out.append(run)
            after_space[0] = True
        elif isinstance(run, InlineCode):
            if run.text:
                out.append(run)
                after_space[0] = False
        else:
            children = _collapse(run.children, after_space)
            if children:
                out.append(_with_children(run, children))
    return tuple(out)


def _with_children(run: Link | Emphasis | Strong, children: tuple[Inline, ...]) -> Inline:
    if isinstance(run, Link):
        return Link(run.href, children)
    return type(run)(children)


def _trim_end(runs: tuple[Inline, ...]) -> tuple[Inline, ...]:
    while runs and isinstance(runs[-1], LineBreak):
        runs = runs[:-1]
    if not runs:
        return runs
    last = runs[-1]
    if isinstance(last, Text):
        text = last.text.rstrip()
        return (*runs[:-1], Text(text)) if text else _trim_end(runs[:-1])
    if isinstance(last, Link | Emphasis | Strong):
        children = _trim_end(last.children)
        return (*runs[:-1], _with_children(last, children)) if children else _trim_end(runs[:-1])
    return runs
