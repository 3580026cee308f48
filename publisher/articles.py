"""Article and Section: the domain objects every importer produces and every renderer reads."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Section:
    """A run of paragraphs, opened by a subheading (or by nothing, at the top of an article)."""

    heading: str | None
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class Article:
    """An article as imported: title, slug, summary, sections and where it came from."""

    title: str
    slug: str
    summary: str
    sections: tuple[Section, ...]
    source: dict[str, Any] = field(default_factory=dict)
    id: int | None = None

    @property
    def paragraphs(self) -> list[str]:
        return [p for s in self.sections for p in s.paragraphs]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "slug": self.slug,
            "summary": self.summary,
            "sections": [{"heading": s.heading, "paragraphs": list(s.paragraphs)} for s in self.sections],
            "source": self.source,
        }


_APOSTROPHES = re.compile(r"['’‘`.]")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def slugify(text: str, max_length: int = 80) -> str:
    """A lowercase ASCII slug: "U.S. Rejects Netanyahu’s Request" -> "us-rejects-netanyahus-request"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = _NON_ALNUM.sub("-", _APOSTROPHES.sub("", ascii_text.lower())).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0]
    return slug or "article"


# A period after one of these does not end a sentence.
_ABBREVIATIONS = {
    "mr",
    "mrs",
    "ms",
    "dr",
    "st",
    "jr",
    "sr",
    "vs",
    "etc",
    "inc",
    "ltd",
    "gen",
    "sen",
    "rep",
    "gov",
}
_SENTENCE_END = re.compile(r"[.!?…][”\"’')\]]*(?=\s+\S)")


def _is_abbreviation(text: str, dot: int) -> bool:
    if text[dot] != ".":
        return False
    before = text[:dot].split()
    word = before[-1].lstrip("“\"‘'(") if before else ""
    # "U.S." and "e.g." carry inner periods; single letters are initials.
    return "." in word or len(word) <= 1 or word.lower() in _ABBREVIATIONS


def sentences(paragraph: str) -> list[str]:
    """Split a paragraph into sentences, keeping abbreviations like "U.S." and "Mr." intact."""
    out: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(paragraph):
        end = match.end()
        if not _is_abbreviation(paragraph, match.start()):
            out.append(paragraph[start:end].strip())
            start = end
    rest = paragraph[start:].strip()
    if rest:
        out.append(rest)
    return out


def summarize(paragraph: str, max_length: int = 300) -> str:
    """Whole sentences from the start of a paragraph, up to max_length; a long first sentence is cut."""
    summary = ""
    for sentence in sentences(paragraph):
        candidate = f"{summary} {sentence}".strip()
        if len(candidate) > max_length:
            break
        summary = candidate
    if summary:
        return summary
    cut = paragraph[: max_length - 1].rsplit(" ", 1)[0].rstrip(",;:—– ")
    return cut + "…"
