"""Delivery channels: one module each, one interface (channels.base.Channel)."""

from __future__ import annotations

from publisher.accounts import Account, load_accounts
from publisher.channels.base import (
    Channel,
    ChannelError,
    ConnectionFailed,
    Email,
    Message,
    PermanentError,
    Post,
    RecipientRejected,
    Result,
    SetupFailed,
    TextLimits,
    TransientError,
)
from publisher.config import Settings
from publisher.errors import ConfigError

__all__ = [
    "Channel",
    "ChannelError",
    "ConnectionFailed",
    "Email",
    "Message",
    "PermanentError",
    "Post",
    "RecipientRejected",
    "Result",
    "SetupFailed",
    "TextLimits",
    "QUEUES",
    "TransientError",
    "open_channel",
    "share_channels",
    "social_accounts",
]


# Every queue a worker listens on by default: email, and one per share channel.
QUEUES = ["email", "share.file", "share.x", "share.mastodon", "share.bluesky", "share.webhook"]


def share_channels(settings: Settings) -> list[str]:
    """The channels an article can be shared to with the current settings."""
    return ["file", *social_accounts(settings)]


def open_channel(name: str, settings: Settings) -> Channel:
    """The channel called `name`, configured from settings."""
    if name == "file":
        from publisher.channels.file import FileChannel

        return FileChannel(settings.outbox_dir)
    if name == "smtp":
        if not settings.smtp_host:
            raise ConfigError("the smtp channel needs PUBLISHER_SMTP_HOST")
        from publisher.channels.smtp import SmtpChannel, SmtpConfig, parse_servers

        try:
            servers = parse_servers(settings.smtp_host, settings.smtp_port)
        except ValueError as exc:
            raise ConfigError(f"PUBLISHER_SMTP_HOST: {exc}") from None
        return SmtpChannel(
            [
                SmtpConfig(
                    host=host,
                    port=port,
                    security=settings.smtp_security,
                    username=settings.smtp_username,
                    password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
                    timeout=settings.smtp_timeout,
                    ca_file=settings.smtp_ca_file,
                )
                for host, port in servers
            ]
        )
    # --- social accounts (issue 6): x, mastodon, bluesky, webhook; the channel name is the account name ---
    accounts = social_accounts(settings)
    if name in accounts:
        return _open_social(accounts[name], settings)
    known = ", ".join(["file", "smtp", *accounts])
    raise ConfigError(f"unknown channel {name!r}; known: {known}")


def social_accounts(settings: Settings) -> dict[str, Account]:
    """The configured social accounts by channel name (PUBLISHER_ACCOUNTS / PUBLISHER_ACCOUNTS_FILE)."""
    return load_accounts(settings.accounts, settings.accounts_file)


def _open_social(account: Account, settings: Settings) -> Channel:
    timeout = settings.share_timeout
    if account.network == "x":
        from publisher.channels.x import XChannel

        return XChannel(account, timeout=timeout)
    if account.network == "mastodon":
        from publisher.channels.mastodon import MastodonChannel

        return MastodonChannel(account, timeout=timeout)
    if account.network == "bluesky":
        from publisher.channels.bluesky import BlueskyChannel

        return BlueskyChannel(account, timeout=timeout)
    from publisher.channels.webhook import WebhookChannel

    return WebhookChannel(account, timeout=timeout)
