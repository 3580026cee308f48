"""Social accounts, configured apprise-style as one URL per account.

`PUBLISHER_ACCOUNTS` holds a JSON object, or `PUBLISHER_ACCOUNTS_FILE` names a TOML file with an
`[accounts]` table; both map an account name (the channel name: `x`, `x:work`, `mastodon:fosstodon`,
`bluesky`, `webhook:slack`) to a URL:

    x://CONSUMER_KEY:CONSUMER_SECRET@ACCESS_TOKEN:ACCESS_TOKEN_SECRET
    mastodon://ACCESS_TOKEN@instance.example            (mastodon+http:// for a plain-HTTP test instance)
    bluesky://HANDLE:APP_PASSWORD@pds.example           (host optional: bsky.social)
    webhook://hooks.example/path?secret=whsec_...        (webhook+slack://, webhook+discord://; +http for plain HTTP)

Parts with reserved characters are percent-encoded. Secrets are kept as SecretStr: they never appear in a
repr, a log line or an error message.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlencode

from pydantic import SecretStr

from publisher.errors import ConfigError

NETWORKS = ("x", "mastodon", "bluesky", "webhook")
WEBHOOK_VARIANTS = ("standard", "slack", "discord")


@dataclass(frozen=True)
class Account:
    """One configured account: its channel name, network, where it posts and its credentials."""

    name: str
    network: str
    host: str = ""
    scheme: str = "https"
    user: str = ""  # not secret: a Bluesky handle
    secrets: dict[str, SecretStr] = field(default_factory=dict, repr=False)
    options: dict[str, str] = field(default_factory=dict)
    variant: str = "standard"

    def secret(self, key: str) -> str:
        value = self.secrets.get(key)
        if value is None:
            raise ConfigError(f"account {self.name!r} has no {key}")
        return value.get_secret_value()

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://{self.host}"

    def __repr__(self) -> str:
        return f"Account(name={self.name!r}, network={self.network!r}, host={self.host!r}, secrets=***)"

    __str__ = __repr__


def network_of(channel: str) -> str:
    """The network part of a channel name: `x:work` -> `x`."""
    return channel.split(":", 1)[0]


def _split(name: str, url: str) -> tuple[str, str, str, str]:
    """scheme, userinfo, hostpath, query: by hand, since x:// URLs hold two colons in their authority."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ConfigError(f"account {name!r}: not a URL (expected network://...)")
    rest, _, query = rest.partition("?")
    userinfo, at, hostpath = rest.rpartition("@")
    if not at:
        userinfo, hostpath = "", rest
    return scheme.lower(), userinfo, hostpath, query


def parse_account(name: str, url: str) -> Account:
    """An Account from its URL; a clear ConfigError (never echoing a secret) when the URL is wrong."""
    if not name or any(c.isspace() for c in name):
        raise ConfigError(f"account name {name!r} must be non-empty without spaces")
    scheme, userinfo, hostpath, query = _split(name, url)
    parts = scheme.split("+")
    network, flags = parts[0], parts[1:]
    if network not in NETWORKS:
        raise ConfigError(f"account {name!r}: unknown network {network!r}; known: {', '.join(NETWORKS)}")
    if network_of(name) != network:
        raise ConfigError(f"account {name!r} must be named {network!r} or {network}:<label> for a {network} URL")
    transport = "http" if "http" in flags else "https"
    variants = [f for f in flags if f != "http"]
    host = hostpath.partition("/")[0]
    options = dict(parse_qsl(query, keep_blank_values=True))
    user_part, _, pass_part = userinfo.partition(":")
    user, password = unquote(user_part), unquote(pass_part)

    if network == "x":
        access_token, _, access_secret = hostpath.partition(":")
        if not (user and password and access_token and access_secret):
            raise ConfigError(
                f"account {name!r}: an X URL is x://CONSUMER_KEY:CONSUMER_SECRET@ACCESS_TOKEN:ACCESS_TOKEN_SECRET"
            )
        return Account(
            name=name,
            network=network,
            host="api.twitter.com",
            secrets={
                "consumer_key": SecretStr(user),
                "consumer_secret": SecretStr(password),
                "access_token": SecretStr(unquote(access_token)),
                "access_token_secret": SecretStr(unquote(access_secret.rstrip("/"))),
            },
            options=options,
        )
    if network == "mastodon":
        if not user or not host:
            raise ConfigError(f"account {name!r}: a Mastodon URL is mastodon://ACCESS_TOKEN@instance.example")
        return Account(
            name=name, network=network, host=host, scheme=transport, secrets={"token": SecretStr(user)}, options=options
        )
    if network == "bluesky":
        if not user or not password:
            raise ConfigError(f"account {name!r}: a Bluesky URL is bluesky://HANDLE:APP_PASSWORD@pds.example")
        return Account(
            name=name,
            network=network,
            host=host or "bsky.social",
            scheme=transport,
            user=user.lstrip("@"),
            secrets={"password": SecretStr(password)},
            options=options,
        )
    # webhook
    variant = variants[0] if variants else "standard"
    if variant not in WEBHOOK_VARIANTS or len(variants) > 1:
        raise ConfigError(f"account {name!r}: webhook variant must be one of {', '.join(WEBHOOK_VARIANTS)}")
    if not host:
        raise ConfigError(f"account {name!r}: a webhook URL needs a host")
    # The whole target URL is a secret: Slack and Discord put their tokens in the path.
    secrets = {"url": SecretStr(f"{transport}://{userinfo + '@' if userinfo else ''}{hostpath}")}
    if "secret" in options:
        secrets["signing_secret"] = SecretStr(options.pop("secret"))
    if options:
        secrets["url"] = SecretStr(secrets["url"].get_secret_value() + "?" + urlencode(options))
    return Account(name=name, network=network, host=host, scheme=transport, secrets=secrets, variant=variant)


def load_accounts(accounts_json: SecretStr | None, accounts_file: Path | None) -> dict[str, Account]:
    """Every configured account by name, from the JSON setting and/or the TOML file (the JSON wins)."""
    raw: dict[str, object] = {}
    if accounts_file is not None:
        try:
            data = tomllib.loads(accounts_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"PUBLISHER_ACCOUNTS_FILE {accounts_file}: no such file") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"PUBLISHER_ACCOUNTS_FILE {accounts_file}: not valid TOML ({exc})") from None
        table = data.get("accounts", {})
        if not isinstance(table, dict):
            raise ConfigError(f"PUBLISHER_ACCOUNTS_FILE {accounts_file}: [accounts] must be a table")
        raw.update(table)
    if accounts_json is not None and accounts_json.get_secret_value().strip():
        try:
            data = json.loads(accounts_json.get_secret_value())
        except json.JSONDecodeError as exc:
            # The position only: the text around it may be a secret.
            raise ConfigError(f"PUBLISHER_ACCOUNTS is not valid JSON (at character {exc.pos})") from None
        if not isinstance(data, dict):
            raise ConfigError("PUBLISHER_ACCOUNTS must be a JSON object mapping account names to URLs")
        raw.update(data)
    accounts = {}
    for name, url in raw.items():
        if not isinstance(url, str):
            raise ConfigError(f"account {name!r}: the value must be a URL string")
        accounts[name] = parse_account(name, url)
    return accounts
