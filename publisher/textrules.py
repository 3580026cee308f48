"""Making a post fit its network: the fitting rules live here, each network's counting in its declaration.

How a network counts (X's twitter-text weighted length, Mastodon's graphemes with URLs as 23, Bluesky's
graphemes) and its limits are declared in publisher/channels/networks/; `length` and `fit` look them up.
A network may limit the UTF-8 bytes too (Bluesky: 300 graphemes and 3,000 bytes): a post fits only when it
is within both. An account may count URLs differently from its network's default (a Mastodon instance's
characters_reserved_per_url): `url_length` adjusts the count by the difference for each URL.

`fit` shortens a post by cutting the summary at a word boundary and adding an ellipsis; when even no
summary is too long, it drops the hashtags, then shortens the title the same way. The URL is never cut.

Every cut falls on an extended grapheme cluster boundary (regex's \\X), on every network: a word boundary
is a space that is a cluster of its own (a space carrying a combining mark is part of its cluster), the
trailing punctuation dropped before the ellipsis is dropped a whole cluster at a time, and a summary whose
first word is too long to keep (a script written without spaces, a long token) is cut between clusters.
So no cut lands inside an emoji ZWJ sequence, a flag, a skin-tone modifier, a keycap, a combining mark
or a Hangul syllable's jamo.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import regex

from publisher.channels import registry
from publisher.channels.counting import grapheme_list, graphemes, url_spans
from publisher.errors import ConfigError, TextTooLong

__all__ = [
    "ELLIPSIS",
    "LIMITS",
    "NETWORKS",
    "Fitted",
    "TextTooLong",
    "default_render",
    "fit",
    "graphemes",
    "length",
    "limit_of",
    "normalize_hashtags",
]

ELLIPSIS = "…"

_SPACE = regex.compile(r"\s+")
# Punctuation that reads badly right before an ellipsis.
_TRAILING = ",;:—–-([{\"'«“‘ "

Render = Callable[[str, str, Sequence[str]], str]
Counter = Callable[[str], int]


def _counted() -> dict[str, Counter]:
    return {n.name: n.count for n in registry.networks() if n.count is not None}


# The networks whose posts are counted, and their default limits (declared in channels/networks/).
NETWORKS: tuple[str, ...] = tuple(_counted())
LIMITS: dict[str, int] = {
    n.name: n.limits.max_length for n in registry.networks() if n.count is not None and n.limits.max_length
}


@dataclass(frozen=True)
class Fitted:
    """A post's text and its length as the network counts it."""

    text: str
    length: int
    limit: int | None
    shortened: bool


def _counter(network: str) -> Counter:
    counted = _counted()
    if network not in counted:
        raise ValueError(f"unknown network {network!r}; known: {', '.join(counted)}")
    return counted[network]


def length(text: str, network: str, *, url_length: int | None = None) -> int:
    """The length of `text` as `network` counts it ("x", "mastodon", "bluesky", ...).

    `url_length` is what a URL counts for this account when it differs from the network's declared one.
    """
    return _account_counter(network, url_length)(text)


def _account_counter(network: str, url_length: int | None) -> Counter:
    """The network's count, with each URL counted as `url_length` instead of the declared length."""
    count = _counter(network)
    declared = registry.network(network).limits.url_length
    if url_length is None or declared is None or url_length == declared:
        return count
    step = url_length - declared
    return lambda text: count(text) + step * len(url_spans(text))


def limit_of(network: str) -> int | None:
    """The most a post may count on `network`; None for no limit (webhooks, files)."""
    try:
        return registry.network(network).limits.max_length
    except ConfigError:
        return None


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


# A first word at least this many clusters long is cut inside rather than dropped with the whole summary.
_LONG_WORD = 12


def _words(value: str) -> list[str]:
    """`value` split at the spaces that are grapheme clusters of their own; never inside a cluster."""
    words: list[str] = []
    current: list[str] = []
    for cluster in grapheme_list(value):
        if cluster == " ":
            words.append("".join(current))
            current = []
        else:
            current.append(cluster)
    words.append("".join(current))
    return words


def _without_trailing(value: str) -> str:
    """`value` without trailing spaces and punctuation that reads badly before an ellipsis, by whole clusters."""
    clusters = grapheme_list(value)
    while clusters and ((len(clusters[-1]) == 1 and clusters[-1] in _TRAILING) or clusters[-1].isspace()):
        clusters.pop()
    return "".join(clusters)


def _shortened(words: list[str], keep: int) -> str:
    if keep >= len(words):
        return " ".join(words)
    if keep == 0:
        return ""
    return _without_trailing(" ".join(words[:keep])) + ELLIPSIS


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
    """The longest prefix of whole grapheme clusters that fits with an ellipsis; "" if none does."""
    clusters = grapheme_list(value)

    def cut(keep: int) -> str:
        return _without_trailing("".join(clusters[:keep])) + ELLIPSIS

    lo, hi = 0, len(clusters)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if fits(cut(mid)):
            lo = mid
        else:
            hi = mid - 1
    while lo > 0 and not fits(cut(lo)):
        lo -= 1
    return cut(lo) if lo and _without_trailing("".join(clusters[:lo])) else ""


def _short_summary(summary: str, fits: Callable[[str], bool]) -> str | None:
    """The summary cut to fit at a word boundary; or, when not even its first word fits and that word is
    long, cut between grapheme clusters inside it; None when nothing of it fits."""
    words = _words(summary)
    short = _longest(words, fits)
    if short is None and len(grapheme_list(words[0])) >= _LONG_WORD:
        short = _cut_graphemes(summary, fits) or None
    return short


def fit(
    network: str | None,
    title: str,
    summary: str,
    url: str,
    *,
    hashtags: Sequence[str] = (),
    render: Render | None = None,
    limit: int | None = None,
    url_length: int | None = None,
) -> Fitted:
    """The post for `network`, shortened to fit: summary first (at a word boundary, with "…"), then hashtags,
    then the title. The URL is always kept whole. `render(title, summary, hashtags)` lays the post out (by
    default `default_render`); `limit` overrides the network's own (e.g. an instance's max_characters) and
    `url_length` its URL length. A network's byte limit (Bluesky's 3,000) is kept as well.
    A network of None (webhooks, files) has no limit and no counting rule: the text is returned as is.
    """
    title, summary = _clean(title), _clean(summary)
    tags = normalize_hashtags(hashtags)
    render = render or default_render(url)
    if network is None:
        text = render(title, summary, tags).strip()
        return Fitted(text=text, length=graphemes(text), limit=None, shortened=False)
    count = _account_counter(network, url_length)
    declared = registry.network(network).limits
    most = limit if limit is not None else declared.max_length
    if most is None:
        text = render(title, summary, tags).strip()
        return Fitted(text=text, length=count(text), limit=None, shortened=False)
    max_bytes = declared.max_bytes

    def measure(t: str, s: str, h: Sequence[str]) -> tuple[str, int]:
        """The text and its count; a text over the byte limit counts as over `most`, so it never fits."""
        text = render(t, s, h).strip()
        counted = count(text)
        if max_bytes is not None and len(text.encode("utf-8")) > max_bytes:
            return text, max(counted, most + 1)
        return text, counted

    text, counted = measure(title, summary, tags)
    if counted <= most:
        return Fitted(text=text, length=counted, limit=most, shortened=False)
    fitted = _shortened_post(measure, most, title, summary, tags)
    if fitted.length > most:
        size = len(fitted.text.encode("utf-8"))
        if max_bytes is not None and size > max_bytes:
            raise TextTooLong(f"the link alone is too long for {network}: {size} of {max_bytes} bytes")
        raise TextTooLong(f"the link alone is too long for {network}: {fitted.length} of {most} characters")
    return fitted


Measure = Callable[[str, str, Sequence[str]], tuple[str, int]]


def _shortened_post(measure: Measure, most: int, title: str, summary: str, tags: list[str]) -> Fitted:
    """The post shortened: summary, then hashtags, then title; over `most` only when the link alone is."""
    short = _short_summary(summary, lambda s: measure(title, s, tags)[1] <= most)
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

    short_title = _longest(_words(title), title_fits) or _cut_graphemes(title, title_fits)
    return _fitted(measure(short_title, "", []), most)


def _fitted(measured: tuple[str, int], most: int) -> Fitted:
    text, count = measured
    return Fitted(text=text, length=count, limit=most, shortened=True)
