"""The plain-text article format: title on line 1, paragraphs one a line, short unpunctuated lines as subheadings.

Pages copied out of a browser carry leftovers of share buttons ("Share", "Tweet", "Share on Facebook");
a line made only of such words is dropped. A bare http(s) URL in a paragraph is kept as a link (to itself);
punctuation right after it (a full stop, a closing bracket without an opening one inside the URL) is text.
"""

from __future__ import annotations

import codecs
import hashlib
import re
import unicodedata

from publisher.articles import (
    DEFAULT_LANGUAGE,
    Article,
    Block,
    Heading,
    Inline,
    Paragraph,
    Section,
    Text,
    link,
    slugify,
    summarize,
)
from publisher.errors import ImportFailed

_SHARE_WORDS = {
    "share",
    "shares",
    "this",
    "article",
    "story",
    "post",
    "on",
    "via",
    "tweet",
    "twitter",
    "x",
    "facebook",
    "linkedin",
    "reddit",
    "whatsapp",
    "telegram",
    "pinterest",
    "pin",
    "it",
    "email",
    "print",
    "copy",
    "link",
    "save",
    "bluesky",
    "mastodon",
    "threads",
}
_SHARE_TRIGGERS = {"share", "shares", "tweet", "pin"}
_CLOSING = (".", "!", "?", ":", ";", "…", ",", '"', "”", "’", "'", ")", "]")
MAX_HEADING_WORDS = 12
MAX_HEADING_CHARS = 90
MAX_TITLE_CHARS = 300
# An article is for reading in a newsletter: anything larger is refused, not left to tie up a worker.
MAX_PARAGRAPH_CHARS = 50_000
MAX_ARTICLE_CHARS = 1_000_000
_BARE_URL = re.compile(r"(?<![\w@/])https?://[^\s<>\"]+", re.IGNORECASE)
_TRAILING = ".,;:!?'\"’”»…"


def linkify(text: str) -> tuple[Inline, ...]:
    """The text as inline runs, each bare http(s) URL a link whose text is the URL."""
    runs: list[Inline] = []
    position = 0
    for match in _BARE_URL.finditer(text):
        url = _trim_url(match.group(0))
        start, end = match.start(), match.start() + len(url)
        if start > position:
            runs.append(Text(text[position:start]))
        runs.extend(link(url, [Text(url)]))
        position = end
    if position < len(text):
        runs.append(Text(text[position:]))
    return tuple(runs)


def _trim_url(url: str) -> str:
    while url and (url[-1] in _TRAILING or (url[-1] == ")" and url.count("(") < url.count(")"))):
        url = url[:-1]
    return url


def document(sections: list[Section]) -> tuple[Block, ...]:
    """The document of the text format: each heading a level-2 heading, each paragraph linkified."""
    blocks: list[Block] = []
    for section in sections:
        if section.heading is not None:
            blocks.append(Heading(2, (Text(section.heading),)))
        blocks.extend(Paragraph(linkify(p)) for p in section.paragraphs)
    return tuple(blocks)


def check_size(sections: list[Section], source: str) -> None:
    """ImportFailed naming the limit when a paragraph or the whole text is over MAX_PARAGRAPH_CHARS /
    MAX_ARTICLE_CHARS (every importer calls this before building the Article)."""
    total = 0
    paragraphs = (p for section in sections for p in section.paragraphs)
    for number, paragraph in enumerate(paragraphs, start=1):
        if len(paragraph) > MAX_PARAGRAPH_CHARS:
            raise ImportFailed(
                f"{source}: paragraph {number} is {len(paragraph):,} characters long; at most {MAX_PARAGRAPH_CHARS:,}"
            )
        total += len(paragraph)
        if total > MAX_ARTICLE_CHARS:
            size = sum(len(p) for section in sections for p in section.paragraphs)
            raise ImportFailed(
                f"{source}: the article's text is {size:,} characters long; at most {MAX_ARTICLE_CHARS:,}"
            )


def is_share_residue(line: str) -> bool:
    """True for a line made only of share-button words, like "Share" or "Share on X | Email"."""
    words = [w for w in re.split(r"[\s|·•/,:]+", line.lower()) if w]
    return 0 < len(words) <= 6 and set(words) <= _SHARE_WORDS and bool(set(words) & _SHARE_TRIGGERS)


def looks_like_heading(line: str) -> bool:
    """A short line with no closing punctuation."""
    return len(line) <= MAX_HEADING_CHARS and len(line.split()) <= MAX_HEADING_WORDS and not line.endswith(_CLOSING)


def refuse_empty_or_binary(data: bytes, source: str, kind: str) -> None:
    """An empty file, UTF-16 or a binary file is refused by name before any decoding."""
    if not data.strip():
        raise ImportFailed(f"{source}: the file is empty")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ImportFailed(f"{source}: the file is UTF-16; save it as UTF-8")
    if b"\x00" in data[:8192]:
        raise ImportFailed(f"{source}: this is a binary file, not {kind}")


def decode(data: bytes, source: str) -> str:
    """UTF-8 text (a BOM is allowed); binary data and other encodings are refused by name."""
    refuse_empty_or_binary(data, source, "a text article")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFailed(
            f"{source}: not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); save the file as UTF-8"
        ) from None
    controls = [c for c in text if unicodedata.category(c) == "Cc" and c not in "\n\r\t\f"]
    if controls:
        raise ImportFailed(f"{source}: contains control characters ({controls[0]!r}); is it a binary file?")
    return unicodedata.normalize("NFC", text)


def parse(data: bytes, source: str = "<text>", lang: str | None = None) -> Article:
    """Parse the plain-text format into an Article in language lang (the text format declares none)."""
    text = decode(data, source)
    lines = [line.strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        raise ImportFailed(f"{source}: the file is empty")
    title, body = lines[0], [line for line in lines[1:] if not is_share_residue(line)]
    if len(title) > MAX_TITLE_CHARS:
        raise ImportFailed(f"{source}: line 1 should be the title but is {len(title)} characters long")
    if not body:
        raise ImportFailed(f"{source}: has a title but no body")

    sections: list[Section] = []
    heading: str | None = None
    paragraphs: list[str] = []
    for index, line in enumerate(body):
        following = body[index + 1] if index + 1 < len(body) else None
        # A heading must open a section that has at least one paragraph.
        if looks_like_heading(line) and following is not None and not looks_like_heading(following):
            if paragraphs or heading is not None:
                sections.append(Section(heading, tuple(paragraphs)))
            heading, paragraphs = line, []
        else:
            paragraphs.append(line)
    sections.append(Section(heading, tuple(paragraphs)))
    check_size(sections, source)

    first = sections[0].paragraphs[0]
    return Article(
        title=title,
        slug=slugify(title),
        summary=summarize(first),
        source={
            "format": "text",
            "name": source,
            "sha256": hashlib.sha256(data).hexdigest(),
        },
        blocks=document(sections),
        lang=lang or DEFAULT_LANGUAGE,
    )
