"""Bluesky: `bluesky://HANDLE:APP_PASSWORD@pds.example` (host optional: bsky.social; `+http` for a test PDS).

Counting: 300 grapheme clusters of the text as written (a link counts in full), and at most 3,000 UTF-8
bytes (app.bsky.feed.post's text has both maxGraphemes and maxLength). The composer finishes the rich
text as the lexicon wants it, every index a UTF-8 byte slice: a link facet over the URL, a tag facet
(app.bsky.richtext.facet#tag) over each #hashtag, and the @handle mentions found, which the channel
resolves to DIDs at send time (a mention facet needs the DID; a handle that does not resolve gets none).
It also names the post's language (`langs`, from the article's) and the external embed card.
"""

from __future__ import annotations

import regex
from pydantic import SecretStr

from publisher.channels.account import Account, AccountUrl
from publisher.channels.base import MediaRule, TextLimits
from publisher.channels.counting import graphemes, nfc
from publisher.channels.network import Check, Draft, Network

MAX_GRAPHEMES = 300
MAX_BYTES = 3000
TAG_MAX_GRAPHEMES = 64  # app.bsky.richtext.facet#tag: maxGraphemes 64, maxLength 640 (bytes)
TAG_MAX_BYTES = 640

# Where the Bluesky app finds facets (@atproto/api's rich-text detection): a hashtag or a mention starts
# the text or follows white space (a mention also an opening parenthesis), so a URL's #fragment and an
# e-mail address are neither. A tag may not be digits only; its trailing punctuation is not part of it.
_INVISIBLE = "\u00ad\u2060\u200a\u200b\u200c\u200d\u20e2"
_TAG = regex.compile(
    rf"(?:^|(?<=\s))[#＃](?!\ufe0f)([^\s{_INVISIBLE}]*[^\d\s\p{{P}}{_INVISIBLE}][^\s{_INVISIBLE}]*)", regex.V1
)
_TRAILING_PUNCTUATION = regex.compile(r"\p{P}+$")
_MENTION = regex.compile(r"(?:^|(?<=[\s(]))@([a-zA-Z0-9.-]+)\b")
_DOMAIN_LABEL = regex.compile(r"[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?")


def count(text: str) -> int:
    return graphemes(nfc(text))


def parse(url: AccountUrl) -> Account:
    if not url.user or not url.password:
        raise url.refuse("a Bluesky URL is bluesky://HANDLE:APP_PASSWORD@pds.example")
    return Account(
        name=url.name,
        network="bluesky",
        host=url.host or "bsky.social",
        scheme=url.transport,
        user=url.user.lstrip("@"),
        secrets={"password": SecretStr(url.password)},
        options=url.options,
    )


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def link_facets(text: str, url: str) -> list[dict[str, object]]:
    """A link facet over each occurrence of `url`, with UTF-8 byte offsets as the lexicon requires."""
    facets: list[dict[str, object]] = []
    start = text.find(url)
    while start != -1:
        byte_start = _byte_offset(text, start)
        facets.append({"byteStart": byte_start, "byteEnd": byte_start + len(url.encode("utf-8")), "uri": url})
        start = text.find(url, start + len(url))
    return facets


def tag_facets(text: str) -> list[dict[str, object]]:
    """A tag facet over each #hashtag (the slice covers the "#"; the tag is named without it)."""
    facets: list[dict[str, object]] = []
    for match in _TAG.finditer(text):
        tag = _TRAILING_PUNCTUATION.sub("", match.group(1))
        if not tag or graphemes(tag) > TAG_MAX_GRAPHEMES or len(tag.encode("utf-8")) > TAG_MAX_BYTES:
            continue
        byte_start = _byte_offset(text, match.start())
        byte_end = byte_start + len((text[match.start()] + tag).encode("utf-8"))  # "#" or "＃", as written
        facets.append({"byteStart": byte_start, "byteEnd": byte_end, "tag": tag})
    return facets


def _is_handle(candidate: str) -> bool:
    """A handle is a domain name: two or more labels, the last not all digits (no IP address)."""
    labels = candidate.split(".")
    return (
        len(labels) >= 2
        and len(candidate) <= 253
        and all(_DOMAIN_LABEL.fullmatch(label) for label in labels)
        and not labels[-1].isdigit()
    )


def mentions(text: str) -> list[dict[str, object]]:
    """Each @handle in the text with its byte slice (covering the "@"), for the channel to resolve."""
    found: list[dict[str, object]] = []
    for match in _MENTION.finditer(text):
        handle = match.group(1).rstrip(".")
        if not _is_handle(handle):
            continue
        byte_start = _byte_offset(text, match.start())
        found.append({"byteStart": byte_start, "byteEnd": byte_start + 1 + len(handle), "handle": handle.lower()})
    return found


def compose(draft: Draft) -> dict[str, object]:
    extras: dict[str, object] = {
        "facets": link_facets(draft.text, draft.url),
        "tags": tag_facets(draft.text),
        "mentions": mentions(draft.text),
        "embed": {"uri": draft.url, "title": draft.title, "description": draft.summary},
    }
    if draft.lang and draft.lang != "und":  # "und" (undetermined) says nothing: no langs at all
        extras["langs"] = [draft.lang]
    return extras


def where(account: Account) -> str:
    return f"{account.user} on {account.host}"


NETWORK = Network(
    name="bluesky",
    channel="publisher.channels.bluesky:BlueskyChannel",
    queue="share.bluesky",
    limits=TextLimits(max_length=MAX_GRAPHEMES, max_bytes=MAX_BYTES),
    count=count,
    parse=parse,
    compose=compose,
    check=Check.CREDENTIALS,
    threads=True,  # see the channel's send: replies chain the parts
    where=where,
    # The card's thumbnail, whenever the article has a cover: app.bsky.embed.external's thumb takes an
    # image blob of at most 1,000,000 bytes; the images the editor picks go as app.bsky.embed.images
    # instead of the card (at most 4, each at most 1,000,000 bytes).
    media=MediaRule(max_bytes=1_000_000, always=True, max_images=4),
)
