"""The HTML article format: a saved web page or an HTML fragment.

The markup is sanitized with nh3 first, against an allow-list of the tags the document model can hold
and a few attributes: `a[href]`, `img[src, alt, title, width, height]`, `ol[start]` and a
`code[class="language-..."]`; only http, https and mailto URLs (and relative ones, which the model keeps
as text or as a local image for the media store) survive it. Scripts, styles, iframes, SVG, forms, event
handlers, style attributes and comments are gone before our own reader (publisher.importers.structure)
builds the document from the cleaned markup:

- the title is the first `<h1>`, else the page's `<title>`; text before that `<h1>` (site name, navigation,
  breadcrumbs) is page furniture and is dropped;
- `<h2>` to `<h6>`, and any later `<h1>`, are headings (and open sections in the plain-text view);
- paragraphs, links, emphasis, strong, inline code, line breaks, nested lists, block quotes, code blocks,
  images (with alt, title as caption, width and height; a `<figure>`'s `<figcaption>` as caption) and
  horizontal rules are kept; other inline markup keeps its text; table rows are paragraphs of their cells;
- a paragraph made only of share-button words ("Share", "Tweet | Email") is dropped, as in the text format;
- the language is the `<html lang>` attribute when it is a language tag, else the importer's default.

Bytes are decoded as UTF-8 (a BOM is allowed); bytes that are not valid UTF-8 are decoded in the charset a
`<meta>` tag near the start declares, if any. Markup nested more than MAX_DEPTH elements deep is refused.
"""

from __future__ import annotations

import codecs
import hashlib
import re
import unicodedata

import nh3

from publisher.articles import (
    DEFAULT_LANGUAGE,
    Article,
    Block,
    Heading,
    ListBlock,
    Paragraph,
    Quote,
    flat_paragraphs,
    language_tag,
    one_line,
    sections_of,
    slugify,
    summarize,
)
from publisher.errors import ImportFailed
from publisher.importers import structure
from publisher.importers.text import MAX_TITLE_CHARS, check_size, is_share_residue, refuse_empty_or_binary

MAX_HEADING_CHARS = 200  # the editor refuses longer headings; a longer "heading" is kept as a paragraph

_INLINE = {"a", "b", "strong", "i", "em", "u", "s", "del", "ins", "mark", "small", "sub", "sup", "code", "kbd"}
_INLINE |= {"q", "cite", "abbr", "time", "span", "br", "img"}
ALLOWED_TAGS = frozenset(set(structure.HEADINGS) | structure.BOUNDARIES | structure.CONTAINERS | structure.CELLS)
ALLOWED_TAGS |= frozenset(_INLINE | {"pre", "hr"})
# The attributes the document model reads; every other attribute (on*, style, class but a code language) goes.
ALLOWED_ATTRIBUTES = {
    "a": {"href"},
    "img": {"src", "alt", "title", "width", "height"},
    "ol": {"start"},
    "code": {"class"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
_CODE_CLASS = re.compile(r"(?:language|lang)-[A-Za-z0-9_+#.-]{1,40}")
_SIZE = re.compile(r"[0-9]{1,6}")
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
_HTML_LANG = re.compile(r"""<html\b[^>]*?\blang\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE)


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if tag == "code" and attribute == "class":
        match = _CODE_CLASS.search(value)
        return match.group(0) if match else None
    if attribute in ("width", "height", "start"):
        return value.strip() if _SIZE.fullmatch(value.strip()) else None
    return value


def sanitize(markup: str) -> str:
    """The markup with everything outside the allow-list removed (nh3, the Ammonia sanitizer)."""
    return nh3.clean(
        markup,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=_attribute_filter,
        url_schemes=set(URL_SCHEMES),
        strip_comments=True,
        link_rel=None,
    )


def declared_language(markup: str) -> str | None:
    """The `<html lang>` of a page, when it is a language tag."""
    match = _HTML_LANG.search(markup[:65536])
    return language_tag(next(g for g in match.groups() if g is not None)) if match else None


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


def read_blocks(markup: str, source: str) -> list[tuple[str, Block]]:
    """Sanitize markup, then read it into ("title" | "h1" | "block", block) entries (structure.read).

    Markup nested deeper than MAX_DEPTH elements is refused rather than left to take minutes.
    """
    if nesting_depth(markup) > MAX_DEPTH:
        raise ImportFailed(f"{source}: elements nest more than {MAX_DEPTH} levels deep; is this an article?")
    return structure.read(sanitize(markup))


def entry_text(block: Block) -> str:
    """The plain text of a title or heading entry."""
    return one_line(block.children) if isinstance(block, Heading | Paragraph) else ""


def has_text(entries: list[tuple[str, Block]]) -> bool:
    """Whether any entry holds text (images and rules alone are not an article)."""
    return any(next(flat_paragraphs([block]), None) for _, block in entries)


def _without_residue(block: Block) -> Block | None:
    """The block without share-button paragraphs anywhere in it; None when nothing is left."""
    if isinstance(block, Paragraph):
        return None if is_share_residue(one_line(block.children)) else block
    if isinstance(block, Quote):
        inner = tuple(b for b in map(_without_residue, block.blocks) if b is not None)
        return Quote(inner) if inner else None
    if isinstance(block, ListBlock):
        items = tuple(tuple(b for b in map(_without_residue, item) if b is not None) for item in block.items)
        return ListBlock(block.ordered, tuple(i for i in items if i), block.start) if any(items) else None
    return block


def assemble(
    title: str, body: list[tuple[str, Block]], data: bytes, source: str, fmt: str, lang: str | None = None
) -> Article:
    """An Article from a title and the entries of its body: share residue dropped, a heading with nothing
    under it before the next one dropped, a heading too long to be one kept as a paragraph."""
    if len(title) > MAX_TITLE_CHARS:
        raise ImportFailed(f"{source}: the title is {len(title)} characters long; at most {MAX_TITLE_CHARS}")
    blocks: list[Block] = []
    heading: Heading | None = None
    for kind, entry in body:
        block = None if kind == "title" else _without_residue(entry)
        if isinstance(block, Heading):
            if len(one_line(block.children)) <= MAX_HEADING_CHARS:
                heading = block
                continue
            block = Paragraph(block.children)
        if block is not None:
            if heading is not None:
                blocks.append(heading)
                heading = None
            blocks.append(block)
    sections = list(sections_of(blocks))
    if not sections:
        raise ImportFailed(f"{source}: has a title but no body")
    check_size(sections, source)
    return Article(
        title=title,
        slug=slugify(title),
        summary=summarize(sections[0].paragraphs[0]),
        source={"format": fmt, "name": source, "sha256": hashlib.sha256(data).hexdigest()},
        blocks=tuple(blocks),
        lang=lang or DEFAULT_LANGUAGE,
    )


def parse(data: bytes, source: str = "<html>", lang: str | None = None) -> Article:
    """Parse an HTML page or fragment into an Article, sanitizing it with nh3 first; lang is the language
    when the page does not declare one."""
    markup = decode(data, source)
    entries = read_blocks(markup, source)
    if not has_text(entries):
        raise ImportFailed(f"{source}: no text in the page (only markup, scripts, images or comments)")
    first_h1 = next((i for i, (kind, _) in enumerate(entries) if kind == "h1"), None)
    if first_h1 is not None:
        title, body = entry_text(entries[first_h1][1]), entries[first_h1 + 1 :]
    else:
        title, body = next((entry_text(b) for kind, b in entries if kind == "title"), ""), entries
    if not title:
        raise ImportFailed(f"{source}: no title; the page needs an <h1> or a <title>")
    return assemble(title, body, data, source, "html", declared_language(markup) or lang)
