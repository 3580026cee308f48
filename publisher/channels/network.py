"""What a network is, declared once: `Network`, filled in by one module per network in channels/networks/.

A declaration is cheap to import (no SDK): it names its channel class by import path, which is loaded only
when a channel is opened. The registry (publisher.channels.registry) collects the declarations; everything
else (account parsing, queues, counting and limits, the post composer, the channels page) asks it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from publisher.channels.account import Account, AccountUrl
from publisher.channels.base import MediaRule, TextLimits

if TYPE_CHECKING:
    from publisher.channels.base import Channel


class Check(StrEnum):
    """What a channel's verify() proves, so callers word the result without asking which network it is."""

    CREDENTIALS = "credentials"  # an authenticated request that posts nothing: the network accepted the keys
    CONNECTION = "connection"  # connected to the server (TLS and login as configured), sent nothing
    SETTINGS = "settings"  # only opened and closed: the settings are consistent, the far end is unchecked

    @property
    def summary(self) -> str:
        """The check in a few words, for a list of channels."""
        return {
            Check.CREDENTIALS: "signs in, posts nothing",
            Check.CONNECTION: "connects, TLS and login as configured, sends nothing",
            Check.SETTINGS: "opens and closes",
        }[self]


@dataclass(frozen=True)
class Draft:
    """A post as the composer (publisher.render.share) has it when it asks a network for its extras."""

    text: str  # fitted to the network
    url: str  # the article link as posted (with UTM parameters when configured)
    title: str
    summary: str
    html: Callable[[], str]  # the article body as plain HTML, rendered only if asked for
    lang: str | None = None  # the article's language (BCP 47), for networks that tag a post with it


@dataclass(frozen=True)
class Network:
    """One network's declaration: how its accounts are written, how posts are counted, where its rows queue."""

    name: str  # "x": the account URL scheme, the channel-name prefix (`x:work`), the UTM source
    channel: str  # "publisher.channels.x:XChannel", imported when a channel is opened
    queue: str  # the worker queue its outbox rows go to
    carries: frozenset[str] = frozenset({"post"})  # "email" and/or "post"
    limits: TextLimits = TextLimits()
    # The length of a post as the network counts it; None: posts are not counted and have no limit.
    count: Callable[[str], int] | None = None
    # Parses one account URL; None: the network has no accounts (one channel named like the network).
    parse: Callable[[AccountUrl], Account] | None = None
    # The account's own limits where it may change them (a Mastodon instance's max_characters).
    account_limits: Callable[[Account, TextLimits], TextLimits] | None = None
    # The post's extras the channel needs finished (Bluesky facets and card, a webhook's html).
    compose: Callable[[Draft], dict[str, object]] | None = None
    check: Check = Check.SETTINGS
    # How the network takes the article's cover image; None: it never gets one.
    media: MediaRule | None = None
    # Where an account posts, in words without a secret, for the channels page.
    where: Callable[[Account], str] | None = None

    @property
    def has_accounts(self) -> bool:
        return self.parse is not None

    def limits_for(self, account: Account | None) -> TextLimits:
        """What a post may hold on this network, for this account."""
        if account is not None and self.account_limits is not None:
            return self.account_limits(account, self.limits)
        return self.limits

    def describe(self, account: Account) -> str:
        """Where the account posts (host, handle, variant), never a secret."""
        return self.where(account) if self.where is not None else account.host

    def channel_class(self) -> type[Channel]:
        """The channel class, imported now (its SDK with it)."""
        module, _, attribute = self.channel.partition(":")
        cls: type[Channel] = getattr(importlib.import_module(module), attribute)
        return cls
