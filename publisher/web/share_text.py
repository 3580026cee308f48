"""The Share page's edited posts (issue 14): reading them from the form, counting them, showing them.

Each account's post is a textarea named `text:<channel>`, filled with the composed post. What the editor
changed travels through the confirmation page as hidden fields and reaches the share as `texts` (only the
channels whose text differs from the composed one: an untouched post stays a composed one). Counting is
render.edited.count_text, the same count sharing refuses with; the live counter asks it through
POST /editor/share/count (routes/editor_share_count.py).
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from starlette.datastructures import FormData

from publisher.channels import open_channel
from publisher.channels.base import TextLimits
from publisher.channels.registry import network_for
from publisher.config import Settings
from publisher.errors import PublisherError
from publisher.render.counted import Counted
from publisher.render.edited import MAX_EDIT, clean_text, count_thread
from publisher.sharing import SharePreview

FIELD = "text:"  # the textarea of channel C is named "text:C"


def channel_limits(settings: Settings, channel: str) -> TextLimits:
    """The account's limits as sharing fits to them (a Mastodon instance's own, cached per instance).

    A channel class whose limits are one fixed value (X, Bluesky: a class attribute) is not opened for
    them: opening builds its SDK client (about 100 ms for atproto's), far too slow for a counter that asks
    as the editor types, to read what every instance of the class answers. A channel that asks its server
    (Mastodon's `limits` property, per account) is opened, as sharing opens it. The callers check first
    that the channel is a configured one (share_channels, or the previews that opened it).
    """
    declared = network_for(channel)
    fixed = inspect.getattr_static(declared.channel_class(), "limits", None)
    if isinstance(fixed, TextLimits) and declared.account_limits is None:
        return fixed
    opened = open_channel(channel, settings)
    try:
        return opened.limits
    finally:
        opened.close()


def count_for(settings: Settings, channel: str, text: str, *, thread: bool = False, numbered: bool = False) -> Counted:
    """`text` counted for `channel` as the share will post it: one post, or a thread's parts (a text with
    `---` lines, or `thread` asked; each part numbered " k/n" with `numbered`, counted with its number).
    PublisherError for no post text, TextTooLong for an empty part or too many parts."""
    limits = channel_limits(settings, channel)
    return count_thread(channel, clean_text(text), limits, thread=thread, numbered=numbered)


@dataclass
class Edits:
    """The posts as the form has them: the edited texts, their counts and the first problem."""

    texts: dict[str, str] = field(default_factory=dict)  # channel -> edited text (only those changed)
    counts: dict[str, Counted] = field(default_factory=dict)  # channel -> the count of the text shown
    problems: dict[str, str] = field(default_factory=dict)  # channel -> why it cannot go out as written
    threads: set[str] = field(default_factory=set)  # the channels whose network takes threads (`---` splits)

    def text_of(self, share: SharePreview) -> str:
        """The text the textarea shows: the edit, else the composed post (a thread's parts between `---` lines)."""
        return self.texts.get(share.channel, composed_text(share))

    def problem_for(self, chosen: Iterable[str]) -> str | None:
        """The first chosen channel's problem, worded for the page; None when every chosen post fits."""
        for channel in chosen:
            if channel in self.problems:
                return f"The post for {channel} cannot go out: {self.problems[channel]}."
        return None

    def shown(self, shares: Sequence[SharePreview]) -> list[SharePreview]:
        """The previews with each edited text in place of the composed one, counted."""
        out = []
        for s in shares:
            if s.channel in self.texts:
                counted = self.counts.get(s.channel)
                length, limit = (counted.length, counted.limit) if counted else (s.length, s.limit)
                s = replace(s, text=self.texts[s.channel], length=length, limit=limit, shortened=False)
            out.append(s)
        return out


def composed_text(share: SharePreview) -> str:
    """The composed post as the editor edits it: a thread's parts joined by `---` lines, else its text."""
    return "\n---\n".join(share.parts) if len(share.parts) > 1 else share.text


def read_edits(form: FormData | None, shares: Sequence[SharePreview], settings: Settings) -> Edits:
    """Each post's text as the form has it (the composed one when the form has none), and its count."""
    edits = Edits()
    for s in shares:
        if s.error:  # nothing to edit: the composer could not make this post
            continue
        if network_for(s.channel).threads:
            edits.threads.add(s.channel)
        composed = composed_text(s)
        sent = form.get(FIELD + s.channel) if form is not None else None
        text = sent if isinstance(sent, str) else composed
        try:
            text = clean_text(text)
            counted = count_for(settings, s.channel, text)
        except PublisherError as exc:  # too long to count, or a control character: said, never raised
            edits.problems[s.channel] = str(exc)
            if len(text) <= MAX_EDIT:
                edits.texts[s.channel] = text  # shown again for the editor to fix
            continue
        if text != composed:
            edits.texts[s.channel] = text
            if not text:
                edits.problems[s.channel] = "it is empty; write its text, or keep the composed one"
        edits.counts[s.channel] = counted
        if counted.problem is not None:
            edits.problems[s.channel] = counted.problem
    return edits
