"""The stored form of a document: versioned JSON, `{"version": 1, "blocks": [...]}`.

Each block and inline run is an object with a "type":

    {"type": "heading", "level": 2, "children": [inline...]}
    {"type": "paragraph", "children": [inline...]}
    {"type": "list", "ordered": false, "start": 1, "items": [[block...], ...]}
    {"type": "quote", "blocks": [block...]}
    {"type": "code", "text": "...", "language": "python" | null}
    {"type": "image", "src": "https://..." | null, "local": "img/x.png" | null, "alt": "...",
     "caption": "..." | null, "width": 640 | null, "height": 480 | null}
    {"type": "rule"}

    {"type": "text", "text": "..."}       {"type": "link", "href": "https://...", "children": [inline...]}
    {"type": "emphasis", "children": [...]}  {"type": "strong", "children": [...]}
    {"type": "code", "text": "..."}       {"type": "break"}

from_json refuses (InvalidDocument, naming the place) an unknown version or type, a missing or mistyped
field and nesting deeper than MAX_NESTING. URLs are checked as when any document is built: a link whose
href the model does not take keeps its text and loses the link, an image whose src is neither http(s) nor
a local path is left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from publisher.articles import blocks as doc
from publisher.articles.urls import local_image_path, safe_image_src
from publisher.errors import InvalidDocument

VERSION = 1


def to_json(blocks: Sequence[doc.Block]) -> dict[str, Any]:
    """The document as JSON-ready data."""
    return {"version": VERSION, "blocks": [_block_out(b) for b in blocks]}


def _inlines_out(runs: Sequence[doc.Inline]) -> list[dict[str, Any]]:
    return [_inline_out(r) for r in runs]


def _inline_out(run: doc.Inline) -> dict[str, Any]:
    if isinstance(run, doc.Text):
        return {"type": "text", "text": run.text}
    if isinstance(run, doc.Link):
        return {"type": "link", "href": run.href, "children": _inlines_out(run.children)}
    if isinstance(run, doc.Emphasis):
        return {"type": "emphasis", "children": _inlines_out(run.children)}
    if isinstance(run, doc.Strong):
        return {"type": "strong", "children": _inlines_out(run.children)}
    if isinstance(run, doc.InlineCode):
        return {"type": "code", "text": run.text}
    return {"type": "break"}


def _block_out(block: doc.Block) -> dict[str, Any]:
    if isinstance(block, doc.Heading):
        return {"type": "heading", "level": block.level, "children": _inlines_out(block.children)}
    if isinstance(block, doc.Paragraph):
        return {"type": "paragraph", "children": _inlines_out(block.children)}
    if isinstance(block, doc.ListBlock):
        items = [[_block_out(b) for b in item] for item in block.items]
        return {"type": "list", "ordered": block.ordered, "start": block.start, "items": items}
    if isinstance(block, doc.Quote):
        return {"type": "quote", "blocks": [_block_out(b) for b in block.blocks]}
    if isinstance(block, doc.CodeBlock):
        return {"type": "code", "text": block.text, "language": block.language}
    if isinstance(block, doc.Image):
        return {
            "type": "image",
            "src": block.src,
            "local": block.local,
            "alt": block.alt,
            "caption": block.caption,
            "width": block.width,
            "height": block.height,
        }
    return {"type": "rule"}


def from_json(data: Any) -> tuple[doc.Block, ...]:
    """The blocks of a stored document; InvalidDocument says what is wrong and where."""
    if not isinstance(data, dict):
        raise InvalidDocument("a document is a JSON object with a version and blocks")
    if data.get("version") != VERSION:
        version = data.get("version")
        raise InvalidDocument(f"unknown document version {version!r}; this publisher reads version {VERSION}")
    return _blocks_in(_field(data, "blocks", list, "document"), "blocks", 0)


def _field(obj: dict[str, Any], name: str, kind: type | tuple[type, ...], where: str) -> Any:
    if name not in obj:
        raise InvalidDocument(f"{where}: missing {name!r}")
    value = obj[name]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise InvalidDocument(f"{where}: {name!r} has the wrong type ({type(value).__name__})")
    return value


def _optional(obj: dict[str, Any], name: str, kind: type, where: str) -> Any:
    return None if obj.get(name) is None else _field(obj, name, kind, where)


def _deeper(depth: int, where: str) -> int:
    if depth >= doc.MAX_NESTING:
        raise InvalidDocument(f"{where}: nested more than {doc.MAX_NESTING} levels deep")
    return depth + 1


def _typed(obj: Any, where: str) -> str:
    if not isinstance(obj, dict) or not isinstance(obj.get("type"), str):
        raise InvalidDocument(f"{where}: not an object with a type")
    return str(obj["type"])


def _blocks_in(items: list[Any], where: str, depth: int) -> tuple[doc.Block, ...]:
    blocks = (_block_in(item, f"{where}[{i}]", depth) for i, item in enumerate(items))
    return tuple(b for b in blocks if b is not None)


def _block_in(obj: Any, where: str, depth: int) -> doc.Block | None:
    kind = _typed(obj, where)
    try:
        if kind == "heading":
            level = _field(obj, "level", int, where)
            return doc.Heading(level, _inlines_in(_field(obj, "children", list, where), where, 0))
        if kind == "paragraph":
            return doc.Paragraph(_inlines_in(_field(obj, "children", list, where), where, 0))
        if kind == "list":
            inner = _deeper(depth, where)
            items = _field(obj, "items", list, where)
            if not all(isinstance(item, list) for item in items):
                raise InvalidDocument(f"{where}: each list item is a list of blocks")
            start = _optional(obj, "start", int, where)
            return doc.ListBlock(
                _field(obj, "ordered", bool, where),
                tuple(_blocks_in(item, f"{where}.items[{i}]", inner) for i, item in enumerate(items)),
                1 if start is None else start,
            )
        if kind == "quote":
            return doc.Quote(_blocks_in(_field(obj, "blocks", list, where), where, _deeper(depth, where)))
        if kind == "code":
            return doc.CodeBlock(_field(obj, "text", str, where), _optional(obj, "language", str, where))
        if kind == "image":
            src, local = _optional(obj, "src", str, where), _optional(obj, "local", str, where)
            if (src is None) == (local is None):
                raise InvalidDocument(f"{where}: an image has either a src or a local path")
            src, local = (safe_image_src(src), None) if src is not None else (None, local_image_path(local))
            if src is None and local is None:
                return None  # not an image URL the model takes
            return doc.Image(
                src,
                _field(obj, "alt", str, where),
                _optional(obj, "caption", str, where),
                _optional(obj, "width", int, where),
                _optional(obj, "height", int, where),
                local,
            )
        if kind == "rule":
            return doc.Rule()
    except ValueError as exc:  # the model's own checks: a bad URL, level or size
        raise InvalidDocument(f"{where}: {exc}") from None
    raise InvalidDocument(f"{where}: unknown block type {kind!r}")


def _inlines_in(items: list[Any], where: str, depth: int) -> tuple[doc.Inline, ...]:
    return tuple(run for i, item in enumerate(items) for run in _inline_in(item, f"{where}.children[{i}]", depth))


def _inline_in(obj: Any, where: str, depth: int) -> tuple[doc.Inline, ...]:
    kind = _typed(obj, where)
    if kind in ("text", "code"):
        text = _field(obj, "text", str, where)
        return (doc.Text(text) if kind == "text" else doc.InlineCode(text),)
    if kind == "break":
        return (doc.LineBreak(),)
    if kind in ("link", "emphasis", "strong"):
        children = _inlines_in(_field(obj, "children", list, where), where, _deeper(depth, where))
        if kind == "emphasis":
            return (doc.Emphasis(children),)
        if kind == "strong":
            return (doc.Strong(children),)
        return doc.link(_field(obj, "href", str, where), children)
    raise InvalidDocument(f"{where}: unknown inline type {kind!r}")
