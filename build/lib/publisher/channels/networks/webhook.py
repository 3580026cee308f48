"""Webhooks: `webhook://hooks.example/path?secret=whsec_...` (`webhook+slack://`, `webhook+discord://`;
`+http` for plain HTTP). Posts are not counted; the composer adds the article's html for receivers.
"""

from __future__ import annotations

from urllib.parse import urlencode

from pydantic import SecretStr

from publisher.channels.account import Account, AccountUrl
from publisher.channels.network import Draft, Network

VARIANTS = ("standard", "slack", "discord")


def parse(url: AccountUrl) -> Account:
    variants = url.variants
    variant = variants[0] if variants else "standard"
    if variant not in VARIANTS or len(variants) > 1:
        raise url.refuse(f"webhook variant must be one of {', '.join(VARIANTS)}")
    if not url.host:
        raise url.refuse("a webhook URL needs a host")
    options = url.options
    # The whole target URL is a secret: Slack and Discord put their tokens in the path.
    target = f"{url.transport}://{url.userinfo + '@' if url.userinfo else ''}{url.hostpath}"
    secrets = {}
    if "secret" in options:
        secrets["signing_secret"] = SecretStr(options.pop("secret"))
    if options:
        target += "?" + urlencode(options)
    secrets["url"] = SecretStr(target)
    return Account(
        name=url.name, network="webhook", host=url.host, scheme=url.transport, secrets=secrets, variant=variant
    )


def compose(draft: Draft) -> dict[str, object]:
    return {"html": draft.html()}


def where(account: Account) -> str:
    return f"{account.variant} webhook on {account.host}" if account.host else f"{account.variant} webhook"


NETWORK = Network(
    name="webhook",
    channel="publisher.channels.webhook:WebhookChannel",
    queue="share.webhook",
    parse=parse,
    compose=compose,
    where=where,
)
