"""The channels page's "Test connection": the cheapest real check each channel allows, sending nothing.

Every channel has `verify()`; its network's declaration says what kind of check that is (`Network.check`):
credentials (Mastodon's verify_credentials, X's /2/users/me, Bluesky's createSession: an authenticated
request that posts nothing and answers with the account's handle), a connection (SMTP: EHLO, STARTTLS or
implicit TLS with the certificate checked, login when configured, QUIT, naming who answered), or only the
settings (webhooks and files are opened and closed: a webhook's only request is a post).
"""

from __future__ import annotations

from dataclasses import dataclass

from publisher.channels.base import ChannelError
from publisher.channels.network import Check
from publisher.channels.registry import network, open_channel
from publisher.config import Settings
from publisher.errors import PublisherError

UNCHECKED = "configured correctly: opened and closed without error (no credentials check exists)"


@dataclass(frozen=True)
class ChannelCheck:
    name: str
    ok: bool
    message: str  # never holds a secret: channel errors are written not to
    verified: bool = False  # True when the far end itself was reached and accepted us


def check_channel(name: str, settings: Settings) -> ChannelCheck:
    """Open `name`, run its check, close it; what happened, in words."""
    try:
        channel = open_channel(name, settings)
    except PublisherError as exc:
        return ChannelCheck(name, False, str(exc))
    except OSError as exc:
        return ChannelCheck(name, False, f"could not connect: {exc.strerror or type(exc).__name__}")
    try:
        kind = network(channel.network).check
        who = channel.verify()
    except ChannelError as exc:
        return ChannelCheck(name, False, str(exc))
    except OSError as exc:
        return ChannelCheck(name, False, f"could not connect: {exc.strerror or type(exc).__name__}")
    finally:
        channel.close()
    if kind is Check.CREDENTIALS:
        return ChannelCheck(name, True, f"credentials accepted: signed in as {who}; nothing was posted", True)
    if kind is Check.CONNECTION:
        return ChannelCheck(name, True, f"connected to {who}; nothing was sent", True)
    return ChannelCheck(name, True, UNCHECKED)
