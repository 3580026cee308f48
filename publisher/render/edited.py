"""A share post as the editor edited it: counted as the network counts it, and finished like a composed one.

The Share page lets the editor rewrite each account's post (issue 14). `count_text` is the one count the
page's live counter and the server's refusal both use (textrules' per-network counting with the account's
own limits: a Mastodon instance's max_characters and URL length, Bluesky's 300 graphemes and 3,000 bytes),
so the browser never runs a second implementation that could disagree (render.counted; its `count_thread`
counts a thread part by part, as render.thread.edited_parts cuts it at the editor's `---` lines).
`edited_post` is compose_post's post with the edited text in place of the composed one and the network's
extras derived again from it (Bluesky's link, tag and mention facets): the text is stored on the outbox
row, so a retry or a scheduled share posts the edit, never a re-composition.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import replace

from publisher.articles import Article
from publisher.channels.base import Post, TextLimits
from publisher.channels.counting import url_spans
from publisher.channels.network import Draft
from publisher.channels.registry import network_for
from publisher.config import Settings
from publisher.errors import PublisherError, TextTooLong
from publisher.render.counted import Count, ThreadCount, count_text, count_thread
from publisher.render.share import article_html, compose_post

__all__ = ["MAX_EDIT", "Count", "ThreadCount", "clean_text", "count_text", "count_thread", "edited_post"]

# Far above any network's limit (LinkedIn's 3,000, Bluesky's 3,000 bytes): a longer edit is refused before
# it is counted, so a hostile request costs nothing.
MAX_EDIT = 20_000


def clean_text(text: str) -> str:
    """The edit as it is posted: line ends as "\\n" (a browser sends "\\r\\n"), no blank edges.

    Raises PublisherError for what is no post text: longer than MAX_EDIT, or holding control characters
    other than line feeds and tabs.
    """
    if len(text) > MAX_EDIT:
        raise PublisherError(f"the post is {len(text):,} characters; at most {MAX_EDIT:,} can be counted")
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    bad = next((c for c in text if c not in "\n\t" and unicodedata.category(c) in ("Cc", "Cs")), None)
    if bad is not None:
        raise PublisherError(f"the post holds the control character U+{ord(bad):04X}; remove it")
    return text


def edited_post(
    article: Article,
    channel: str,
    limits: TextLimits,
    settings: Settings,
    text: str,
    *,
    attach_image: bool = False,
) -> Post:
    """The post for `channel` with the editor's `text`; the composed post when the text is unchanged.

    Raises TextTooLong naming the network and its limit when the edit is over it, and PublisherError for
    an empty edit. The network's extras (Bluesky's facets) are derived from the edited text.
    """
    post = compose_post(article, channel, limits, settings, attach_image=attach_image)
    text = clean_text(text)
    if text == post.text:
        return post
    if not text:
        raise PublisherError(f"the post for {channel} is empty; write its text, or keep the composed one")
    counted = count_text(channel, text, limits)
    if counted.problem is not None:
        raise TextTooLong(f"cannot share to {channel}: the edited post is {counted.problem}")
    extra = {**post.extra, "length": counted.length, "edited": True}
    declared = network_for(channel)
    if declared.compose is not None:
        draft = Draft(text, post.url, post.title, post.summary, html=lambda: article_html(article), lang=article.lang)
        extra.update(declared.compose(draft))
        if "facets" in extra:  # Bluesky's link facets: over every link the editor wrote, not only the article's
            extra["facets"] = _link_facets(text, list(extra["facets"]))
    key = hashlib.sha256(f"{channel}\0{article.slug}\0{text}".encode()).hexdigest()[:32]
    return replace(post, text=text, idempotency_key=key, extra=extra)


def _link_facets(text: str, facets: list[dict[str, object]]) -> list[dict[str, object]]:
    """The composer's link facets plus one over each other URL in the edited text (UTF-8 byte offsets).

    The composer links the article's URL; an editor may write others. URLs are found as twitter-text finds
    them (a scheme and a host), the same extraction the counting uses.
    """
    covered = {f["byteStart"] for f in facets}
    for start, end in url_spans(text):
        byte_start = len(text[:start].encode("utf-8"))
        if byte_start not in covered:
            url = text[start:end]
            facets.append({"byteStart": byte_start, "byteEnd": byte_start + len(url.encode("utf-8")), "uri": url})
    return sorted(facets, key=lambda f: int(str(f["byteStart"])))
