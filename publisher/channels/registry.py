"""The network registry: every `Network` declared in publisher/channels/networks/, and what follows from them.

Account URLs, channel names, queues, limits and counting all come from the declarations, so a network is
declared in one module and nowhere else. Accounts are configured apprise-style as one URL per account:
`PUBLISHER_ACCOUNTS` holds a JSON object, or `PUBLISHER_ACCOUNTS_FILE` names a TOML file with an
`[accounts]` table; both map an account name (the channel name: `x`, `x:work`, `mastodon:fosstodon`,
`bluesky`, `webhook:slack`) to a URL (each network module documents its own). Parts with reserved
characters are percent-encoded.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import tomllib
from collections.abc import Callable
from pathlib import Path

from pydantic import SecretStr

from publisher.channels.account import Account, network_of, split_account_url
from publisher.channels.base import Channel, TextLimits
from publisher.channels.network import Network
from publisher.config import Settings
from publisher.errors import ConfigError

_DECLARATIONS = "publisher.channels.networks"
_NETWORKS: dict[str, Network] = {}

# Every queue a worker listens on by default: email, and one per share network. Kept up to date by register.
QUEUES: list[str] = ["email"]

# Accounts from somewhere other than the settings (the editor's, in the database: publisher.channels.stored),
# by the database URL they belong to; the composition root attaches its store's (publisher.runtime.build).
AccountSource = Callable[[Settings], dict[str, Account]]
_ACCOUNT_SOURCES: dict[str, AccountSource] = {}


def register(network: Network) -> None:
    """Add (or replace) a network; the modules in channels/networks/ are registered on import."""
    _NETWORKS[network.name] = network
    if network.queue not in QUEUES:
        QUEUES.append(network.queue)


def unregister(name: str) -> None:
    """Forget a network (tests that declare one of their own), and its queue unless another uses it."""
    gone = _NETWORKS.pop(name, None)
    if gone is not None and gone.queue != "email" and all(n.queue != gone.queue for n in _NETWORKS.values()):
        QUEUES.remove(gone.queue)


def _discover() -> None:
    package = importlib.import_module(_DECLARATIONS)
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{_DECLARATIONS}.{info.name}")
        declared = getattr(module, "NETWORK", None)
        if not isinstance(declared, Network):
            raise TypeError(f"{module.__name__} must declare NETWORK = Network(...)")
        register(declared)


def networks() -> list[Network]:
    """Every declared network, by name."""
    return [_NETWORKS[name] for name in sorted(_NETWORKS)]


def network(name: str) -> Network:
    """The network called `name` ("x", "smtp", ...)."""
    found = _NETWORKS.get(name)
    if found is None:
        raise ConfigError(f"unknown network {name!r}; known: {', '.join(sorted(_NETWORKS))}")
    return found


def network_for(channel: str) -> Network:
    """The network a channel (account) name belongs to: `x:work` -> the X network."""
    return network(network_of(channel))


def queue_for_channel(channel: str) -> str:
    """The worker queue for share rows of `channel`: one per network, so a slow network never holds up email.

    Routed by network, not account: `x:work` goes to the `share.x` queue the workers listen on.
    """
    return network_for(channel).queue


# --- accounts -------------------------------------------------------------------------------------------


def parse_account(name: str, url: str) -> Account:
    """An Account from its URL; a clear ConfigError (never echoing a secret) when the URL is wrong."""
    if not name or any(c.isspace() for c in name):
        raise ConfigError(f"account name {name!r} must be non-empty without spaces")
    parts = split_account_url(name, url)
    declared = _NETWORKS.get(parts.network)
    if declared is None or declared.parse is None:
        known = ", ".join(n.name for n in networks() if n.has_accounts)
        raise ConfigError(f"account {name!r}: unknown network {parts.network!r}; known: {known}")
    if network_of(name) != parts.network:
        kind = parts.network
        raise ConfigError(f"account {name!r} must be named {kind!r} or {kind}:<label> for a {kind} URL")
    return declared.parse(parts)


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
            parsed = json.loads(accounts_json.get_secret_value())
        except json.JSONDecodeError as exc:
            # The position only: the text around it may be a secret.
            raise ConfigError(f"PUBLISHER_ACCOUNTS is not valid JSON (at character {exc.pos})") from None
        if not isinstance(parsed, dict):
            raise ConfigError("PUBLISHER_ACCOUNTS must be a JSON object mapping account names to URLs")
        raw.update(parsed)
    accounts = {}
    for name, url in raw.items():
        if not isinstance(url, str):
            raise ConfigError(f"account {name!r}: the value must be a URL string")
        accounts[name] = parse_account(name, url)
    return accounts


def use_account_source(database_url: str, source: AccountSource) -> None:
    """List `source`'s accounts too, for settings whose database is `database_url` (replaces an earlier one)."""
    _ACCOUNT_SOURCES[database_url] = source


def forget_account_source(database_url: str) -> None:
    _ACCOUNT_SOURCES.pop(database_url, None)


def social_accounts(settings: Settings) -> dict[str, Account]:
    """Every social account by channel name: PUBLISHER_ACCOUNTS / PUBLISHER_ACCOUNTS_FILE, and those added in
    the editor (when this process's composition root attached its store); one name in both is an error."""
    accounts = load_accounts(settings.accounts, settings.accounts_file)
    source = _ACCOUNT_SOURCES.get(settings.resolved_database_url)
    if source is None:
        return accounts
    added = source(settings)
    for name in sorted(accounts.keys() & added.keys()):
        raise ConfigError(
            f"account {name!r} is configured twice: in PUBLISHER_ACCOUNTS (or PUBLISHER_ACCOUNTS_FILE) and on the "
            "editor's Channels page; remove one of them"
        )
    return {**accounts, **added}


# --- channels -------------------------------------------------------------------------------------------


def _accountless() -> list[Network]:
    """Networks with one channel named like the network (file, smtp)."""
    return [n for n in networks() if not n.has_accounts]


def share_channels(settings: Settings) -> list[str]:
    """The channels an article can be shared to with the current settings."""
    own = [n.name for n in _accountless() if "post" in n.carries]
    return [*own, *social_accounts(settings)]


def resolve(name: str, settings: Settings) -> tuple[Network, Account | None]:
    """The network of channel `name` and its account (None on a network without accounts)."""
    declared = _NETWORKS.get(name)
    if declared is not None and not declared.has_accounts:
        return declared, None
    accounts = social_accounts(settings)
    account = accounts.get(name)
    if account is None:
        # The event-webhook channel (hook) is the publisher's own: an editor never names it.
        known = ", ".join([*(n.name for n in _accountless() if n.carries & {"email", "post"}), *accounts])
        raise ConfigError(f"unknown channel {name!r}; known: {known}")
    return network(account.network), account


def open_channel(name: str, settings: Settings) -> Channel:
    """The channel called `name`, configured from settings; its SDK is imported now, not before."""
    declared, account = resolve(name, settings)
    return declared.channel_class().from_settings(name, settings, account)


def limits_for(name: str, settings: Settings) -> TextLimits:
    """What a post on channel `name` may hold, without opening the channel."""
    declared, account = resolve(name, settings)
    return declared.limits_for(account)


_discover()
