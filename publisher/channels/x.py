"""The X channel: tweepy's v2 `Client.create_tweet` with OAuth 1.0a user context.

tweepy hard-codes https://api.twitter.com and sets no timeout, so a transport adapter mounted on the
client's requests Session adds the timeout and, when the account sets `?api=URL`, sends the (already
signed) request to that base URL instead, keeping the Host header the signature was made for.
"""

from __future__ import annotations

import time
from typing import Any

import requests
import tweepy
from requests.adapters import HTTPAdapter

from publisher.accounts import Account
from publisher.channels.base import Channel, Message, PermanentError, Post, Result, TextLimits, TransientError

API_HOST = "https://api.twitter.com"
DUPLICATE = "duplicate content"


class _ApiAdapter(HTTPAdapter):
    """Adds a default timeout; optionally reroutes api.twitter.com to another base URL."""

    def __init__(self, timeout: float, reroute: str | None = None) -> None:
        super().__init__(max_retries=0)
        self.timeout = timeout
        self.reroute = reroute.rstrip("/") if reroute else None

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        if self.reroute and request.url and request.url.startswith(API_HOST):
            request.headers["Host"] = "api.twitter.com"
            request.url = self.reroute + request.url[len(API_HOST) :]
        return super().send(request, **kwargs)


class XChannel(Channel):
    """Posts tweets for one account; 403 duplicate counts as already posted, 429 waits for the reset."""

    network = "x"
    name = "x"
    network = "x"
    limits = TextLimits(max_length=280, url_length=23)

    def __init__(self, account: Account, *, timeout: float = 20.0) -> None:
        self.name = account.name
        self.account = account
        self.client = tweepy.Client(
            consumer_key=account.secret("consumer_key"),
            consumer_secret=account.secret("consumer_secret"),
            access_token=account.secret("access_token"),
            access_token_secret=account.secret("access_token_secret"),
            wait_on_rate_limit=False,  # never sleep inside a worker: the outbox schedules the retry
        )
        self.client.session.mount(API_HOST, _ApiAdapter(timeout, account.options.get("api")))

    def send(self, message: Message) -> Result:
        if not isinstance(message, Post):
            raise PermanentError(f"the {self.name} channel sends share posts, not emails")
        who = f"X account {self.name!r}"
        try:
            response = self.client.create_tweet(text=message.text, user_auth=True)
        except tweepy.TooManyRequests as exc:
            reset = exc.reset_time if exc.reset_time is not None else None
            wait = max(reset - time.time(), 1.0) if reset is not None else None
            raise TransientError(f"{who}: rate limited (429)", retry_after=wait) from None
        except tweepy.Forbidden as exc:
            if any(DUPLICATE in str(m).lower() for m in exc.api_messages) or DUPLICATE in str(exc).lower():
                return Result(status="already_sent", provider_id="duplicate", url=None)
            raise PermanentError(f"{who}: forbidden (403): {_messages(exc)}") from None
        except tweepy.Unauthorized as exc:
            raise PermanentError(f"{who}: credentials refused (401): {_messages(exc)}") from None
        except tweepy.TwitterServerError as exc:
            raise TransientError(f"{who}: server error ({exc.response.status_code})") from None
        except tweepy.HTTPException as exc:
            raise PermanentError(f"{who}: post refused ({exc.response.status_code}): {_messages(exc)}") from None
        except requests.RequestException as exc:
            raise TransientError(f"{who}: {type(exc).__name__} talking to the X API") from None
        data = response.data or {}
        tweet_id = str(data.get("id", ""))
        if not tweet_id:
            raise PermanentError(f"{who}: the API answered without a post id")
        return Result(status="sent", provider_id=tweet_id, url=f"https://x.com/i/web/status/{tweet_id}")

    def verify(self) -> str:
        """Check the four keys without posting (GET /2/users/me, signed like a post); the account's handle."""
        who = f"X account {self.name!r}"
        try:
            response = self.client.get_me(user_auth=True)
        except tweepy.Unauthorized as exc:
            raise PermanentError(f"{who}: credentials refused (401): {_messages(exc)}") from None
        except tweepy.HTTPException as exc:
            raise PermanentError(f"{who}: credentials check refused ({exc.response.status_code})") from None
        except requests.RequestException as exc:
            raise TransientError(f"{who}: {type(exc).__name__} talking to the X API") from None
        data = response.data
        username = getattr(data, "username", None) or (data.get("username") if isinstance(data, dict) else None)
        return f"@{username}" if username else "an account without a username"

    def close(self) -> None:
        self.client.session.close()


def _messages(exc: tweepy.HTTPException) -> str:
    return "; ".join(str(m) for m in exc.api_messages)[:300] or exc.response.reason or "no detail"
