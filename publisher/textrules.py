"""How long a post is on each network, and how to make one fit: the one place these rules live.

- X: twitter-text v3 weighted length (`twitter-text-parser`): NFC-normalized, every URL counts 23, code
  points in the light ranges weigh 1 and all others 2, an emoji sequence counts 2; at most 280.
- Mastodon: 500 characters, counted as grapheme clusters (as the server's StatusLengthValidator does),
  with every http(s) URL counted as 23.
- Bluesky: 300 grapheme clusters of the text as written (a link counts in full).

`fit` shortens a post by cutting the summary at a word boundary and adding an ellipsis; when even no
summary is too long, it drops the hashtags, then shortens the title the same way. The URL is never cut.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import regex
from twitter_text import parse_tweet
from twitter_text.config import config as _twitter_config
from twitter_text.extract_urls import extract_urls_with_indices

NETWORKS = ("x", "mastodon", "bluesky")
LIMITS: dict[str, int] = {"x": 280, "mastodon": 500, "bluesky": 300}
URL_LENGTH: dict[str, int | None] = {"x": 23, "mastodon": 23, "bluesky": None}
ELLIPSIS = "…"

_X_OPTIONS = _twitter_config["version3"]
_GRAPHEME = regex.compile(r"\X")
_SPACE = regex.compile(r"\s+")
# Punctuation that reads badly right before an ellipsis.
_TRAILING = ",;:—–-([{\"'«“‘ "

Render = Callable[[str, str, Sequence[str]], str]


class TextTooLong(ValueError):
    """Nothing we may shorten can make the post fit (the URL alone is over the limit)."""


@dataclass(frozen=True)
class Fitted:
    """A post's text and its length as the network counts it."""

    text: str
    length: int
    limit: int | None
    shortened: bool


def _check(network: str) -> None:
    if network not in NETWORKS:
        raise ValueError(f"unknown network {network!r}; known: {', '.join(NETWORKS)}")


def graphemes(text: str) -> int:
    """User-perceived characters (extended grapheme clusters)."""
    return len(_GRAPHEME.findall(text))


def length(text: str, network: str) -> int:
    """The length of `text` as `network` counts it ("x", "mastodon" or "bluesky")."""
    _check(network)
    if network == "x":
        return parse_tweet(text, _X_OPTIONS).weightedLength
    text = unicodedata.normalize("NFC", text)
    if network == "mastodon":
        total, cursor = 0, 0
        for entity in extract_urls_with_indices(text, extract_urls_without_protocol=False):
            start, end = entity["indices"]
            total += graphemes(text[cursor:start]) + 23
            cursor = end
        return total + graphemes(text[cursor:])
    return graphemes(text)


def limit_of(network: str) -> int | None:
    """The most a post may count on `network`; None for no limit (webhooks, files)."""
    return LIMITS.get(network)


def default_render(url: str) -> Render:
    """Title, a blank line, the summary, a blank line, the URL, then hashtags on their own line."""

    def render(t: str, s: str, tags: Sequence[str]) -> str:
        parts = [p for p in (t, s, url) if p]
        text = "\n\n".join(parts)
        if tags:
            text += "\n\n" + " ".join(tags)
        return text

    return render


def normalize_hashtags(tags: Sequence[str]) -> list[str]:
    """`#tag` for each non-empty tag, without spaces (a space would end the tag)."""
    out = []
    for tag in tags:
        word = _SPACE.sub("", tag).lstrip("#")
        if word:
            out.append(f"#{word}")
    return out


def _clean(value: str) -> str:
    return _SPACE.sub(" ", unicodedata.normalize("NFC", value)).strip()


def _shortened(words: list[str], keep: int) -> str:
    if keep >= len(words):
        return " ".join(words)
    if keep == 0:
        return ""
    return " ".join(words[:keep]).rstrip(_TRAILING) + ELLIPSIS


def _longest(words: list[str], fits: Callable[[str], bool]) -> str | None:
    """The longest word-boundary prefix (with ellipsis when cut) that fits; None if not even one word."""
    if fits(" ".join(words)):
        return " ".join(words)
    lo, hi = 0, len(words) - 1  # invariant: keep=lo fits (or lo == 0), keep=hi+1 does not
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if fits(_shortened(words, mid)):
            lo = mid
        else:
            hi = mid - 1
    # The count is monotonic in the words kept, but step back if an odd entity (a URL) broke that.
    while lo > 0 and not fits(_shortened(words, lo)):
        lo -= 1
    return _shortened(words, lo) if lo else None


def _cut_graphemes(value: str, fits: Callable[[str], bool]) -> str:
    clusters = _GRAPHEME.findall(value)
    lo, hi = 0, len(clusters)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if fits("".join(clusters[:mid]).rstrip() + ELLIPSIS):
            lo = mid
        else:
            hi = mid - 1
    return "".join(clusters[:lo]).rstrip() + ELLIPSIS if lo else ""


def fit(
    network: str | None,
    title: str,
    summary: str,
    url: str,
    *,
    hashtags: Sequence[str] = (),
    render: Render | None = None,
    limit: int | None = None,
) -> Fitted:
    """The post for `network`, shortened to fit: summary first (at a word boundary, with "…"), then hashtags,
    then the title. The URL is always kept whole. `render(title, summary, hashtags)` lays the post out (by
    default `default_render`); `limit` overrides the network's own (e.g. an instance's max_characters).
    A network of None (webhooks, files) has no limit and no counting rule: the text is returned as is.
    """
    title, summary = _clean(title), _clean(summary)
    tags = normalize_hashtags(hashtags)
    render = render or default_render(url)
    if network is None:
        text = render(title, summary, tags).strip()
        return Fitted(text=text, length=graphemes(text), limit=None, shortened=False)
    _check(network)
    most = limit if limit is not None else LIMITS[network]

    def measure(t: str, s: str, h: Sequence[str]) -> tuple[str, int]:
        text = render(t, s, h).strip()
        return text, length(text, network)

    text, count = measure(title, summary, tags)
    if count <= most:
        return Fitted(text=text, length=count, limit=most, shortened=False)

    short = _longest(summary.split(" "), lambda s: measure(title, s, tags)[1] <= most)
    if short is not None:
        return _fitted(measure(title, short, tags), most)
    if measure(title, "", tags)[1] <= most:
        return _fitted(measure(title, "", tags), most)
    if measure(title, "", [])[1] <= most:
        # Keep as many hashtags as fit, in order.
        kept = list(tags)
        while kept and measure(title, "", kept)[1] > most:
            kept.pop()
        return _fitted(measure(title, "", kept), most)

    def title_fits(t: str) -> bool:
        return measure(t, "", [])[1] <= most

    short_title = _longest(title.split(" "), title_fits) or _cut_graphemes(title, title_fits)
    text, count = measure(short_title, "", [])
    if count > most:
        raise TextTooLong(f"the link alone is too long for {network}: {count} of {most} characters")
    return Fitted(text=text, length=count, limit=most, shortened=True)


def _fitted(measured: tuple[str, int], most: int) -> Fitted:
    text, count = measured
    return Fitted(text=text, length=count, limit=most, shortened=True)
