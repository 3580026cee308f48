"""Which URLs a document may hold: checked once, when the document is built, so no renderer has to.

A link keeps only an http, https or mailto URL; an image source only an http or https one. The scheme is
matched case-insensitively, after the surrounding whitespace HTML ignores is stripped; a URL with any
control, format or whitespace character inside it (the "java\\tscript:" and zero-width tricks a browser
would silently remove) is refused whole, as is an http(s) URL without a host ("https:\\\\evil", "http:x").
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

LINK_SCHEMES = frozenset({"http", "https", "mailto"})
IMAGE_SCHEMES = frozenset({"http", "https"})
MAX_URL_CHARS = 2048

_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
# What HTML strips around an attribute value anyway.
_EDGES = " \t\n\r\f"


def _clean(url: str) -> str | None:
    url = url.strip(_EDGES)
    if not url or len(url) > MAX_URL_CHARS:
        return None
    if any(c.isspace() or unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp", "Zs") for c in url):
        return None
    return url


def _with_scheme(url: str, schemes: frozenset[str]) -> str | None:
    match = _SCHEME.match(url)
    if match is None:
        return None
    scheme = match.group(1).lower()
    if scheme not in schemes:
        return None
    url = scheme + url[match.end(1) :]
    if scheme == "mailto":
        return url if len(url) > len("mailto:") else None
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unbalanced "[" in the host
        return None
    if not parts.hostname or "\\" in url:
        return None
    return url


def safe_href(url: str) -> str | None:
    """The URL a link may point to (its scheme lowercased), or None: only http, https and mailto."""
    cleaned = _clean(url)
    return None if cleaned is None else _with_scheme(cleaned, LINK_SCHEMES)


def safe_image_src(url: str) -> str | None:
    """The absolute http(s) URL of an image, or None."""
    cleaned = _clean(url)
    return None if cleaned is None else _with_scheme(cleaned, IMAGE_SCHEMES)


def local_image_path(url: str) -> str | None:
    """A relative reference with no scheme ("img/chart.png"), kept for the media phase; else None.

    It is never rendered as a URL: the media store resolves it next to the imported file, or drops it.
    Protocol-relative ("//host/x.png") and absolute paths ("/etc/x.png") are not local files of the article.
    """
    cleaned = _clean(url)
    if cleaned is None or _SCHEME.match(cleaned) or cleaned.startswith(("/", "\\")) or "\\" in cleaned:
        return None
    return cleaned
