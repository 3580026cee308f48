r"""A document written as CommonMark: what the editor shows, and what the Markdown importer reads back.

`to_markdown(blocks)` writes every block and inline run so that publisher.importers.markdown reads the same
document back (for documents as importers build them: whitespace collapsed, no empty runs):

- text has the characters Markdown would read as markup backslash-escaped (`\\ * _ [ ] < ~ | \``, an `&`
  that would start an entity, a `!` before a link) and, at the start of a line, whatever would open a
  block there (`#`, `>`, `-`, `+`, `=`, `1.`);
- emphasis is `_..._` and strong `**...**` where CommonMark's flanking rules read them back as written,
  otherwise (inside a word, next to another delimiter, with spaces at an edge) the `<em>`/`<strong>` tags
  the importer's sanitizer keeps; a line break is a backslash at the end of the line (`<br>` in a heading);
- links are `[text](url)`, inline code is fenced with more backticks than it holds, code blocks are
  fenced the same way with their language;
- an image is `![alt](src "caption")`, or an `<img>` tag when it has a width or height, which Markdown
  cannot say (except a media store copy, whose size the store gives back when the article is saved);
  a rule is `---`; lists nest by indentation, and a list right after another of the same kind takes
  the other marker (`*` or `)`), so the two stay two lists.
"""

from __future__ import annotations

import re
import string
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import escape

from publisher.articles import blocks as doc

_ESCAPED = re.compile(r"([\\`*_\[\]<~|])")
_ENTITY = re.compile(r"&(?=#[0-9]{1,7};|#[xX][0-9a-fA-F]{1,6};|[A-Za-z][A-Za-z0-9]{1,31};)")
_BLOCK_START = re.compile(r"^(?:([#>])|([-+=])(?=[ \-+=]|$)|([0-9]{1,9})([.)])(?= |$))")
_CODE_LANGUAGE = re.compile(r"[A-Za-z0-9_+#.-]{1,40}")
_DELIMITERS = "*_"
_WHITESPACE = re.compile(r"\s+")


def to_markdown(blocks: Sequence[doc.Block]) -> str:
    """The document as CommonMark, one blank line between blocks, ending in a newline."""
    text = _blocks(blocks)
    return text + "\n" if text else ""


def escape_text(text: str, *, line_start: bool = False) -> str:
    """Plain text as Markdown that reads back as this text (whitespace collapsed to single spaces)."""
    text = _ENTITY.sub(r"\\&", _ESCAPED.sub(r"\\\1", _WHITESPACE.sub(" ", text)))
    if line_start:
        text = _BLOCK_START.sub(_escape_block_start, text, count=1)
    return text


def _escape_block_start(match: re.Match[str]) -> str:
    if match.group(3):
        return match.group(3) + "\\" + match.group(4)
    return "\\" + match.group(0)


# --- inline runs ---


@dataclass
class _Line:
    """Where the inline writer is: at the start of a line, and whether breaks are `<br>` (headings)."""

    start: bool
    html_breaks: bool = False


def _inlines(runs: Sequence[doc.Inline], line: _Line, before: str = "", after: str = "") -> str:
    """Inline runs as Markdown; `before`/`after` are the characters around them (a delimiter, or nothing)."""
    out = ""
    for index, run in enumerate(runs):
        following = _first_char(runs[index + 1]) if index + 1 < len(runs) else after
        if isinstance(run, doc.InlineCode) and out.endswith("`"):  # fences would run together
            line.start = False
            out += f"<code>{escape_text(run.text)}</code>"
            continue
        piece = _inline(run, line, (out[-1:] or before), following)
        if piece.startswith("[") and out.endswith("!") and not out.endswith("\\!"):
            out = out[:-1] + "\\!"  # "!" then a link would read as an image
        out += piece
    return out


def _first_char(run: doc.Inline) -> str:
    if isinstance(run, doc.Text):
        return escape_text(run.text)[:1] or " "
    if isinstance(run, doc.Link):
        return "["
    if isinstance(run, doc.InlineCode):
        return "`"
    if isinstance(run, doc.LineBreak):
        return "\\"
    return _DELIMITERS[0]  # emphasis or strong: a delimiter, or a tag


def _inline(run: doc.Inline, line: _Line, before: str, after: str) -> str:
    if isinstance(run, doc.Text):
        text = escape_text(run.text, line_start=line.start)
        line.start = line.start and not text
        return text
    if isinstance(run, doc.LineBreak):
        line.start = not line.html_breaks
        return "<br>" if line.html_breaks else "\\\n"
    line.start = False
    if isinstance(run, doc.InlineCode):
        return _code_span(run.text)
    if isinstance(run, doc.Link):
        children = tuple(_unlinked(run.children))
        return f"[{_inlines(children, line, '[', ']')}]({_destination(run.href)})"
    marker, tag = ("_", "em") if isinstance(run, doc.Emphasis) else ("**", "strong")
    content = _inlines(run.children, line, marker[0], marker[0])
    if _flanks(content, before, after):
        return f"{marker}{content}{marker}"
    return f"<{tag}>{content}</{tag}>"


def _flanks(content: str, before: str, after: str) -> bool:
    """Whether delimiters around content read back as this emphasis and nothing else: the opening one can
    only open and the closing one only close. So a letter or digit at an edge needs a space, punctuation
    other than a delimiter or nothing beside the delimiter (never inside a word), and ASCII punctuation at
    an edge a space or nothing; anything else (a space or a symbol at an edge) is written as tags."""
    return bool(content) and _edge(content[0], before) and _edge(content[-1], after)


def _edge(inside: str, outside: str) -> bool:
    if inside.isalnum():
        return not outside or outside == " " or (outside in string.punctuation and outside not in _DELIMITERS)
    return inside in string.punctuation and (not outside or outside == " ")


def _unlinked(runs: Sequence[doc.Inline]) -> list[doc.Inline]:
    """A link's text with any link inside it opened up (Markdown has no links in links)."""
    out: list[doc.Inline] = []
    for run in runs:
        if isinstance(run, doc.Link):
            out.extend(_unlinked(run.children))
        elif isinstance(run, doc.Emphasis | doc.Strong):
            out.append(type(run)(tuple(_unlinked(run.children))))
        else:
            out.append(run)
    return out


def _destination(url: str) -> str:
    return _ENTITY.sub(r"\\&", re.sub(r"([\\()<>])", r"\\\1", url))


def _fence_for(text: str, least: int) -> str:
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(least, longest + 1)


def _code_span(text: str) -> str:
    text = " ".join(text.split())
    fence = _fence_for(text, 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


# --- blocks ---


def _blocks(blocks: Sequence[doc.Block]) -> str:
    parts: list[str] = []
    previous: doc.Block | None = None
    alternate = False  # the list just written took the other marker
    for block in blocks:
        if isinstance(block, doc.ListBlock):
            follows_twin = isinstance(previous, doc.ListBlock) and previous.ordered == block.ordered
            alternate = follows_twin and not alternate
        text = _block(block, alternate)
        if text:
            parts.append(text)
            previous = block
    return "\n\n".join(parts)


def _block(block: doc.Block, alternate: bool = False) -> str:
    if isinstance(block, doc.Heading):
        text = _inlines(block.children, _Line(start=False, html_breaks=True))
        if text.endswith("#"):
            text = text[:-1] + "\\#"  # a closing sequence would be dropped
        return f"{'#' * block.level} {text}"
    if isinstance(block, doc.Paragraph):
        return _inlines(block.children, _Line(start=True))
    if isinstance(block, doc.ListBlock):
        return _list(block, alternate)
    if isinstance(block, doc.Quote):
        return "\n".join(f"> {line}" if line else ">" for line in _blocks(block.blocks).split("\n"))
    if isinstance(block, doc.CodeBlock):
        fence = _fence_for(block.text, 3)
        language = block.language if block.language and _CODE_LANGUAGE.fullmatch(block.language) else ""
        return f"{fence}{language}\n{block.text.rstrip()}\n{fence}"
    if isinstance(block, doc.Image):
        return _image(block)
    return "---"


def _list(block: doc.ListBlock, alternate: bool) -> str:
    items = []
    for number, item in enumerate(block.items, start=block.start):
        if block.ordered:
            marker = f"{number}{')' if alternate else '.'} "
        else:
            marker = "* " if alternate else "- "
        lines = _blocks(item).split("\n")
        if lines[0] == "---":
            lines[0] = "___"  # "- ---" would be a rule of its own, not an item holding one
        indent = " " * len(marker)
        body = [marker + lines[0]] + [indent + line if line else "" for line in lines[1:]]
        items.append("\n".join(body).rstrip(" "))
    loose = any(len(item) > 1 for item in block.items)
    return ("\n\n" if loose else "\n").join(items)


# A media store copy's URL ends in img/<id>/<width>.<ext>: its size is the store's to give back on save
# (publisher.importers.local_images.size_stored_images), so the editor shows it as plain Markdown.
_MEDIA_COPY = re.compile(r"/img/[0-9a-f]{32}/(\d+)\.(?:jpg|png)$")


def _stored_size(block: doc.Image) -> bool:
    found = _MEDIA_COPY.search(block.src or "")
    return found is not None and block.width == int(found.group(1))


def _image(block: doc.Image) -> str:
    src = block.src or block.local or ""
    if (block.width or block.height) and not _stored_size(block):
        attributes = [("src", src), ("alt", block.alt)]
        attributes += [("title", block.caption)] if block.caption else []
        attributes += [(name, str(side)) for name, side in (("width", block.width), ("height", block.height)) if side]
        return "<img " + " ".join(f'{name}="{escape(value)}"' for name, value in attributes) + ">"
    title = ""
    if block.caption:
        caption = _ENTITY.sub(r"\\&", re.sub(r'([\\"])', r"\\\1", " ".join(block.caption.split())))
        title = f' "{caption}"'
    return f"![{escape_text(block.alt)}]({_destination(src)}{title})"


def title_markdown(title: str) -> str:
    """An article's title as the `#` heading the Markdown importer takes for the title."""
    return _block(doc.Heading(1, (doc.Text(title),)))
