"""Article and Section: what every importer produces and every renderer reads.

An Article's body is its `blocks` (publisher.articles.blocks). `sections` is the plain-text view of
them that today's renderers read, derived from the blocks (see sections_of): a heading opens a section,
each paragraph is its plain text on one line (a line break read as a space), a list item is its
paragraphs (an ordered one numbered "2. ..."), a quote its paragraphs, a code block its text on one
line; images and rules add nothing. An
Article made from sections alone (as tests and older code do) gets blocks from them: a level-2 heading
and plain paragraphs.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from publisher.articles.blocks import (
    Block,
    CodeBlock,
    Heading,
    ListBlock,
    Paragraph,
    Quote,
    Text,
    flat_text,
)
from publisher.articles.document import to_json

DEFAULT_LANGUAGE = "en"  # PUBLISHER_LANGUAGE's default; importers are told the configured one
UNDETERMINED = "und"  # BCP 47's "undetermined": what a caller passes to fill the configured language in later


@dataclass(frozen=True)
class Section:
    """A run of paragraphs, opened by a subheading (or by nothing, at the top of an article)."""

    heading: str | None
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class Article:
    """An article: title, slug, summary, its document (blocks), language and where it came from.

    Give blocks (importers do) or sections (the plain-text form); the other is derived. Given both, they
    must agree, so that `dataclasses.replace(article, sections=...)` cannot silently keep the old blocks.
    """

    title: str
    slug: str
    summary: str
    sections: tuple[Section, ...] = ()
    source: dict[str, Any] = field(default_factory=dict)
    id: int | None = None
    blocks: tuple[Block, ...] = ()
    lang: str = DEFAULT_LANGUAGE

    def __post_init__(self) -> None:
        if self.blocks:
            derived = sections_of(self.blocks)
            if self.sections and tuple(self.sections) != derived:
                raise ValueError("an Article's sections are derived from its blocks; give one or the other")
            object.__setattr__(self, "sections", derived)
        elif self.sections:
            object.__setattr__(self, "blocks", blocks_from_sections(self.sections))

    @property
    def paragraphs(self) -> list[str]:
        return [p for s in self.sections for p in s.paragraphs]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "slug": self.slug,
            "summary": self.summary,
            "lang": self.lang,
            "sections": [{"heading": s.heading, "paragraphs": list(s.paragraphs)} for s in self.sections],
            "blocks": to_json(self.blocks),
            "source": self.source,
        }


def blocks_from_sections(sections: Sequence[Section]) -> tuple[Block, ...]:
    """The document of plain-text sections: each heading a level-2 heading, each paragraph a paragraph."""
    blocks: list[Block] = []
    for section in sections:
        if section.heading is not None:
            blocks.append(Heading(2, (Text(section.heading),)))
        blocks.extend(Paragraph((Text(p),)) for p in section.paragraphs)
    return tuple(blocks)


def sections_of(blocks: Sequence[Block]) -> tuple[Section, ...]:
    """The plain-text view of a document; a heading with no text under it before the next is left out."""
    sections: list[Section] = []
    heading: str | None = None
    paragraphs: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            if paragraphs:
                sections.append(Section(heading, tuple(paragraphs)))
            heading, paragraphs = flat_text(block.children) or None, []
        else:
            paragraphs.extend(flat_paragraphs([block]))
    if paragraphs:
        sections.append(Section(heading, tuple(paragraphs)))
    return tuple(sections)


def flat_paragraphs(blocks: Sequence[Block]) -> Iterator[str]:
    """Each paragraph of these blocks as one line of plain text, lists and quotes opened up."""
    for block in blocks:
        if isinstance(block, Paragraph | Heading):
            text = flat_text(block.children)
            if text:
                yield text
        elif isinstance(block, CodeBlock):
            text = " ".join(block.text.split())
            if text:
                yield text
        elif isinstance(block, Quote):
            yield from flat_paragraphs(block.blocks)
        elif isinstance(block, ListBlock):
            for number, item in enumerate(block.items, start=block.start):
                lines = flat_paragraphs(item)
                if block.ordered:
                    first = next(lines, None)
                    if first is not None:
                        yield f"{number}. {first}"
                yield from lines
