"""An article's document as plain text, for the text part of a mail (and any other plain-text reader).

Paragraphs are wrapped at 72 columns as the digest always was (long words, URLs among them, never
broken); a link is its text followed by a numbered reference, "text [1]", and the references are
returned for the caller to list ("[1] https://..."), one number per distinct URL. Lists are "- " or
"1. " with nested lists indented under their item, quotes prefixed "> ", code indented four spaces and
never wrapped, images "[Image: alt]" (local-only images, not in the media store yet, are left out),
rules "* * *".
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from publisher.articles import blocks as doc

WIDTH = 72


@dataclass
class References:
    """The link URLs of one text, numbered in order of first appearance."""

    urls: list[str] = field(default_factory=list)

    def number(self, url: str) -> int:
        if url not in self.urls:
            self.urls.append(url)
        return self.urls.index(url) + 1

    def lines(self) -> list[str]:
        return [f"[{n}] {url}" for n, url in enumerate(self.urls, start=1)]


@dataclass(frozen=True)
class RenderedText:
    text: str  # the blocks, paragraphs separated by blank lines, no trailing newline
    references: tuple[str, ...]  # "[1] https://..." lines


def render_text(blocks: Sequence[doc.Block], *, width: int = WIDTH) -> RenderedText:
    refs = References()
    chunks = _blocks(blocks, refs, width)
    return RenderedText("\n\n".join(chunks), tuple(refs.lines()))


def wrap(text: str, width: int = WIDTH, first: str = "", rest: str = "") -> str:
    """Each line of text wrapped on its own (a line break stays one), prefixed first, then rest."""
    out: list[str] = []
    for line in text.split("\n"):
        wrapped = textwrap.wrap(
            line,
            width=max(width, len(rest) + 20),
            initial_indent=first if not out else rest,
            subsequent_indent=rest,
            break_long_words=False,
            break_on_hyphens=False,
        )
        out.extend(wrapped or [(first if not out else rest).rstrip()])
    return "\n".join(out)


def inline_text(runs: Iterable[doc.Inline], refs: References) -> str:
    parts: list[str] = []
    for run in runs:
        if isinstance(run, doc.Text | doc.InlineCode):
            parts.append(run.text)
        elif isinstance(run, doc.LineBreak):
            parts.append("\n")
        elif isinstance(run, doc.Link):
            label = inline_text(run.children, refs)
            parts.append(f"{label} [{refs.number(run.href)}]")
        elif isinstance(run, doc.Emphasis | doc.Strong):
            parts.append(inline_text(run.children, refs))
    return "".join(parts)


def _blocks(blocks: Sequence[doc.Block], refs: References, width: int) -> list[str]:
    chunks = [_block(b, refs, width) for b in blocks]
    return [c for c in chunks if c]


def _block(block: doc.Block, refs: References, width: int) -> str:
    if isinstance(block, doc.Heading):
        heading = wrap(" ".join(inline_text(block.children, refs).split()), width)
        return f"{heading}\n{'-' * min(len(heading), width)}" if heading else ""
    if isinstance(block, doc.Paragraph):
        return wrap(inline_text(block.children, refs).strip(), width)
    if isinstance(block, doc.ListBlock):
        return _list(block, refs, width)
    if isinstance(block, doc.Quote):
        inner = "\n\n".join(_blocks(block.blocks, refs, width - 2))
        return "\n".join(f"> {line}".rstrip() for line in inner.split("\n"))
    if isinstance(block, doc.CodeBlock):
        return "\n".join(f"    {line}".rstrip() for line in block.text.rstrip("\n").split("\n"))
    if isinstance(block, doc.Image):
        if block.src is None:
            return ""
        shown = f"[Image: {block.alt}]" if block.alt else "[Image]"
        return wrap(f"{shown} {block.caption}" if block.caption else shown, width)
    if isinstance(block, doc.Rule):
        return "* * *"
    raise TypeError(f"not a block: {block!r}")


def _list(block: doc.ListBlock, refs: References, width: int) -> str:
    lines: list[str] = []
    for number, item in enumerate(block.items, start=block.start):
        marker = f"{number}. " if block.ordered else "- "
        indent = " " * len(marker)
        first = True
        for child in item:
            if isinstance(child, doc.Paragraph):
                text = inline_text(child.children, refs).strip()
                if not first:  # a second paragraph of one item: a blank line, as between paragraphs
                    lines.append("")
                lines.append(wrap(text, width, marker if first else indent, indent))
            else:
                body = _block(child, refs, width - len(indent))
                if not body:
                    continue
                for j, line in enumerate(body.split("\n")):
                    lead = marker if first and j == 0 else indent
                    lines.append(lead + line if line else "")
            first = False
    return "\n".join(lines)
