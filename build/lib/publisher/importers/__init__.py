"""Importers: one module per format, each turning bytes into an Article or raising ImportFailed.

parse(data, filename) reads bytes from anywhere (an upload, a paste, the API); load(path) reads a file.
`lang` is the article's language when the file does not declare one (HTML's `<html lang>`, Markdown's
front matter `lang:`); callers pass `--lang` or PUBLISHER_LANGUAGE, and without one it is "en".
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path, PurePath

from publisher.articles import Article
from publisher.errors import ImportFailed
from publisher.importers import html, markdown, text

# suffix -> parser(data, source_name, default language)
_PARSERS: dict[str, Callable[[bytes, str, str | None], Article]] = {
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


def _parser_for(name: str) -> Callable[[bytes, str, str | None], Article]:
    suffix = PurePath(name).suffix
    parser = _PARSERS.get(suffix.lower())
    if parser is None:
        raise ImportFailed(
            f"{name}: unknown format {suffix or '(no suffix)'!r}; supported: {', '.join(supported_suffixes())}"
        )
    return parser


def _too_large(name: str) -> ImportFailed:
    return ImportFailed(f"{name}: larger than {MAX_BYTES // (1024 * 1024)} MiB")


def parse(data: bytes, filename: str, lang: str | None = None) -> Article:
    """Parse one article from its bytes; the filename's suffix chooses the importer, and errors name it."""
    if len(data) > MAX_BYTES:
        raise _too_large(filename)
    return _parser_for(filename)(data, filename, lang)


def load(path: Path, lang: str | None = None) -> Article:
    """Read one article file, choosing the importer by its suffix."""
    _parser_for(str(path))  # an unknown format is named before a missing file
    if not path.is_file():
        raise ImportFailed(f"{path}: no such file")
    if path.stat().st_size > MAX_BYTES:  # refused before it is read
        raise _too_large(str(path))
    return parse(path.read_bytes(), str(path), lang)
