"""The Mastodon channel: Mastodon.py's `status_post`, with the post's idempotency key as `Idempotency-Key`.

The server keeps the key for an hour, so a retry after a lost answer returns the first status instead
of posting twice.
"""

from __future__ import annotations

from typing import ClassVar

from mastodon import Mastodon, MastodonAPIError, MastodonNetworkError, MastodonRatelimitError
from mastodon.errors import MastodonReadTimeout

from publisher.channels.account import Account
from publisher.channels.base import Message, Result
from publisher.channels.http import HttpAnswer, HttpChannel, NoAnswer, Wording
from publisher.channels.networks.mastodon import NETWORK

# What Mastodon.py raises for an answer or its absence (its other errors are bugs, not ours to reword).
_FAILURES = (MastodonAPIError, MastodonNetworkError, MastodonRatelimitError)
_CHECK_WORDING = Wording(unauthorized="access token refused", refused="credentials check refused")


class MastodonChannel(HttpChannel):
    """Posts statuses for one account on one instance (`?max_characters=` for instances above 500)."""

    network = "mastodon"
    wording: ClassVar[Wording] = Wording(unauthorized="access token refused")

    def __init__(self, account: Account, *, timeout: float = 20.0) -> None:
        super().__init__(account, timeout=timeout)
        self.limits = NETWORK.limits_for(account)
        self.api = Mastodon(
            access_token=account.secret("token"),
            api_base_url=account.base_url,
            request_timeout=timeout,
            ratelimit_method="throw",  # never sleep inside a worker: the outbox schedules the retry
            version_check_mode="none",
        )

    @property
    def who(self) -> str:
        return f"Mastodon account {self.name!r} on {self.account.host}"

    def send(self, message: Message) -> Result:
        post = self.post_of(message)
        try:
            status = self.api.status_post(
                post.text,
                idempotency_key=post.idempotency_key,
                visibility=self.account.options.get("visibility", "public"),
            )
        except _FAILURES as exc:
            raise self.failure(self._answer(exc)) from None
        return Result(status="sent", provider_id=str(status["id"]), url=status.get("url") or status.get("uri"))

    def verify(self) -> str:
        """Check the access token without posting (GET /api/v1/accounts/verify_credentials); the account's handle."""
        try:
            me = self.api.account_verify_credentials()
        except _FAILURES as exc:
            raise self.failure(self._answer(exc), _CHECK_WORDING) from None
        return f"@{me.get('acct') or me.get('username')}"

    def close(self) -> None:
        self.api.session.close()

    def _answer(self, exc: Exception) -> HttpAnswer | NoAnswer:
        """Mastodon.py's error as the classifier reads it; it parses the rate-limit reset into the client."""
        if isinstance(exc, MastodonRatelimitError):
            return HttpAnswer(status=429, reset_at=self.api.ratelimit_reset or None)
        if isinstance(exc, MastodonNetworkError):
            return NoAnswer(timed_out=isinstance(exc, MastodonReadTimeout) or "timed out" in str(exc).lower())
        if isinstance(exc, MastodonAPIError) and len(exc.args) > 1 and isinstance(exc.args[1], int):
            detail = str(exc.args[3]) if len(exc.args) > 3 and exc.args[3] is not None else ""
            return HttpAnswer(status=exc.args[1], detail=detail)
        return HttpAnswer(status=None, detail=str(exc.args[0]) if exc.args else type(exc).__name__)
