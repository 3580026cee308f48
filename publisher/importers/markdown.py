"""The Markdown article format (CommonMark, plus tables and strikethrough), UTF-8.

markdown-it-py renders the file to HTML, and that HTML goes through the HTML importer's sanitizer (nh3) and
reader, so raw HTML inside Markdown is cleaned exactly like an imported page and both formats flatten the
same way:

- the title is the first `#` heading (or a `===`-underlined one); a file without one takes its first
  non-empty line, markup flattened, as the title;
- `##` to `######` headings, and any later `#` heading, open sections;
- paragraphs, list items (ordered ones keep their number), block quotes, code blocks and table rows
  (cells joined by " | ") become paragraphs of plain text;
- inline markup is flattened to its text; links keep their text and lose their URL; images are dropped;
- a YAML front-matter block (`---` ... `---` at the very top) is skipped;
- a paragraph made only of share-button words ("Share", "Tweet | Email") is dropped.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt

from publisher.articles import Article
from publisher.errors import ImportFailed
from publisher.importers import html
from publisher.importers.text import decode

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n.*?\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)


def _renderer() -> MarkdownIt:
    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    # Every link becomes <a>, even javascript: ones, so that its text is kept and the URL dropped by the
    # sanitizer; markdown-it's own check would leave "[text](javascript:...)" behind as literal text.
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    return md


def parse(data: bytes, source: str = "<markdown>") -> Article:
    """Parse a Markdown file into an Article."""
    text = decode(data, source).replace("\r\n", "\n").replace("\r", "\n")
    text = _FRONT_MATTER.sub("", text, count=1)
    md = _renderer()
    blocks = html.read_blocks(md.render(text), source)
    if not blocks:
        raise ImportFailed(f"{source}: no text in the file (only markup, images or comments)")

    first_h1 = next((i for i, (kind, _) in enumerate(blocks) if kind == "h1"), None)
    if first_h1 is not None:
        title, body = blocks[first_h1][1], blocks[:first_h1] + blocks[first_h1 + 1 :]
    else:
        lines = text.split("\n")
        number = next(i for i, line in enumerate(lines) if line.strip())
        title = " ".join(text for _, text in html.read_blocks(md.render(lines[number].strip()), source))
        body = html.read_blocks(md.render("\n".join(lines[number + 1 :])), source)
    if not title:
        raise ImportFailed(f"{source}: no title; start the file with a `# Title` line")
    return html.assemble(title, body, data, source, "markdown")
