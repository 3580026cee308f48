"""Mastodon: `mastodon://ACCESS_TOKEN@instance.example` (`mastodon+http://` for a plain-HTTP test instance).

Counting as the server's StatusLengthValidator does: grapheme clusters, with every http(s) URL counted as
23. The limits a share is fitted to are the instance's own (configuration.statuses of /api/v2/instance, read
by the channel: publisher/channels/mastodon.py); what is declared here, 500 or the account URL's
`?max_characters=`, stands in where the instance does not answer and where no channel is opened.
"""

from __future__ import annotations

from dataclasses import replace

from pydantic import SecretStr

from publisher.channels.account import Account, AccountUrl
from publisher.channels.base import MediaRule, TextLimits
from publisher.channels.counting import graphemes, nfc, url_spans
from publisher.channels.network import Check, Network

URL_LENGTH = 23
# Mastodon's image size limit (MediaAttachment::IMAGE_LIMIT, 16 MB since 4.0; the instance reports its own as
# configuration.media_attachments.image_size_limit). The store's copies at most 1,200 px wide are far below it.
IMAGE_LIMIT = 16 * 1024 * 1024
MAX_MEDIA = 4  # configuration.statuses.max_media_attachments of a stock instance
# What a stock instance takes as an image (configuration.media_attachments.supported_mime_types, images only).
IMAGE_TYPES = frozenset(
    {"image/jpeg", "image/png", "image/gif", "image/webp", "image/heic", "image/heif", "image/avif"}
)


def count(text: str) -> int:
    text = nfc(text)
    total, cursor = 0, 0
    for start, end in url_spans(text):
        total += graphemes(text[cursor:start]) + URL_LENGTH
        cursor = end
    return total + graphemes(text[cursor:])


def parse(url: AccountUrl) -> Account:
    if not url.user or not url.host:
        raise url.refuse("a Mastodon URL is mastodon://ACCESS_TOKEN@instance.example")
    most = url.options.get("max_characters", "500")
    if not most.isdigit() or int(most) < 1:
        raise url.refuse(f"max_characters must be a positive whole number, not {most!r}")
    return Account(
        name=url.name,
        network="mastodon",
        host=url.host,
        scheme=url.transport,
        secrets={"token": SecretStr(url.user)},
        options=url.options,
    )


def account_limits(account: Account, limits: TextLimits) -> TextLimits:
    most = account.options.get("max_characters")
    return replace(limits, max_length=int(most)) if most and most.isdigit() else limits


NETWORK = Network(
    name="mastodon",
    channel="publisher.channels.mastodon:MastodonChannel",
    queue="share.mastodon",
    limits=TextLimits(max_length=500, url_length=URL_LENGTH),
    count=count,
    parse=parse,
    account_limits=account_limits,
    check=Check.CREDENTIALS,
    threads=True,  # see the channel's send: replies chain the parts
    # The cover attached (with its alt text) when the editor asks, or up to 4 images the editor picks.
    media=MediaRule(max_bytes=IMAGE_LIMIT, max_images=MAX_MEDIA, types=IMAGE_TYPES),
)
