"""Threads (Meta): `threads://ACCESS_TOKEN@graph.threads.net/USER_ID` (USER_ID optional: `me`).

A post is a TEXT media container (`POST /v1.0/{user}/threads` with `text` and the article as
`link_attachment`) published with `POST /v1.0/{user}/threads_publish?creation_id=...`
(developers.facebook.com/docs/threads/posts). `threads+http://` for a plain-HTTP test server.

Counting: at most 500 characters, where, as the Threads docs say, an emoji counts as its number of UTF-8
bytes: each grapheme cluster counts 1, or its UTF-8 length when it is an emoji (or a flag).
"""

from __future__ import annotations

import re
from urllib.parse import unquote

import regex
from pydantic import SecretStr

from publisher.channels.account import Account, AccountUrl
from publisher.channels.base import TextLimits
from publisher.channels.counting import grapheme_list, nfc
from publisher.channels.network import Check, Network

MAX_LENGTH = 500
MAX_LINKS = 5  # more unique URLs and the container is refused (THREADS_API__LINK_LIMIT_EXCEEDED)
_EMOJI = regex.compile(r"[\p{Extended_Pictographic}\p{Regional_Indicator}]")


def count(text: str) -> int:
    return sum(len(g.encode("utf-8")) if _EMOJI.search(g) else 1 for g in grapheme_list(nfc(text)))


def parse(url: AccountUrl) -> Account:
    user = unquote(url.hostpath.partition("/")[2].strip("/")) or "me"
    if not url.userinfo or not (user == "me" or re.fullmatch(r"[0-9]{1,30}", user)):
        raise url.refuse("a Threads URL is threads://ACCESS_TOKEN@graph.threads.net/USER_ID (a number, or me)")
    return Account(
        name=url.name,
        network="threads",
        host=url.host or "graph.threads.net",
        scheme=url.transport,
        user=user,
        secrets={"token": SecretStr(unquote(url.userinfo))},
        options=url.options,
    )


def where(account: Account) -> str:
    who = "the token's own account" if account.user == "me" else f"user {account.user}"
    return f"Threads, {who}" + ("" if account.host == "graph.threads.net" else f" at {account.host}")


NETWORK = Network(
    name="threads",
    channel="publisher.channels.threads:ThreadsChannel",
    queue="share.threads",
    limits=TextLimits(max_length=MAX_LENGTH),
    count=count,
    parse=parse,
    check=Check.CREDENTIALS,
    where=where,
)
