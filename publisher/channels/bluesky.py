"""The Bluesky channel: the atproto SDK, logged in with a handle and an app password on a configurable PDS.

The post's text, its link facets (UTF-8 byte offsets) and the external embed card come finished in
`Post.extra` (see publisher.render.share); this module only turns them into atproto records.
"""

from __future__ import annotations

import time
from typing import Any

from atproto import Client, models
from atproto_client import exceptions as at
from atproto_client.request import Request

from publisher.accounts import Account
from publisher.channels.base import Channel, Message, PermanentError, Post, Result, TextLimits, TransientError


def _facets(extra: dict[str, Any]) -> list[models.AppBskyRichtextFacet.Main] | None:
    facets = [
        models.AppBskyRichtextFacet.Main(
            index=models.AppBskyRichtextFacet.ByteSlice(byte_start=f["byteStart"], byte_end=f["byteEnd"]),
            features=[models.AppBskyRichtextFacet.Link(uri=f["uri"])],
        )
        for f in extra.get("facets", [])
    ]
    return facets or None


def _embed(extra: dict[str, Any]) -> models.AppBskyEmbedExternal.Main | None:
    card = extra.get("embed")
    if not card:
        return None
    return models.AppBskyEmbedExternal.Main(
        external=models.AppBskyEmbedExternal.External(
            uri=card["uri"], title=card.get("title", ""), description=card.get("description", "")
        )
    )


class BlueskyChannel(Channel):
    """Posts for one account; one session (createSession) per channel instance, i.e. per batch."""

    network = "bluesky"
    name = "bluesky"
    network = "bluesky"
    limits = TextLimits(max_length=300)

    def __init__(self, account: Account, *, timeout: float = 20.0, request: Request | None = None) -> None:
        self.name = account.name
        self.account = account
        self.client = Client(base_url=account.base_url, request=request or Request(timeout=timeout))
        self._logged_in = False

    def _who(self) -> str:
        return f"Bluesky account {self.name!r} ({self.account.user} on {self.account.host})"

    def send(self, message: Message) -> Result:
        if not isinstance(message, Post):
            raise PermanentError(f"the {self.name} channel sends share posts, not emails")
        try:
            if not self._logged_in:
                self.client.login(self.account.user, self.account.secret("password"))
                self._logged_in = True
            created = self.client.send_post(message.text, facets=_facets(message.extra), embed=_embed(message.extra))
        except at.UnauthorizedError as exc:
            status = exc.response.status_code if exc.response else "?"
            raise PermanentError(f"{self._who()}: refused ({status}): {_detail(exc)}") from None
        except at.RateLimitExceededError as exc:
            wait = None
            if exc.reset_at is not None:
                wait = max(exc.reset_at.timestamp() - time.time(), 1.0)
            elif exc.retry_after is not None:
                wait = max(exc.retry_after, 1.0)
            raise TransientError(f"{self._who()}: rate limited (429)", retry_after=wait) from None
        except at.NetworkError as exc:
            kind = "timed out" if isinstance(exc, at.InvokeTimeoutError) else f"network error {_detail(exc)}"
            raise TransientError(f"{self._who()}: {kind}") from None
        except at.RequestErrorBase as exc:
            status = exc.response.status_code if exc.response else 0
            if status >= 500:
                raise TransientError(f"{self._who()}: server error ({status})") from None
            raise PermanentError(f"{self._who()}: post refused ({status}): {_detail(exc)}") from None
        rkey = created.uri.rsplit("/", 1)[-1]
        return Result(
            status="sent", provider_id=created.uri, url=f"https://bsky.app/profile/{self.account.user}/post/{rkey}"
        )

    def verify(self) -> str:
        """Check the handle and app password without posting (createSession); the account's handle."""
        try:
            profile = self.client.login(self.account.user, self.account.secret("password"))
        except at.UnauthorizedError as exc:
            status = exc.response.status_code if exc.response else "?"
            raise PermanentError(f"{self._who()}: refused ({status}): {_detail(exc)}") from None
        except at.NetworkError as exc:
            kind = "timed out" if isinstance(exc, at.InvokeTimeoutError) else f"network error {_detail(exc)}"
            raise TransientError(f"{self._who()}: {kind}") from None
        except at.RequestErrorBase as exc:
            status = exc.response.status_code if exc.response else 0
            raise PermanentError(f"{self._who()}: sign-in refused ({status}): {_detail(exc)}") from None
        self._logged_in = True
        return f"@{getattr(profile, 'handle', None) or self.account.user}"

    def close(self) -> None:
        self.client.request.close()


def _detail(exc: at.AtProtocolError) -> str:
    response = getattr(exc, "response", None)
    content = getattr(response, "content", None)
    if content is not None and hasattr(content, "error"):
        return f"{content.error}: {content.message or ''}".strip()[:300]
    return type(exc).__name__
