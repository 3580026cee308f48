"""Counting helpers the network declarations share: user-perceived characters and URLs in text.

twitter-text (about 200 ms to import) is loaded on the first count that needs it, never at import: a
command that counts nothing never pays for it.
"""

from __future__ import annotations

import importlib
import unicodedata
from collections.abc import Callable
from functools import cache
from typing import Any

import regex

_GRAPHEME = regex.compile(r"\X")
_RUN = regex.compile(r"\S+")  # a run of text between whitespace: where url_spans looks for URLs


def graphemes(text: str) -> int:
    """User-perceived characters (extended grapheme clusters)."""
    return len(_GRAPHEME.findall(text))


def grapheme_list(text: str) -> list[str]:
    """The extended grapheme clusters of `text`, in order."""
    return list(_GRAPHEME.findall(text))


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@cache
def _twitter_text() -> tuple[Callable[..., Any], dict[str, Any], Callable[..., list[dict[str, Any]]]]:
    """parse_tweet, the v3 options and extract_urls_with_indices, imported on first use (start fast)."""
    parse = importlib.import_module("twitter_text.parse_tweet").parse_tweet
    options = importlib.import_module("twitter_text.config").config["version3"]
    extract = importlib.import_module("twitter_text.extract_urls").extract_urls_with_indices
    return parse, options, extract


def twitter_weighted_length(text: str) -> int:
    """twitter-text v3's weighted length (`parse_tweet(...).weightedLength`)."""
    parse, options, _ = _twitter_text()
    return int(parse(text, options).weightedLength)


def url_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each URL with a scheme, found the way twitter-text (and Mastodon's server) finds them.

    twitter-text's URL pattern backtracks badly on long runs of emoji sequences (600 ZWJ families took
    seconds per count), and a URL with a scheme never holds whitespace and always holds "://": so only the
    whitespace-separated runs that contain "://" are searched, each at its offset. A run starts after
    whitespace or at the start, which the pattern treats alike, so the spans are the ones of the whole text.
    """
    extract = _twitter_text()[2]
    spans: list[tuple[int, int]] = []
    for run in _RUN.finditer(text):
        if "://" not in run.group():
            continue
        for entity in extract(run.group(), extract_urls_without_protocol=False):
            start, end = entity["indices"]
            spans.append((run.start() + int(start), run.start() + int(end)))
    return spans
