"""The Markdown article format (CommonMark, plus tables and strikethrough), UTF-8.

markdown-it-py parses the file into its tokens and renders them to HTML, and that HTML goes through the HTML
importer's sanitizer (nh3) and structure reader, so raw HTML inside Markdown is cleaned exactly like an
imported page, and both formats keep the same things:

- the title is the first `#` heading (or a `===`-underlined one); a file without one takes the front
  matter's `title:`, else its first non-empty line, markup flattened, as the title;
- `##` to `######` headings, and any later `#` heading, are headings;
- links (inline, reference and autolinks; only http, https and mailto URLs stay links), emphasis, strong,
  code spans, hard line breaks, fenced code (with its language) and indented code, nested bullet and
  ordered lists, block quotes, images (alt text, title as caption) and `---` rules are kept;
  table rows become paragraphs of their cells joined by " | ";
- a front-matter block (`---` ... `---` at the very top) is read for `lang:` and `title:` (`key: value`
  lines; anything else in it is ignored) and left out of the text;
- a paragraph made only of share-button words ("Share", "Tweet | Email") is dropped.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt

from publisher.articles import Article, language_tag
from publisher.articles.urls import local_image_path, safe_href
from publisher.errors import ImportFailed
from publisher.importers import html
from publisher.importers.text import decode

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)?(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_KEY_VALUE = re.compile(r"^([A-Za-z_][A-Za-z0-9_-]*)[ \t]*:[ \t]*(.*?)[ \t]*$", re.MULTILINE)


def front_matter(text: str) -> tuple[dict[str, str], str]:
    """The `key: value` lines of a leading front-matter block (keys lowercased, quotes around a value
    removed) and the text after the block."""
    match = _FRONT_MATTER.match(text)
    if match is None:
        return {}, text
    fields: dict[str, str] = {}
    for key, value in _KEY_VALUE.findall(match.group(1) or ""):
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        fields.setdefault(key.lower(), value.strip())
    return fields, text[match.end() :]


def _renderer() -> MarkdownIt:
    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    # Every link becomes <a>, even javascript: ones, so that its text is kept and the URL dropped by the
    # sanitizer; markdown-it's own check would leave "[text](javascript:...)" behind as literal text.
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    # A URL the document model takes is kept as written, as the HTML importer keeps it; markdown-it would
    # percent-encode its non-ASCII characters and punycode its host. Any other URL is encoded as before.
    encode = md.normalizeLink
    md.normalizeLink = lambda url: url if _as_written(url) else encode(url)  # type: ignore[method-assign]
    return md


def _as_written(url: str) -> bool:
    return safe_href(url) == url or local_image_path(url) == url


def parse(data: bytes, source: str = "<markdown>", lang: str | None = None) -> Article:
    """Parse a Markdown file into an Article; lang is the language when the front matter gives none."""
    text = decode(data, source).replace("\r\n", "\n").replace("\r", "\n")
    fields, text = front_matter(text)
    md = _renderer()
    entries = html.read_blocks(md.render(text), source)
    if not html.has_text(entries):
        raise ImportFailed(f"{source}: no text in the file (only markup, images or comments)")

    declared_title = " ".join(fields.get("title", "").split())
    first_h1 = next((i for i, (kind, _) in enumerate(entries) if kind == "h1"), None)
    if first_h1 is not None:
        title, body = html.entry_text(entries[first_h1][1]), entries[:first_h1] + entries[first_h1 + 1 :]
    elif declared_title:
        title, body = declared_title, entries
    else:
        lines = text.split("\n")
        number = next(i for i, line in enumerate(lines) if line.strip())
        first = html.read_blocks(md.render(lines[number].strip()), source)
        title = " ".join(html.entry_text(b) for _, b in first)
        body = html.read_blocks(md.render("\n".join(lines[number + 1 :])), source)
    if not title:
        raise ImportFailed(f"{source}: no title; start the file with a `# Title` line")
    return html.assemble(title, body, data, source, "markdown", language_tag(fields.get("lang")) or lang)
