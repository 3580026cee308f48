"""The Mastodon channel: Mastodon.py's `status_post`, with the post's idempotency key as `Idempotency-Key`.

The server keeps the key for an hour, so a retry after a lost answer returns the first status instead
of posting twice.
"""

from __future__ import annotations

import time

from mastodon import (
    Mastodon,
    MastodonAPIError,
    MastodonNetworkError,
    MastodonRatelimitError,
    MastodonServerError,
    MastodonUnauthorizedError,
)

from publisher.accounts import Account
from publisher.channels.base import Channel, Message, PermanentError, Post, Result, TextLimits, TransientError


class MastodonChannel(Channel):
    """Posts statuses for one account on one instance (`?max_characters=` for instances above 500)."""

    network = "mastodon"
    name = "mastodon"
    network = "mastodon"

    def __init__(self, account: Account, *, timeout: float = 20.0) -> None:
        self.name = account.name
        self.account = account
        self.limits = TextLimits(max_length=int(account.options.get("max_characters", 500)), url_length=23)
        self.api = Mastodon(
            access_token=account.secret("token"),
            api_base_url=account.base_url,
            request_timeout=timeout,
            ratelimit_method="throw",  # never sleep inside a worker: the outbox schedules the retry
            version_check_mode="none",
        )

    def send(self, message: Message) -> Result:
        if not isinstance(message, Post):
            raise PermanentError(f"the {self.name} channel sends share posts, not emails")
        who = f"Mastodon account {self.name!r} on {self.account.host}"
        try:
            status = self.api.status_post(
                message.text,
                idempotency_key=message.idempotency_key,
                visibility=self.account.options.get("visibility", "public"),
            )
        except MastodonRatelimitError:
            reset = self.api.ratelimit_reset
            wait = max(reset - time.time(), 1.0) if reset else None
            raise TransientError(f"{who}: rate limited (429)", retry_after=wait) from None
        except MastodonUnauthorizedError:
            raise PermanentError(f"{who}: access token refused (401)") from None
        except MastodonServerError as exc:
            raise TransientError(f"{who}: server error ({_status(exc)})") from None
        except MastodonAPIError as exc:
            if _status(exc) == 403:
                raise PermanentError(f"{who}: forbidden (403): {_detail(exc)}") from None
            raise PermanentError(f"{who}: post refused ({_status(exc)}): {_detail(exc)}") from None
        except MastodonNetworkError as exc:
            kind = "timed out" if "timed out" in str(exc).lower() else "network error"
            raise TransientError(f"{who}: {kind}") from None
        return Result(status="sent", provider_id=str(status["id"]), url=status.get("url") or status.get("uri"))

    def verify(self) -> str:
        """Check the access token without posting (GET /api/v1/accounts/verify_credentials); the account's handle."""
        who = f"Mastodon account {self.name!r} on {self.account.host}"
        try:
            me = self.api.account_verify_credentials()
        except MastodonUnauthorizedError:
            raise PermanentError(f"{who}: access token refused (401)") from None
        except MastodonNetworkError as exc:
            kind = "timed out" if "timed out" in str(exc).lower() else "network error"
            raise TransientError(f"{who}: {kind}") from None
        except MastodonAPIError as exc:  # also rate limits and server errors
            raise PermanentError(f"{who}: credentials check refused ({_status(exc)}): {_detail(exc)}") from None
        return f"@{me.get('acct') or me.get('username')}"

    def close(self) -> None:
        self.api.session.close()


def _status(exc: MastodonAPIError) -> object:
    return exc.args[1] if len(exc.args) > 1 else "?"


def _detail(exc: MastodonAPIError) -> str:
    return str(exc.args[3])[:300] if len(exc.args) > 3 else "no detail"
