"""Bluesky: `bluesky://HANDLE:APP_PASSWORD@pds.example` (host optional: bsky.social; `+http` for a test PDS).

Counting: 300 grapheme clusters of the text as written (a link counts in full). The composer adds link
facets over the URL (UTF-8 byte offsets, as the lexicon requires) and an external embed card.
"""

from __future__ import annotations

from pydantic import SecretStr

from publisher.channels.account import Account, AccountUrl
from publisher.channels.base import MediaRule, TextLimits
from publisher.channels.counting import graphemes, nfc
from publisher.channels.network import Check, Draft, Network


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


def link_facets(text: str, url: str) -> list[dict[str, object]]:
    """A link facet over each occurrence of `url`, with UTF-8 byte offsets as the lexicon requires."""
    facets: list[dict[str, object]] = []
    start = text.find(url)
    while start != -1:
        byte_start = len(text[:start].encode("utf-8"))
        facets.append({"byteStart": byte_start, "byteEnd": byte_start + len(url.encode("utf-8")), "uri": url})
        start = text.find(url, start + len(url))
    return facets


def compose(draft: Draft) -> dict[str, object]:
    return {
        "facets": link_facets(draft.text, draft.url),
        "embed": {"uri": draft.url, "title": draft.title, "description": draft.summary},
    }


def where(account: Account) -> str:
    return f"{account.user} on {account.host}"


NETWORK = Network(
    name="bluesky",
    channel="publisher.channels.bluesky:BlueskyChannel",
    queue="share.bluesky",
    limits=TextLimits(max_length=300),
    count=count,
    parse=parse,
    compose=compose,
    check=Check.CREDENTIALS,
    where=where,
    # The card's thumbnail, whenever the article has a cover: app.bsky.embed.external's thumb takes an
    # image blob of at most 1,000,000 bytes.
    media=MediaRule(max_bytes=1_000_000, always=True),
)
