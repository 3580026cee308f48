"""Counting an edited post, or an edited thread part by part, exactly as sharing counts it (issue 14).

`count_text` is textrules' per-network count with the account's own limits (a Mastodon instance's
max_characters and URL length, Bluesky's 300 graphemes and 3,000 bytes). `count_thread` counts each part of
an edited thread as it is posted: the parts between the editor's `---` lines (render.thread.edited_parts,
the split the share itself posts), each numbered " k/n" when numbering is asked, so the number is counted
too; or, when a thread is asked of a text without `---` lines, the parts render.thread.split_thread packs.
compose_post refuses a thread with `thread_problem`, the same words the Share page's counter shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from publisher import textrules
from publisher.channels.account import network_of
from publisher.channels.base import TextLimits
from publisher.channels.counting import graphemes
from publisher.channels.registry import network_for
from publisher.render.thread import edited_parts, fits_for, is_split, joined_parts, split_thread


@dataclass(frozen=True)
class Count:
    """An edited post's length as its network counts it, against the account's limits."""

    channel: str
    network: str
    length: int
    limit: int | None
    size: int  # UTF-8 bytes
    max_bytes: int | None

    @property
    def over_by(self) -> int:
        """Characters over the limit (0 within it)."""
        return max(0, self.length - self.limit) if self.limit is not None else 0

    @property
    def bytes_over(self) -> int:
        """UTF-8 bytes over the byte limit (0 within it, or without one)."""
        return max(0, self.size - self.max_bytes) if self.max_bytes is not None else 0

    @property
    def over(self) -> bool:
        return bool(self.over_by or self.bytes_over)

    @property
    def label(self) -> str:
        """The count in words, as the Share page shows it."""
        if self.limit is None:
            return f"{self.length} characters (no limit)"
        text = f"{self.length} / {self.limit} characters, as {self.network} counts them"
        if self.max_bytes is not None:
            text += f"; {self.size:,} / {self.max_bytes:,} bytes"
        return text

    @property
    def problem(self) -> str | None:
        """Why the post cannot go out as written, naming the network and its limit; None when it fits."""
        if self.over_by:
            unit = "character" if self.over_by == 1 else "characters"
            return f"{self.over_by} {unit} over {self.network}'s limit of {self.limit}"
        if self.bytes_over:
            unit = "byte" if self.bytes_over == 1 else "bytes"
            return f"{self.bytes_over:,} {unit} over {self.network}'s limit of {self.max_bytes:,} UTF-8 bytes"
        return None

    def to_dict(self) -> dict[str, object]:
        return {
            "channel": self.channel,
            "network": self.network,
            "length": self.length,
            "limit": self.limit,
            "bytes": self.size,
            "max_bytes": self.max_bytes,
            "over": self.over,
            "over_by": self.over_by,
            "bytes_over": self.bytes_over,
            "label": self.label,
            "problem": self.problem,
        }


def count_text(channel: str, text: str, limits: TextLimits) -> Count:
    """`text` counted for `channel` exactly as sharing counts it, against the account's `limits`."""
    declared = network_for(channel)
    network = network_of(channel)
    size = len(text.encode("utf-8"))
    if declared.count is None:  # webhooks and files: no counting rule, no limit
        return Count(channel, network, graphemes(text), None, size, None)
    length = textrules.length(text, declared.name, url_length=limits.url_length)
    max_bytes = limits.max_bytes if limits.max_bytes is not None else declared.limits.max_bytes
    return Count(channel, declared.name, length, limits.max_length, size, max_bytes)


@dataclass(frozen=True)
class ThreadCount:
    """A thread's parts, each counted as its network counts a post; `problem` names the first part over."""

    channel: str
    parts: tuple[Count, ...]

    @property
    def over(self) -> bool:
        return any(part.over for part in self.parts)

    @property
    def problem(self) -> str | None:
        """Why the thread cannot go out as written ("part 2 is 12 characters over ..."); None when it fits."""
        return next((f"part {k} is {p.problem}" for k, p in enumerate(self.parts, 1) if p.problem), None)

    @property
    def length(self) -> int:
        """The longest part's length (a preview's one number for a thread)."""
        return max(part.length for part in self.parts)

    @property
    def limit(self) -> int | None:
        return self.parts[0].limit

    @property
    def label(self) -> str:
        return f"a thread of {len(self.parts)} parts" if len(self.parts) != 1 else "a thread of 1 part"

    def to_dict(self) -> dict[str, object]:
        """The counter's answer: each part's count (with its 1-based "index"), and the thread's own keys."""
        first = self.parts[0]
        return {
            "channel": self.channel,
            "network": first.network,
            "length": self.length,
            "limit": self.limit,
            "bytes": max(part.size for part in self.parts),
            "max_bytes": first.max_bytes,
            "over": self.over,
            "label": self.label,
            "problem": self.problem,
            "parts": [{**part.to_dict(), "index": k} for k, part in enumerate(self.parts, 1)],
        }


Counted = Count | ThreadCount  # one post's count, or a thread's


def count_parts(channel: str, parts: Sequence[str], limits: TextLimits) -> ThreadCount:
    """Each of `parts` (as posted) counted for `channel`."""
    return ThreadCount(channel, tuple(count_text(channel, part, limits) for part in parts))


def thread_problem(channel: str, parts: Sequence[str], limits: TextLimits) -> str | None:
    """Why these parts cannot go out as a thread to `channel` ("part 2 is ..."); None when each fits."""
    return count_parts(channel, parts, limits).problem


def count_thread(
    channel: str, text: str, limits: TextLimits, *, thread: bool = False, numbered: bool = False
) -> Counted:
    """`text` counted as the share posts it to `channel`: a ThreadCount on a network taking threads when
    the text has `---` lines (or a thread is asked), else one Count (`---` lines as blank lines where the
    network takes no threads). Raises TextTooLong for an empty part, too many parts, or a thread asked of
    a text that cannot be split (a link too long for a part)."""
    declared = network_for(channel)
    split = is_split(text)
    if not declared.threads:
        return count_text(channel, joined_parts(text) if split else text, limits)
    if split:
        return count_parts(channel, edited_parts(text, numbered=numbered), limits)
    if thread:
        return count_parts(channel, split_thread(text, fits_for(declared.name, limits), numbered=numbered), limits)
    return count_text(channel, text, limits)
