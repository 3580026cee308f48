"""Importers: one module per format, each turning bytes into an Article or raising ImportFailed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from publisher.articles import Article
from publisher.errors import ImportFailed
from publisher.importers import html, markdown, text

# suffix -> parser(data, source_name)
_PARSERS: dict[str, Callable[[bytes, str], Article]] = {
    ".txt": text.parse,
    ".text": text.parse,
    ".md": markdown.parse,
    ".markdown": markdown.parse,
    ".html": html.parse,
    ".htm": html.parse,
}

MAX_BYTES = 5 * 1024 * 1024


def supported_suffixes() -> list[str]:
    return sorted(_PARSERS)


def load(path: Path) -> Article:
    """Read one article file, choosing the importer by its suffix."""
    parser = _PARSERS.get(path.suffix.lower())
    if parser is None:
        raise ImportFailed(
            f"{path}: unknown format {path.suffix or '(no suffix)'!r}; supported: {', '.join(supported_suffixes())}"
        )
    if not path.is_file():
        raise ImportFailed(f"{path}: no such file")
    if path.stat().st_size > MAX_BYTES:
        raise ImportFailed(f"{path}: larger than {MAX_BYTES // (1024 * 1024)} MiB")
    return parser(path.read_bytes(), str(path))
