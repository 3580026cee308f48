"""The network registry: a network is declared in one module, and everything else follows from it."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from collections.abc import Iterator
from typing import Self

import pytest
from pydantic import SecretStr

from publisher import importers, textrules
from publisher.accounts import parse_account
from publisher.channels import (
    QUEUES,
    Account,
    Channel,
    Check,
    Message,
    Network,
    Post,
    Result,
    TextLimits,
    limits_for,
    network,
    open_channel,
    queue_for_channel,
    registry,
    share_channels,
)
from publisher.channels import networks as declarations
from publisher.channels.account import AccountUrl
from publisher.channels.check import check_channel
from publisher.config import Settings
from publisher.render.share import compose_post


class PigeonChannel(Channel):
    """A network no module in publisher/ knows about: a carrier pigeon that remembers what it carried."""

    network = "pigeon"
    carried: list[str] = []

    def __init__(self, account: Account) -> None:
        self.name, self.account = account.name, account
        self.limits = PIGEON.limits

    @classmethod
    def from_settings(cls, name: str, settings: Settings, account: Account | None) -> Self:
        assert account is not None
        return cls(account)

    def send(self, message: Message) -> Result:
        assert isinstance(message, Post)
        self.carried.append(message.text)
        return Result(status="sent", provider_id=str(len(self.carried)))

    def verify(self) -> str:
        return f"{self.account.user} of {self.account.host}"


def _parse(url: AccountUrl) -> Account:
    if not url.user:
        raise url.refuse("a pigeon URL is pigeon://NAME:SEED@loft")
    return Account(url.name, "pigeon", host=url.host, user=url.user, secrets={"seed": SecretStr(url.password)})


PIGEON = Network(
    name="pigeon",
    channel=f"{__name__}:PigeonChannel",
    queue="share.pigeon",
    limits=TextLimits(max_length=120),
    count=len,  # a pigeon counts code points
    parse=_parse,
    compose=lambda draft: {"ring": draft.url.upper()},
    check=Check.CREDENTIALS,
    where=lambda account: f"the loft at {account.host}",
)


@pytest.fixture
def pigeon(monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """The pigeon network declared (what its own module in channels/networks/ would do), and one account."""
    registry.register(PIGEON)
    monkeypatch.setenv("PUBLISHER_ACCOUNTS", json.dumps({"pigeon:loft": "pigeon://percy:seed-s3cret@loft.example"}))
    try:
        yield Settings()
    finally:
        registry.unregister("pigeon")


def test_one_declaration_is_all_a_new_network_needs(pigeon: Settings, seed_path):
    account = parse_account("pigeon:loft", "pigeon://percy:seed-s3cret@loft.example")
    assert (account.network, account.user, account.secret("seed")) == ("pigeon", "percy", "seed-s3cret")
    assert "pigeon:loft" in share_channels(pigeon)
    assert queue_for_channel("pigeon:loft") == "share.pigeon" and "share.pigeon" in QUEUES
    assert limits_for("pigeon:loft", pigeon) == TextLimits(max_length=120)
    assert textrules.length("coo coo", "pigeon") == 7

    post = compose_post(importers.load(seed_path), "pigeon:loft", limits_for("pigeon:loft", pigeon), pigeon)
    assert len(post.text) <= 120 and post.url in post.text
    assert post.extra == {"network": "pigeon", "length": len(post.text), "ring": post.url.upper()}

    channel = open_channel("pigeon:loft", pigeon)
    assert isinstance(channel, PigeonChannel) and channel.send(post).status == "sent"
    check = check_channel("pigeon:loft", pigeon)
    assert check.ok and check.message == "credentials accepted: signed in as percy of loft.example; nothing was posted"
    assert network("pigeon").describe(account) == "the loft at loft.example"


def test_a_url_for_a_network_nobody_declared_is_refused_naming_those_declared():
    known = "bluesky, linkedin, mastodon, threads, webhook, x"
    with pytest.raises(Exception, match=f"unknown network 'pigeon'; known: {known}"):
        parse_account("pigeon", "pigeon://a:b@c")


def test_every_module_in_networks_declares_the_network_it_is_named_after():
    modules = sorted(m.name for m in pkgutil.iter_modules(declarations.__path__))
    assert modules == [n.name for n in registry.networks()] == [
        "bluesky",
        "file",
        "hook",
        "linkedin",
        "mastodon",
        "smtp",
        "threads",
        "webhook",
        "x",
    ]
    assert QUEUES[0] == "email" and sorted(QUEUES[1:]) == sorted({n.queue for n in registry.networks()} - {"email"})


@pytest.mark.parametrize(
    ("channel", "queue"),
    [
        ("x:work", "share.x"),
        ("x", "share.x"),
        ("mastodon:fosstodon", "share.mastodon"),
        ("bluesky", "share.bluesky"),
        ("webhook:slack", "share.webhook"),
        ("file", "share.file"),
        ("smtp", "email"),
    ],
)
def test_share_rows_queue_by_network_not_account(channel, queue):
    assert queue_for_channel(channel) == queue


def test_an_accounts_limits_are_known_without_opening_its_channel(monkeypatch):
    monkeypatch.setenv(
        "PUBLISHER_ACCOUNTS", json.dumps({"mastodon:big": "mastodon://t@big.example?max_characters=1000"})
    )
    assert limits_for("mastodon:big", Settings()) == TextLimits(max_length=1000, url_length=23)
    assert limits_for("file", Settings()) == TextLimits()


def test_a_bad_instance_limit_is_a_configuration_error():
    with pytest.raises(Exception, match="max_characters must be a positive whole number, not 'lots'"):
        parse_account("mastodon", "mastodon://t@h.example?max_characters=lots")


def test_importing_channels_and_rendering_loads_no_sdk_until_a_channel_or_an_x_count_needs_it():
    code = """
import sys
from publisher import accounts, channels, textrules
from publisher.render import share
heavy = ("twitter_text", "tweepy", "mastodon", "atproto", "httpx")
assert not [m for m in heavy if m in sys.modules], [m for m in heavy if m in sys.modules]
textrules.length("bluesky counts graphemes", "bluesky")
assert "twitter_text" not in sys.modules
textrules.length("x counts https://example.org its way", "x")
assert "twitter_text" in sys.modules and "tweepy" not in sys.modules
"""
    subprocess.run([sys.executable, "-c", code], check=True)
