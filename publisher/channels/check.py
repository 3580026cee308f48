"""The channels page's "Test connection": the cheapest real check each channel allows, sending nothing.

Mastodon, X and Bluesky channels have `verify()`: an authenticated request that posts nothing (Mastodon's
verify_credentials, X's /2/users/me, Bluesky's createSession) and answers with the account's handle. The
SMTP channel's `verify()` connects to each configured server (EHLO, STARTTLS or implicit TLS with the
certificate checked, login when configured, QUIT) and names who answered. The other channels are only
opened and closed, which checks their settings, not the far end: a webhook's only request is a post.
"""

from __future__ import annotations

from dataclasses import dataclass

from publisher.channels import ChannelError, open_channel
from publisher.config import Settings
from publisher.errors import PublisherError


@dataclass(frozen=True)
class ChannelCheck:
    name: str
    ok: bool
    message: str  # never holds a secret: channel errors are written not to
    verified: bool = False  # True when the network itself accepted the credentials


def check_channel(name: str, settings: Settings) -> ChannelCheck:
    """Open `name`, run its credentials check if it has one, close it; what happened, in words."""
    try:
        channel = open_channel(name, settings)
    except PublisherError as exc:
        return ChannelCheck(name, False, str(exc))
    except OSError as exc:
        return ChannelCheck(name, False, f"could not connect: {exc.strerror or type(exc).__name__}")
    try:
        verify = getattr(channel, "verify", None)
        if verify is None:
            return ChannelCheck(
                name, True, "configured correctly: opened and closed without error (no credentials check exists)"
            )
        who = verify()
        if getattr(channel, "name", "") == "smtp":  # SMTP security (extra-tls)
            return ChannelCheck(name, True, f"connected to {who}; nothing was sent", True)
        return ChannelCheck(name, True, f"credentials accepted: signed in as {who}; nothing was posted", True)
    except ChannelError as exc:
        return ChannelCheck(name, False, str(exc))
    except OSError as exc:
        return ChannelCheck(name, False, f"could not connect: {exc.strerror or type(exc).__name__}")
    finally:
        channel.close()
