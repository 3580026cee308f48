"""The HTML article format: a saved web page or an HTML fragment.

The markup is sanitized with nh3 first, against a strict allow-list of structural tags with no attributes
except `<ol start>`: scripts, styles, iframes, forms, event handlers, comments and every URL (so every
`javascript:` link) are gone before our own parser sees the text. The standard library's html.parser then
reads the cleaned markup into the Article model, which holds plain text:

- the title is the first `<h1>`, else the page's `<title>`; text before that `<h1>` (site name, navigation,
  breadcrumbs) is page furniture and is dropped;
- `<h2>` to `<h6>`, and any later `<h1>`, open sections;
- `<p>`, `<li>`, `<blockquote>`, `<pre>`, table rows and text loose in a `<div>` become paragraphs; an item
  of an ordered list keeps its number ("2. ..."); `<br><br>` splits a paragraph, a single `<br>` is a space;
- inline markup is flattened to its text; links keep their text and lose their URL; images are dropped;
- a paragraph made only of share-button words ("Share", "Tweet | Email") is dropped, as in the text format.

Bytes are decoded as UTF-8 (a BOM is allowed); bytes that are not valid UTF-8 are decoded in the charset a
`<meta>` tag near the start declares, if any. Markup nested more than MAX_DEPTH elements deep is refused.
"""

from __future__ import annotations

import codecs
import hashlib
import re
import unicodedata
from html.parser import HTMLParser

import nh3

from publisher.articles import Article, Section, slugify, summarize
from publisher.errors import ImportFailed
from publisher.importers.text import MAX_TITLE_CHARS, check_size, is_share_residue, refuse_empty_or_binary

MAX_HEADING_CHARS = 200  # the editor refuses longer headings; a longer "heading" is kept as a paragraph

_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
# Elements that start and end a run of text; each run becomes a paragraph (or a heading, or the title).
_BLOCKS = _HEADINGS | {
    "title",
    "p",
    "li",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "blockquote",
    "pre",
    "div",
    "section",
    "article",
    "main",
    "header",
    "footer",
    "aside",
    "figure",
    "figcaption",
    "table",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "hr",
    "address",
    "details",
    "summary",
}
_CELLS = {"td", "th"}
_INLINE = {"a", "b", "strong", "i", "em", "u", "s", "del", "ins", "mark", "small", "sub", "sup", "code", "kbd"}
_INLINE |= {"q", "cite", "abbr", "time", "span", "br"}
ALLOWED_TAGS = frozenset(_BLOCKS | _CELLS | _INLINE)
# Removed together with everything inside them: code, embedded content, forms, navigation and buttons.
DROPPED_WITH_CONTENT = frozenset(
    {
        "script",
        "style",
        "noscript",
        "template",
        "iframe",
        "frame",
        "frameset",
        "object",
        "embed",
        "applet",
        "svg",
        "math",
        "canvas",
        "audio",
        "video",
        "form",
        "button",
        "select",
        "textarea",
        "nav",
    }
)

MAX_DEPTH = 1000  # nh3 takes time quadratic in nesting depth: 1,000 levels cost milliseconds, 100,000 a minute
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)([^<>]*)>")
# Elements that never hold others open: void ones, and those the HTML parser closes by itself.
_NO_DEPTH = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track"}
_NO_DEPTH |= {"wbr", "p", "li", "dt", "dd", "tr", "td", "th", "option", "optgroup", "thead", "tbody", "tfoot"}
_NO_DEPTH |= {"caption", "colgroup", "rb", "rt", "rp", "html", "head", "body"}
_META_CHARSET = re.compile(rb"""<meta\b[^>]*?charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.IGNORECASE)
# The WHATWG Encoding Standard reads these labels as windows-1252.
_WINDOWS_1252 = {"iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "us-ascii", "ascii", "windows-1252", "cp1252"}
# <br> is read as this mark (decode refuses control characters, so none is in the text): two in a row split
# a paragraph, one is a space.
_BR = "\x00"
_PARAGRAPH_BREAK = re.compile(_BR + r"\s*" + _BR + r"[\s" + _BR + "]*")


def sanitize(markup: str) -> str:
    """The markup with everything outside the allow-list removed (nh3, the Ammonia sanitizer)."""
    return nh3.clean(
        markup,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes={"ol": {"start"}},
        url_schemes=set(),
        strip_comments=True,
        link_rel=None,
    )


def nesting_depth(markup: str, limit: int = MAX_DEPTH) -> int:
    """How deep elements nest (a linear estimate from the tags alone), counting no further than limit + 1."""
    depth = deepest = 0
    for match in _TAG.finditer(markup):
        closing, name, rest = match.group(1), match.group(2).lower(), match.group(3)
        if name in _NO_DEPTH or rest.rstrip().endswith("/"):
            continue
        depth = max(0, depth - 1) if closing else depth + 1
        deepest = max(deepest, depth)
        if deepest > limit:
            break
    return deepest


def decode(data: bytes, source: str) -> str:
    """The page as text: UTF-8 (BOM allowed); bytes that are not UTF-8 in the charset a <meta> declares.

    Valid UTF-8 wins over a declaration: pasted or API-posted HTML reaches us as UTF-8 whatever its <meta>
    says, and text in a single-byte charset with accented letters is practically never valid UTF-8.
    """
    refuse_empty_or_binary(data, source, "an HTML article")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        text = _decode_declared(data, source, exc)
    controls = [c for c in text if unicodedata.category(c) == "Cc" and c not in "\n\r\t\f"]
    if controls:
        raise ImportFailed(f"{source}: contains control characters ({controls[0]!r}); is it a binary file?")
    return unicodedata.normalize("NFC", text)


def _decode_declared(data: bytes, source: str, utf8_error: UnicodeDecodeError) -> str:
    declared = _META_CHARSET.search(data[:4096])
    label = declared.group(1).decode("ascii").lower() if declared else ""
    if not label or data.startswith(codecs.BOM_UTF8):
        raise ImportFailed(
            f"{source}: not valid UTF-8 (byte 0x{data[utf8_error.start]:02x} at offset {utf8_error.start}) and no "
            "<meta charset> declares another encoding; save the file as UTF-8"
        )
    try:
        encoding = codecs.lookup("cp1252" if label in _WINDOWS_1252 else label).name
    except LookupError:
        raise ImportFailed(f"{source}: declares charset {label!r}, which is not a known encoding") from None
    if encoding in ("utf-8", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"):
        raise ImportFailed(
            f"{source}: declares {label} but is not valid UTF-8 (byte 0x{data[utf8_error.start]:02x} at offset "
            f"{utf8_error.start}); save the file as UTF-8"
        )
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ImportFailed(
            f"{source}: not valid {label} as its <meta charset> declares (byte 0x{data[exc.start]:02x} at offset "
            f"{exc.start}); fix the declaration or save the file as UTF-8"
        ) from None


class _Reader(HTMLParser):
    """Collects (kind, text) blocks from sanitized markup: kind is "title", "h1", "heading" or "paragraph"."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[str, str]] = []
        self._buffer: list[str] = []
        self._kind = "paragraph"
        self._lists: list[int | None] = []  # the next number of each open ordered list; None for <ul>
        self._prefix = ""
        self._cells: list[str] | None = None

    def _flush(self) -> None:
        text, self._buffer = "".join(self._buffer), []
        if self._kind == "paragraph":
            for part in _PARAGRAPH_BREAK.split(text):
                if part.strip():
                    self.blocks.append(("paragraph", self._prefix + part))
                    self._prefix = ""
        elif text.strip():
            self.blocks.append((self._kind, text))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self._buffer.append(_BR)
        elif tag in _CELLS and self._cells is not None:
            self._flush_cell()
        elif tag in _BLOCKS:
            self._flush()
            if tag == "tr":
                self._cells = []
            elif tag in ("ul", "ol"):
                self._lists.append(_start(attrs) if tag == "ol" else None)
            elif tag == "li" and self._lists and self._lists[-1] is not None:
                number = self._lists[-1]
                self._lists[-1] = number + 1
                self._prefix = f"{number}. "
            self._kind = {"title": "title", "h1": "h1"}.get(tag, "heading" if tag in _HEADINGS else "paragraph")

    def handle_endtag(self, tag: str) -> None:
        if tag in _CELLS and self._cells is not None:
            self._flush_cell()
        elif tag in _BLOCKS:
            if tag == "tr" and self._cells is not None:
                self._flush_cell()
                cells, self._cells = [c for c in self._cells if c], None
                if cells:
                    self.blocks.append(("paragraph", " | ".join(cells)))
            self._flush()
            if tag in ("ul", "ol") and self._lists:
                self._lists.pop()
            if tag == "li":
                self._prefix = ""  # an empty item does not number the paragraph after the list
            self._kind = "paragraph"

    def _flush_cell(self) -> None:
        assert self._cells is not None
        self._cells.append(" ".join("".join(self._buffer).split()))
        self._buffer = []

    def handle_data(self, data: str) -> None:
        self._buffer.append(data)

    def close(self) -> None:
        super().close()
        self._flush()


def _start(attrs: list[tuple[str, str | None]]) -> int:
    value = dict(attrs).get("start") or "1"
    try:
        return max(0, min(int(value.strip()), 10**6))
    except ValueError:
        return 1


def _one_line(text: str) -> str:
    return " ".join(text.replace(_BR, " ").split())


def read_blocks(markup: str, source: str) -> list[tuple[str, str]]:
    """Sanitize markup, then read it into (kind, text) blocks, each text one line of plain text.

    kind is "title" (the <title>), "h1", "heading" (<h2> to <h6>) or "paragraph"; empty blocks are left out.
    Markup nested deeper than MAX_DEPTH elements is refused rather than left to take minutes.
    """
    if nesting_depth(markup) > MAX_DEPTH:
        raise ImportFailed(f"{source}: elements nest more than {MAX_DEPTH} levels deep; is this an article?")
    reader = _Reader()
    reader.feed(sanitize(markup))
    reader.close()
    blocks = [(kind, _one_line(text)) for kind, text in reader.blocks]
    return [(kind, text) for kind, text in blocks if text]


def assemble(title: str, body: list[tuple[str, str]], data: bytes, source: str, fmt: str) -> Article:
    """An Article from a title and the blocks of its body; headings open sections, share residue is dropped."""
    if len(title) > MAX_TITLE_CHARS:
        raise ImportFailed(f"{source}: the title is {len(title)} characters long; at most {MAX_TITLE_CHARS}")
    sections: list[Section] = []
    heading: str | None = None
    paragraphs: list[str] = []
    for kind, text in body:
        if kind in ("h1", "heading") and len(text) <= MAX_HEADING_CHARS:
            # A heading with nothing under it before the next one is dropped: a section needs a paragraph.
            if paragraphs:
                sections.append(Section(heading, tuple(paragraphs)))
            heading, paragraphs = text, []
        elif kind != "title" and not is_share_residue(text):
            paragraphs.append(text)
    if paragraphs:
        sections.append(Section(heading, tuple(paragraphs)))
    if not sections:
        raise ImportFailed(f"{source}: has a title but no body")
    check_size(sections, source)
    return Article(
        title=title,
        slug=slugify(title),
        summary=summarize(sections[0].paragraphs[0]),
        sections=tuple(sections),
        source={"format": fmt, "name": source, "sha256": hashlib.sha256(data).hexdigest()},
    )


def parse(data: bytes, source: str = "<html>") -> Article:
    """Parse an HTML page or fragment into an Article, sanitizing it with nh3 first."""
    blocks = read_blocks(decode(data, source), source)
    if not blocks:
        raise ImportFailed(f"{source}: no text in the page (only markup, scripts, images or comments)")
    first_h1 = next((i for i, (kind, _) in enumerate(blocks) if kind == "h1"), None)
    if first_h1 is not None:
        title, body = blocks[first_h1][1], blocks[first_h1 + 1 :]
    else:
        title, body = next((text for kind, text in blocks if kind == "title"), ""), blocks
    if not title:
        raise ImportFailed(f"{source}: no title; the page needs an <h1> or a <title>")
    return assemble(title, body, data, source, "html")
