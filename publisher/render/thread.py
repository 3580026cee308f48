"""Splitting a post into a thread: parts each within the network's limits, cut where a reader would cut.

An editor's explicit split comes first: a line holding only `---` ends a part. Each piece between markers
that is still too long is packed greedily, cutting at the widest boundary that works: paragraphs (a blank
line), then sentences (after . ! ? … followed by a space, or after 。！？), then words (white space), and
only a word longer than a whole part (a script written without spaces) is cut between grapheme clusters.
Every boundary falls between extended grapheme clusters (regex's \\X), so no cut lands inside an emoji ZWJ
sequence, a flag, a skin-tone modifier or a combining mark; a link is never cut (TextTooLong instead).

Numbered threads end each part with " k/n", and parts are packed with the widest label (" n/n") reserved.
The splitter only counts through the `fits` it is given: `fits_for` builds it from publisher.textrules,
so a part is measured exactly as the network counts a post (and within Bluesky's byte limit too).
"""

from __future__ import annotations

from collections.abc import Callable

import regex

from publisher import textrules
from publisher.channels.base import TextLimits
from publisher.channels.counting import grapheme_list
from publisher.errors import TextTooLong

MARKER = regex.compile(r"^[ \t]*---[ \t]*$", regex.MULTILINE)
MAX_PARTS = 25  # more than this is not a thread anyone reads: refused, not posted
MAX_PART_CHARACTERS = 3000  # no network's post holds more (Bluesky's 3,000 bytes)
_URL = regex.compile(r"^(?:https?://|www\.)", regex.IGNORECASE)
_ENDS_SENTENCE = frozenset(".!?…‼⁇⁈⁉؟")
_ENDS_SENTENCE_TIGHT = frozenset("。！？｡")  # CJK full stops end a sentence without a following space
_CLOSING = frozenset("\"')]}»”’」』）")

Fits = Callable[[str], bool]


def fits_for(network: str, limits: TextLimits) -> Fits:
    """Whether a text is one post `network` takes, counted as textrules counts it with these limits."""
    most = limits.max_length
    max_bytes = limits.max_bytes

    def fits(text: str) -> bool:
        if max_bytes is not None and len(text.encode("utf-8")) > max_bytes:
            return False
        return most is None or textrules.length(text, network, url_length=limits.url_length) <= most

    return fits


def is_split(text: str) -> bool:
    """True when the text holds an explicit split marker (a line of only `---`)."""
    return MARKER.search(text) is not None


def split_thread(text: str, fits: Fits, *, numbered: bool = False) -> list[str]:
    """The parts of `text`, in order, each one that `fits`; numbered " k/n" when asked (and more than one).

    Raises TextTooLong when there is nothing to post, when a link (or one grapheme) is too long for a part,
    or when the thread would have more than MAX_PARTS parts.
    """
    if len(text) > MAX_PARTS * MAX_PART_CHARACTERS:  # hostile input: refused before anything is counted
        raise TextTooLong(f"the text is too long for a thread of at most {MAX_PARTS} parts")
    pieces = [p for p in _pieces(text) if p]
    if not pieces:
        raise TextTooLong("the thread has no text")
    parts = _pack_all(pieces, fits)
    if not numbered or len(parts) == 1:
        return parts
    total = len(parts)
    for _ in range(4):  # the label's width depends on the count, which depends on the label's width
        parts = _pack_all(pieces, _labelled(fits, f" {total}/{total}"))
        if len(str(len(parts))) == len(str(total)):
            break
        total = len(parts)
    labelled = numbered_parts(parts)
    if not all(fits(part) for part in labelled):  # the count never settled (a pathological fits)
        raise TextTooLong("the thread's parts do not fit with their numbers")
    return labelled


def edited_parts(text: str, *, numbered: bool = False) -> list[str]:
    """The parts an editor wrote between `---` lines, exactly as they are posted: each stripped, numbered
    " k/n" when asked (and more than one). Nothing is packed or cut: a part over its limit is the editor's
    to shorten (the caller counts each one).

    Raises TextTooLong naming an empty part ("part 2 is empty"), or when there are more than MAX_PARTS.
    """
    count = len(MARKER.findall(text)) + 1  # counted before any part is stripped: hostile input costs little
    if count > MAX_PARTS:
        raise TextTooLong(f"the thread has {count} parts; a thread holds at most {MAX_PARTS}")
    pieces = _pieces(text)
    empty = next((k for k, piece in enumerate(pieces, 1) if not piece), None)
    if empty is not None:
        raise TextTooLong(f"part {empty} is empty; write its text, or remove one of its --- lines")
    return numbered_parts(pieces) if numbered else pieces


def numbered_parts(parts: list[str]) -> list[str]:
    """The parts each ending with " k/n" (as posted when numbering is asked); a single part stays as it is."""
    if len(parts) == 1:
        return parts
    return [f"{part} {k}/{len(parts)}" for k, part in enumerate(parts, 1)]


def joined_parts(text: str) -> str:
    """The text as one post, for a network without threads: its `---` lines become blank lines."""
    return "\n\n".join(p for p in _pieces(text) if p)


def _pieces(text: str) -> list[str]:
    """The text between `---` lines, each stripped (an empty piece stays, as "")."""
    return [_strip(piece) for piece in MARKER.split(text)]


def _labelled(fits: Fits, label: str) -> Fits:
    """`fits` with room kept for the label."""
    return lambda text: fits(text + label)


def _pack_all(pieces: list[str], fits: Fits) -> list[str]:
    parts: list[str] = []
    for piece in pieces:
        rest = _fill(piece, fits, 0, parts, "")
        if _strip(rest):
            parts.append(_strip(rest))
        if len(parts) > MAX_PARTS:
            raise TextTooLong(f"the thread would have more than {MAX_PARTS} parts")
    return parts


def _fill(text: str, fits: Fits, level: int, parts: list[str], current: str) -> str:
    """Pack `text`'s tokens at `level` onto `current`, emitting full parts; returns the part still open.

    The most tokens that fit are found by galloping then bisecting (a count only grows as whole tokens are
    added), so a part costs a few counts, not one per word (twitter-text takes milliseconds a count).
    """
    tokens = _TOKENIZERS[level](text)
    i = 0
    while i < len(tokens):
        k = _most(_onto(fits, current, tokens[i:]), len(tokens) - i)
        current, i = current + "".join(tokens[i : i + k]), i + k
        if i == len(tokens):
            break
        if _strip(current):  # the next token does not fit onto this part: it starts the next one
            parts.append(_strip(current))
            if len(parts) > MAX_PARTS:
                raise TextTooLong(f"the thread would have more than {MAX_PARTS} parts")
            current = ""
            continue
        token, i = tokens[i], i + 1  # alone it does not fit: cut it finer
        if level + 1 == len(_TOKENIZERS):
            raise TextTooLong(f"{token!r} alone does not fit in a part")
        if level + 1 == len(_TOKENIZERS) - 1 and _URL.match(_strip(token)):
            raise TextTooLong(f"a link is too long for one part: {_strip(token)[:60]}")
        current = _fill(token, fits, level + 1, parts, "")
    return current


def _onto(fits: Fits, current: str, tokens: list[str]) -> Callable[[int], bool]:
    """Whether the part open so far, with the first n of `tokens` added, fits."""
    return lambda n: fits(_strip(current + "".join(tokens[:n])))


def _most(fits_n: Callable[[int], bool], most: int) -> int:
    """The largest n in 0..most with fits_n(n) (fits_n(0) holds), assuming it holds up to a point only."""
    low, high = 0, 1
    while high <= most and fits_n(high):
        low, high = high, high * 2
    high = min(high, most + 1)  # fits_n(high) is false (or high is past the end)
    while high - low > 1:
        middle = (low + high) // 2
        if fits_n(middle):
            low = middle
        else:
            high = middle
    return low


def _runs(text: str, ends_after: Callable[[list[str], int], bool]) -> list[str]:
    """`text` cut after each cluster index where `ends_after(clusters, i)`; the pieces keep every character."""
    clusters = grapheme_list(text)
    out: list[str] = []
    start = 0
    for i in range(len(clusters)):
        if ends_after(clusters, i):
            out.append("".join(clusters[start : i + 1]))
            start = i + 1
    if start < len(clusters):
        out.append("".join(clusters[start:]))
    return out


def _space_run_ends(clusters: list[str], i: int) -> bool:
    """The last white-space cluster before a word."""
    return clusters[i].isspace() and (i + 1 == len(clusters) or not clusters[i + 1].isspace())


def _paragraphs(text: str) -> list[str]:
    def ends(clusters: list[str], i: int) -> bool:
        if not _space_run_ends(clusters, i):
            return False
        j = i
        while j >= 0 and clusters[j].isspace():
            j -= 1
        return "".join(clusters[j + 1 : i + 1]).count("\n") >= 2

    return _runs(text, ends)


def _sentences(text: str) -> list[str]:
    def ends(clusters: list[str], i: int) -> bool:
        if clusters[i] in _ENDS_SENTENCE_TIGHT and (i + 1 == len(clusters) or clusters[i + 1] not in _CLOSING):
            return True
        if not _space_run_ends(clusters, i):
            return False
        j = i
        while j >= 0 and clusters[j].isspace():
            j -= 1
        while j >= 0 and clusters[j] in _CLOSING:
            j -= 1
        return j >= 0 and (clusters[j] in _ENDS_SENTENCE or clusters[j] in _ENDS_SENTENCE_TIGHT)

    return _runs(text, ends)


def _words(text: str) -> list[str]:
    return _runs(text, _space_run_ends)


def _graphemes(text: str) -> list[str]:
    return grapheme_list(text)


_TOKENIZERS: tuple[Callable[[str], list[str]], ...] = (_paragraphs, _sentences, _words, _graphemes)


def _lstrip(text: str) -> str:
    """`text` without leading white-space clusters (a space carrying a combining mark stays: it is a letter)."""
    clusters = grapheme_list(text)
    i = 0
    while i < len(clusters) and clusters[i].isspace():
        i += 1
    return "".join(clusters[i:])


def _strip(text: str) -> str:
    clusters = grapheme_list(_lstrip(text))
    while clusters and clusters[-1].isspace():
        clusters.pop()
    return "".join(clusters)
