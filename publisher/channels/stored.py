"""Accounts added in the editor: kept in the channel_accounts table, their account URL sealed (channels.vault).

An account added here is the same apprise-style URL PUBLISHER_ACCOUNTS takes (the Channels page builds it
from the form's fields), parsed by its network's declaration before anything is stored, so a stored
account and a configured one are one kind of thing. The registry (channels.registry.social_accounts)
lists both; the composition root (publisher.runtime) tells it which store to read with `attach`.

This is the one module of channels/ that reads the store, and only for account configuration: channels
themselves still never touch it. Nothing here logs, returns or raises with a secret in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from publisher.channels import registry
from publisher.channels.account import Account
from publisher.channels.vault import NO_KEY, Vault
from publisher.config import Settings
from publisher.errors import ConfigError, Conflict, NotFound
from publisher.store import Store
from publisher.store.models import ChannelAccountRow

HINT_MIN = 12  # a secret shorter than this gets no "ends in" hint: four characters would be too much of it


@dataclass(frozen=True)
class StoredAccount:
    """What the Channels page may show of a stored account: never the secret, at most its last characters."""

    name: str
    network: str
    posts_to: str
    hint: str  # "4f2a" or ""
    added_by: str | None
    created_at: datetime


def _public(row: ChannelAccountRow) -> StoredAccount:
    return StoredAccount(row.name, row.network, row.posts_to, row.hint, row.added_by, row.created_at)


def hint_of(account: Account) -> str:
    """The last four characters of the account's main secret (its first), when it is long enough to spare them."""
    values = [s.get_secret_value() for s in account.secrets.values()]
    main = values[0] if values else ""
    return main[-4:] if len(main) >= HINT_MIN else ""


def listed(store: Store) -> list[StoredAccount]:
    """Every stored account by name, without opening any secret (works whatever the key)."""
    with store.session() as session:
        return [_public(r) for r in session.scalars(select(ChannelAccountRow).order_by(ChannelAccountRow.name))]


def stored_accounts(store: Store, settings: Settings) -> dict[str, Account]:
    """Every stored account, opened with PUBLISHER_SECRET_KEY; a clear ConfigError when they cannot be."""
    with store.session() as session:
        rows = [(r.name, r.sealed) for r in session.scalars(select(ChannelAccountRow).order_by(ChannelAccountRow.name))]
    if not rows:
        return {}
    if settings.secret_key is None or not settings.secret_key.get_secret_value():
        raise ConfigError(f"{len(rows)} account(s) added in the editor cannot be opened: no PUBLISHER_SECRET_KEY")
    vault = Vault.from_settings(settings)
    return {name: registry.parse_account(name, vault.open(name, sealed)) for name, sealed in rows}


def add(store: Store, settings: Settings, name: str, url: str, *, added_by: str | None = None) -> StoredAccount:
    """Parse, check and store an account; refused without PUBLISHER_SECRET_KEY or when the name is taken."""
    if settings.secret_key is None or not settings.secret_key.get_secret_value():
        raise ConfigError(NO_KEY)
    account = registry.parse_account(name, url)  # the network's own checks; errors name no secret
    if len(name) > 100:
        raise ConfigError(f"account name {name[:20]!r}... is longer than 100 characters")
    configured = registry.load_accounts(settings.accounts, settings.accounts_file)
    if name in configured:
        raise Conflict(f"account {name!r} is already configured in PUBLISHER_ACCOUNTS; choose another name")
    declared = registry.network(account.network)
    row = ChannelAccountRow(
        name=name,
        network=account.network,
        sealed=Vault.from_settings(settings).seal(name, url),
        posts_to=declared.describe(account)[:300],
        hint=hint_of(account),
        added_by=added_by,
    )
    with store.session() as session:
        if session.get(ChannelAccountRow, name) is not None:
            raise Conflict(f"an account called {name!r} was added already; remove it first to replace it")
        session.add(row)
        session.flush()
        return _public(row)


def remove(store: Store, name: str) -> None:
    """Forget a stored account (its outbox rows and history stay); NotFound when there is none by that name."""
    with store.session() as session:
        row = session.get(ChannelAccountRow, name)
        if row is None:
            raise NotFound(f"no account called {name!r} was added in the editor")
        session.delete(row)


def rekey(store: Store, old_secret: str, settings: Settings) -> int:
    """Re-encrypt every stored account from the old PUBLISHER_SECRET_KEY to the current one, in one transaction.

    Every row is opened before any is written: one that the old key does not open stops the whole rekey
    (WrongKey, naming the account) and nothing changes. Rows already sealed with the new key are accepted
    too, so running it twice is harmless. Returns how many rows were re-encrypted.
    """
    new = Vault.from_settings(settings)
    old = Vault(old_secret)
    with store.session() as session:
        rows = list(session.scalars(select(ChannelAccountRow).with_for_update()))
        for row in rows:
            try:
                plain = old.open(row.name, row.sealed)
            except ConfigError:
                plain = new.open(row.name, row.sealed)  # already rekeyed; raises WrongKey if neither opens it
            row.sealed = new.seal(row.name, plain)
        return len(rows)


def attach(store: Store) -> None:
    """Make the registry list this store's accounts for settings whose database is this store's."""
    registry.use_account_source(store.url, lambda settings: stored_accounts(store, settings))


def detach(store: Store) -> None:
    registry.forget_account_source(store.url)
