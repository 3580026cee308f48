"""One configured social account, and an account URL split into its parts (each network parses its own).

Accounts are configured apprise-style, one URL per account (see publisher.channels.registry.load_accounts):
`network[+flag...]://userinfo@host/path?options`. Secrets are kept as SecretStr: they never appear in a
repr, a log line or an error message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote

from pydantic import SecretStr

from publisher.errors import ConfigError


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

    def secret_values(self) -> list[str]:
        """Every secret of the account in clear, longest first: what an error message must never show."""
        return sorted((s.get_secret_value() for s in self.secrets.values()), key=len, reverse=True)

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://{self.host}"

    def __repr__(self) -> str:
        return f"Account(name={self.name!r}, network={self.network!r}, host={self.host!r}, secrets=***)"

    __str__ = __repr__


def network_of(channel: str) -> str:
    """The network part of a channel name: `x:work` -> `x`."""
    return channel.split(":", 1)[0]


@dataclass(frozen=True)
class AccountUrl:
    """An account URL in parts, split by hand: an x:// URL holds two colons in its authority."""

    name: str  # the account (channel) name it is configured under
    network: str  # the scheme before any `+flag`
    flags: tuple[str, ...]  # `mastodon+http://` -> ("http",); `webhook+slack://` -> ("slack",)
    userinfo: str  # as written (percent-encoded)
    hostpath: str  # everything between `@` and `?`
    query: str

    @property
    def transport(self) -> str:
        """`http` when the URL says `+http` (a plain-HTTP test server), else `https`."""
        return "http" if "http" in self.flags else "https"

    @property
    def variants(self) -> list[str]:
        """The flags other than `http`."""
        return [f for f in self.flags if f != "http"]

    @property
    def host(self) -> str:
        return self.hostpath.partition("/")[0]

    @property
    def user(self) -> str:
        """The part of userinfo before the first colon, decoded."""
        return unquote(self.userinfo.partition(":")[0])

    @property
    def password(self) -> str:
        """The part of userinfo after the first colon, decoded."""
        return unquote(self.userinfo.partition(":")[2])

    @property
    def options(self) -> dict[str, str]:
        return dict(parse_qsl(self.query, keep_blank_values=True))

    def refuse(self, problem: str) -> ConfigError:
        """A ConfigError naming the account, for a URL of the right network that is wrong; never echoes a secret."""
        return ConfigError(f"account {self.name!r}: {problem}")


def split_account_url(name: str, url: str) -> AccountUrl:
    """The parts of `url`; a ConfigError when it is not `network://...` at all."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ConfigError(f"account {name!r}: not a URL (expected network://...)")
    rest, _, query = rest.partition("?")
    userinfo, at, hostpath = rest.rpartition("@")
    if not at:
        userinfo, hostpath = "", rest
    network, *flags = scheme.lower().split("+")
    return AccountUrl(name=name, network=network, flags=tuple(flags), userinfo=userinfo, hostpath=hostpath, query=query)
