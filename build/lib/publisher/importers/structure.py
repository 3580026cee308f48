"""Sanitized HTML read into document blocks (publisher.articles), in one pass with explicit stacks.

The markup reaching here has been through nh3 (publisher.importers.html.sanitize), so it is balanced and
holds only allowed tags and attributes. The reader keeps:

- `<h1>`..`<h6>` as headings (a top-level `<h1>` and the `<title>` are reported apart, for the title);
- `<p>` and text loose in `<div>`, `<section>` and the like as paragraphs; `<br>` is a line break and two
  in a row split the paragraph;
- `<a href>`, `<em>`/`<i>`, `<strong>`/`<b>`, `<code>` as inline runs (other inline tags keep their text);
- `<ul>`/`<ol start>` with `<li>` as lists whose items hold blocks, `<blockquote>` as a quote, `<pre>` as
  a code block (its language from `<code class="language-...">`), `<hr>` as a rule;
- `<img>` as an image block after the paragraph it sat in, `<figure>` with `<figcaption>` as an image with
  its caption; table rows as paragraphs of their cells joined by " | ".

Lists, quotes and inline containers nest at most MAX_NESTING deep; deeper ones keep their text only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser

from publisher.articles import blocks as doc

HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
# Elements that end a run of text; each run becomes a paragraph (or a heading, or the title).
BOUNDARIES = frozenset(
    {"title", "p", "div", "section", "article", "main", "header", "footer", "aside", "dl", "dt", "dd"}
    | {"figcaption", "table", "thead", "tbody", "tfoot", "tr", "address", "details", "summary"}
)
CONTAINERS = frozenset({"ul", "ol", "li", "blockquote", "figure"})
CELLS = frozenset({"td", "th"})
_INLINE_KINDS = {"a": "a", "em": "em", "i": "em", "strong": "strong", "b": "strong", "code": "code"}
_LANGUAGE = re.compile(r"(?:^|\s)(?:language|lang)-([A-Za-z0-9_+#.-]{1,40})(?:\s|$)")


@dataclass
class _Box:
    """An open container: the document itself, a quote, a list, a list item or a figure."""

    kind: str
    blocks: list[doc.Block] = field(default_factory=list)
    ordered: bool = False
    start: int = 1
    items: list[tuple[doc.Block, ...]] = field(default_factory=list)
    image: doc.Image | None = None
    caption: str | None = None


@dataclass
class _Frame:
    """An open inline element: kind is "a", "em", "strong", "code" or "" (keeps its text only)."""

    kind: str
    tag: str
    href: str = ""
    children: list[doc.Inline] = field(default_factory=list)


class Reader(HTMLParser):
    """Feed sanitized markup, close(), then read `entries`: ("title" | "h1" | "block", block) in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.entries: list[tuple[str, doc.Block]] = []
        self._boxes: list[_Box] = [_Box("root")]
        self._opened: list[str] = []  # per open container tag: "box", or "flat" when kept as text only
        self._frames: list[_Frame] = [_Frame("", "")]
        self._kind = "paragraph"  # what the text run being read becomes: paragraph, h1..h6, title, caption
        self._images: list[doc.Image] = []  # images met in the run, placed after it
        self._pre: list[str] | None = None
        self._pre_depth = 0
        self._language: str | None = None
        self._cells: list[str] | None = None

    # --- the document's boxes ---

    def _depth(self) -> int:
        return sum(1 for box in self._boxes if box.kind in ("list", "quote"))

    def _emit(self, block: doc.Block, kind: str = "block") -> None:
        box = self._boxes[-1]
        if kind == "title" or len(self._boxes) == 1:
            self.entries.append((kind, block))
        elif box.kind == "list":  # text between the items of a list: an item of its own
            box.items.append((block,))
        else:
            box.blocks.append(block)

    def _open_box(self, tag: str, attrs: dict[str, str | None]) -> None:
        self._flush()
        top = self._boxes[-1]
        if tag in ("ul", "ol", "blockquote") and self._depth() >= doc.MAX_NESTING:
            self._opened.append("flat")
        elif tag == "li" and top.kind != "list":
            self._opened.append("flat")
        elif tag == "figure" and top.kind == "figure":
            self._opened.append("flat")
        else:
            kind = {"ul": "list", "ol": "list", "li": "item", "blockquote": "quote", "figure": "figure"}[tag]
            self._boxes.append(_Box(kind, ordered=tag == "ol", start=_start(attrs) if tag == "ol" else 1))
            self._opened.append("box")
        self._kind = "paragraph"

    def _close_box(self) -> None:
        self._flush()
        self._kind = "paragraph"
        if not self._opened or self._opened.pop() == "flat":
            return
        box = self._boxes.pop()
        if box.kind == "item":
            if box.blocks and self._boxes[-1].kind == "list":
                self._boxes[-1].items.append(tuple(box.blocks))
        elif box.kind == "list" and box.items:
            self._emit(doc.ListBlock(box.ordered, tuple(box.items), box.start))
        elif box.kind == "quote" and box.blocks:
            self._emit(doc.Quote(tuple(box.blocks)))
        elif box.kind == "figure":
            if box.image is not None:
                self._emit(replace(box.image, caption=box.caption or box.image.caption))
            elif box.caption:
                self._emit(doc.Paragraph((doc.Text(box.caption),)))
            for block in box.blocks:
                self._emit(block)

    # --- text runs ---

    def _take_inlines(self) -> tuple[doc.Inline, ...]:
        """The run read so far as inline runs; open inline elements stay open for what follows."""
        for index in range(len(self._frames) - 1, 0, -1):
            frame = self._frames[index]
            self._frames[index - 1].children.extend(_close(frame))
            frame.children = []
        base = self._frames[0].children
        self._frames[0].children = []
        return tuple(base)

    def _flush(self) -> None:
        runs = self._take_inlines()
        kind, images, self._images = self._kind, self._images, []
        if kind == "caption" and self._boxes[-1].kind == "figure":
            self._boxes[-1].caption = doc.one_line(runs) or None
        elif kind in HEADINGS:
            inlines = doc.normalize_inlines(runs)
            if doc.one_line(inlines):
                heading = doc.Heading(HEADINGS[kind], inlines)
                self._emit(heading, "h1" if kind == "h1" and len(self._boxes) == 1 else "block")
        elif kind == "title":
            if doc.one_line(runs):
                self._emit(doc.Paragraph((doc.Text(doc.one_line(runs)),)), "title")
        else:
            for part in _split_at_double_breaks(runs):
                inlines = doc.normalize_inlines(part)
                if doc.one_line(inlines):
                    self._emit(doc.Paragraph(inlines))
        for img in images:
            self._emit(img)

    def _add(self, run: doc.Inline) -> None:
        self._frames[-1].children.append(run)

    # --- the parser's callbacks ---

    def handle_starttag(self, tag: str, attr_list: list[tuple[str, str | None]]) -> None:
        attrs = dict(attr_list)
        if self._pre is not None:
            self._in_pre_start(tag, attrs)
        elif tag == "pre":
            self._flush()
            self._pre, self._pre_depth, self._language = [], 1, None
        elif tag in _INLINE_KINDS:
            self._open_inline(tag, attrs)
        elif tag == "br":
            self._add(doc.LineBreak())
        elif tag == "img":
            self._image(attrs)
        elif tag == "hr":
            self._flush()
            self._emit(doc.Rule())
        elif tag in CELLS and self._cells is not None:
            self._end_cell()
        elif tag in CONTAINERS:
            self._open_box(tag, attrs)
        elif tag in HEADINGS or tag in BOUNDARIES:
            self._flush()
            if tag == "tr":
                self._cells = []
            self._kind = tag if tag in HEADINGS or tag == "title" else "paragraph"
            if tag == "figcaption" and self._boxes[-1].kind == "figure":
                self._kind = "caption"

    def handle_endtag(self, tag: str) -> None:
        if self._pre is not None:
            self._in_pre_end(tag)
        elif tag in _INLINE_KINDS:
            self._close_inline(tag)
        elif tag in CELLS and self._cells is not None:
            self._end_cell()
        elif tag in CONTAINERS:
            self._close_box()
        elif tag in HEADINGS or tag in BOUNDARIES:
            if tag == "tr" and self._cells is not None:
                self._end_cell()
                cells, self._cells = [c for c in self._cells if c], None
                if cells:
                    self._emit(doc.Paragraph((doc.Text(" | ".join(cells)),)))
            self._flush()
            self._kind = "paragraph"

    def handle_data(self, data: str) -> None:
        if self._pre is not None:
            self._pre.append(data)
        else:
            self._add(doc.Text(data))

    def close(self) -> None:
        super().close()
        if self._pre is not None:
            self._end_pre()
        while len(self._opened) > 0:
            self._close_box()
        self._flush()

    # --- inline elements, images, code blocks and table cells ---

    def _open_inline(self, tag: str, attrs: dict[str, str | None]) -> None:
        kind = _INLINE_KINDS[tag]
        nested = sum(1 for f in self._frames if f.kind in ("a", "em", "strong"))
        if any(f.kind == "code" for f in self._frames) or (kind != "code" and nested >= doc.MAX_NESTING):
            kind = ""  # inside inline code, or too deep: the text only
        self._frames.append(_Frame(kind, tag, attrs.get("href") or ""))

    def _close_inline(self, tag: str) -> None:
        for index in range(len(self._frames) - 1, 0, -1):
            if self._frames[index].tag == tag:
                while len(self._frames) > index:
                    frame = self._frames.pop()
                    self._frames[-1].children.extend(_close(frame))
                return

    def _image(self, attrs: dict[str, str | None]) -> None:
        get = attrs.get
        found = doc.image(get("src") or "", get("alt") or "", get("title"), get("width"), get("height"))
        if found is None:
            return
        box = self._boxes[-1]
        if box.kind == "figure" and box.image is None:
            box.image = found
        else:
            self._images.append(found)

    def _in_pre_start(self, tag: str, attrs: dict[str, str | None]) -> None:
        if tag == "pre":
            self._pre_depth += 1
        elif tag == "br":
            assert self._pre is not None
            self._pre.append("\n")
        elif tag == "code" and self._language is None:
            match = _LANGUAGE.search(attrs.get("class") or "")
            self._language = match.group(1) if match else None

    def _in_pre_end(self, tag: str) -> None:
        if tag == "pre":
            self._pre_depth -= 1
            if self._pre_depth == 0:
                self._end_pre()

    def _end_pre(self) -> None:
        text = "".join(self._pre or []).removeprefix("\n").rstrip()
        self._pre = None
        if text.strip():
            self._emit(doc.CodeBlock(text, self._language))

    def _end_cell(self) -> None:
        assert self._cells is not None
        self._cells.append(doc.one_line(self._take_inlines()))


def _close(frame: _Frame) -> tuple[doc.Inline, ...]:
    if frame.kind == "a":
        return doc.link(frame.href, frame.children)
    if frame.kind == "em":
        return (doc.Emphasis(tuple(frame.children)),)
    if frame.kind == "strong":
        return (doc.Strong(tuple(frame.children)),)
    if frame.kind == "code":
        return (doc.InlineCode(" ".join(doc.plain_text(frame.children).split())),)
    return tuple(frame.children)


def _split_at_double_breaks(runs: tuple[doc.Inline, ...]) -> list[tuple[doc.Inline, ...]]:
    """Two line breaks in a row (whitespace between them allowed) end one paragraph and start another."""
    parts: list[list[doc.Inline]] = [[]]
    breaks: list[doc.Inline] = []  # line breaks (and blank text) seen since the last visible run
    for run in runs:
        if isinstance(run, doc.LineBreak) or (isinstance(run, doc.Text) and not run.text.strip() and breaks):
            breaks.append(run)
            continue
        if sum(isinstance(b, doc.LineBreak) for b in breaks) >= 2:
            parts.append([])
        else:
            parts[-1].extend(breaks)
        breaks = []
        parts[-1].append(run)
    return [tuple(p) for p in parts if p]


def _start(attrs: dict[str, str | None]) -> int:
    value = attrs.get("start") or "1"
    try:
        return max(0, min(int(value.strip()), 10**6))
    except ValueError:
        return 1


def read(markup: str) -> list[tuple[str, doc.Block]]:
    """The entries of sanitized markup: ("title", paragraph), ("h1", heading) or ("block", block)."""
    reader = Reader()
    reader.feed(markup)
    reader.close()
    return reader.entries
