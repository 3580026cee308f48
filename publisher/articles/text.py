"""Text helpers every importer uses: slugs, sentences and summaries."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

import regex

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


_WORD_WINDOW = 64  # how far back from a period the word before it is read; longer words are no abbreviation


def _is_abbreviation(text: str, dot: int) -> bool:
    if text[dot] != ".":
        return False
    # Only the word before the dot, from a bounded window: reading all text before it made splitting quadratic.
    window = text[max(0, dot - _WORD_WINDOW) : dot]
    before = window.split()
    word = before[-1].lstrip("“\"‘'(") if before else ""
    # "U.S." and "e.g." carry inner periods; single letters are initials.
    return "." in word or len(word) <= 1 or word.lower() in _ABBREVIATIONS


def iter_sentences(paragraph: str) -> Iterator[str]:
    """The sentences of a paragraph, one at a time (so a caller that needs the first few stops early)."""
    start = 0
    for match in _SENTENCE_END.finditer(paragraph):
        end = match.end()
        if not _is_abbreviation(paragraph, match.start()):
            yield paragraph[start:end].strip()
            start = end
    rest = paragraph[start:].strip()
    if rest:
        yield rest


def sentences(paragraph: str) -> list[str]:
    """Split a paragraph into sentences, keeping abbreviations like "U.S." and "Mr." intact; linear time."""
    return list(iter_sentences(paragraph))


_CLUSTER = regex.compile(r"\X")
_CUT_TRAILING = ",;:—– "


def _clusters(text: str) -> int:
    return len(_CLUSTER.findall(text))


def summarize(paragraph: str, max_length: int = 300) -> str:
    """Whole sentences from the start of a paragraph, up to max_length; a long first sentence is cut.

    Lengths are user-perceived characters (extended grapheme clusters, regex's \\X), and a cut falls only
    between clusters: never inside an emoji ZWJ sequence, a flag, a skin-tone modifier or after a base
    letter before its combining mark. Reads only as far into the paragraph as the summary needs.
    """
    parts: list[str] = []
    size = -1
    for sentence in iter_sentences(paragraph):
        length = _clusters(sentence)
        if size + 1 + length > max_length:
            break
        parts.append(sentence)
        size += 1 + length
    if parts:
        return " ".join(parts)
    return _cut(paragraph, max_length)


def _cut(paragraph: str, max_length: int) -> str:
    """The paragraph's first max_length - 1 clusters, back to the last space when there is one, and "…"."""
    kept: list[str] = []
    for match in _CLUSTER.finditer(paragraph):
        if len(kept) == max_length - 1:
            break
        kept.append(match.group())
    # Back to the last space that is a cluster of its own (a space carrying a combining mark is not one).
    spaces = [i for i, cluster in enumerate(kept) if cluster == " "]
    if spaces and spaces[-1] > 0:
        kept = kept[: spaces[-1]]
    while kept and kept[-1] in _CUT_TRAILING:
        kept.pop()
    return "".join(kept) + "…"


_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,4}")  # BCP 47's shape, as PUBLISHER_LANGUAGE


# Languages written right to left (their primary subtag); a script subtag (e.g. "-Latn") does not change it.
_RIGHT_TO_LEFT = {"ar", "arc", "ckb", "dv", "fa", "he", "iw", "ks", "ku", "ps", "sd", "syr", "ug", "ur", "yi"}


def text_direction(lang: str | None) -> str:
    """"rtl" for a language written right to left (Arabic, Hebrew, Persian, Urdu, ...), else "ltr"."""
    parts = (lang or "").lower().split("-")
    if len(parts) > 1 and parts[1] in ("latn", "cyrl"):
        return "ltr"
    return "rtl" if parts[0] in _RIGHT_TO_LEFT else "ltr"


def language_tag(value: str | None) -> str | None:
    """A language tag as a document declares it ("en", "pt-BR", "zh-Hant-TW"), or None if it is not one."""
    value = (value or "").strip().replace("_", "-")
    return value if _LANGUAGE_TAG.fullmatch(value) else None
