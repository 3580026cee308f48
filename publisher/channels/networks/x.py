"""X: `x://CONSUMER_KEY:CONSUMER_SECRET@ACCESS_TOKEN:ACCESS_TOKEN_SECRET` (`?api=URL` reroutes the API).

Counting is twitter-text v3's weighted length (`twitter-text-parser`): NFC-normalized, every URL counts 23,
code points in the light ranges weigh 1 and all others 2, an emoji sequence counts 2; at most 280.
"""

from __future__ import annotations

from urllib.parse import unquote

from pydantic import SecretStr

from publisher.channels.account import Account, AccountUrl
from publisher.channels.base import MediaRule, TextLimits
from publisher.channels.counting import twitter_weighted_length
from publisher.channels.network import Check, Network


def parse(url: AccountUrl) -> Account:
    access_token, _, access_secret = url.hostpath.partition(":")
    if not (url.user and url.password and access_token and access_secret):
        raise url.refuse("an X URL is x://CONSUMER_KEY:CONSUMER_SECRET@ACCESS_TOKEN:ACCESS_TOKEN_SECRET")
    return Account(
        name=url.name,
        network="x",
        host="api.twitter.com",
        secrets={
            "consumer_key": SecretStr(url.user),
            "consumer_secret": SecretStr(url.password),
            "access_token": SecretStr(unquote(access_token)),
            "access_token_secret": SecretStr(unquote(access_secret.rstrip("/"))),
        },
        options=url.options,
    )


def where(account: Account) -> str:
    return "X (api.twitter.com)" if "api" not in account.options else "X API at a custom URL"


NETWORK = Network(
    name="x",
    channel="publisher.channels.x:XChannel",
    queue="share.x",
    limits=TextLimits(max_length=280, url_length=23),
    count=twitter_weighted_length,
    parse=parse,
    check=Check.CREDENTIALS,
    threads=True,  # see the channel's send: replies chain the parts
    where=where,
    # X's image limit (5 MB; docs.x.com/x-api/media), JPEG, PNG, WebP or GIF, at most 4 to a post: the cover
    # attached when the editor asks, or the images the editor picks.
    media=MediaRule(max_bytes=5_000_000, max_images=4),
)
