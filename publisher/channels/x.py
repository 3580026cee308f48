"""The X channel: tweepy's v2 `Client.create_tweet` with OAuth 1.0a user context.

tweepy hard-codes https://api.twitter.com and sets no timeout, so a transport adapter mounted on the
client's requests Session adds the timeout and, when the account sets `?api=URL`, sends the (already
signed) request to that base URL instead, keeping the Host header the signature was made for.

A post that carries images (`Post.media`: the cover, or up to 4 the editor picked) uploads each first.
tweepy (4.17) knows only the v1.1 upload on upload.twitter.com, which X retired in 2025, so the channel
calls the v2 endpoints through the same signed client: `POST /2/media/upload` (JSON: the base64 bytes,
`media_category` tweet_image, `media_type`), then `POST /2/media/metadata/create` with the alt text, then
`media.media_ids` in `POST /2/tweets`. A retried post uploads again and X answers the tweet with 403
duplicate (already posted): the second upload is an orphan, which X lets expire (`expires_after_secs`).

A thread (`Post.replies`) is a reply chain: each part after the first is `POST /2/tweets` with
`reply.in_reply_to_tweet_id` naming the part before (publisher.channels.chain skips the parts a retry's
`Post.progress` holds). Only the first part carries the images. X has no idempotency key: a part whose
answer was lost is posted again on the retry and X refuses it as a duplicate, without its id, so the row
fails there (saying so) rather than post the rest of the thread unattached.
"""

from __future__ import annotations

import base64
import logging
from typing import Any, ClassVar

import requests
import tweepy
from requests.adapters import HTTPAdapter

from publisher.channels.account import Account
from publisher.channels.base import Attachment, Message, Part, PartRef, PermanentError, Post, Result, ThreadProgress
from publisher.channels.chain import post_parts
from publisher.channels.http import HttpAnswer, HttpChannel, NoAnswer, Wording
from publisher.channels.networks.x import NETWORK

API_HOST = "https://api.twitter.com"
# X answers a repeated post with 403 and this in its message (no numeric code): the post is already there.
DUPLICATE = "duplicate content"
_CHECK_WORDING = Wording(unauthorized="credentials refused", refused="credentials check refused")
log = logging.getLogger(__name__)
ALT_TEXT_LIMIT = 1000  # characters of alt text /2/media/metadata/create takes


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


class XChannel(HttpChannel):
    """Posts tweets for one account; 403 duplicate counts as already posted, 429 waits for the reset."""

    network = "x"
    limits = NETWORK.limits
    wording: ClassVar[Wording] = Wording(unauthorized="credentials refused")

    def __init__(self, account: Account, *, timeout: float = 20.0) -> None:
        super().__init__(account, timeout=timeout)
        self.client = tweepy.Client(
            consumer_key=account.secret("consumer_key"),
            consumer_secret=account.secret("consumer_secret"),
            access_token=account.secret("access_token"),
            access_token_secret=account.secret("access_token_secret"),
            wait_on_rate_limit=False,  # never sleep inside a worker: the outbox schedules the retry
        )
        self.client.session.mount(API_HOST, _ApiAdapter(timeout, account.options.get("api")))

    @property
    def who(self) -> str:
        return f"X account {self.name!r}"

    def send(self, message: Message) -> Result:
        post = self.post_of(message)
        if post.replies:
            return post_parts(post, lambda index, part, done: self._part(post, index, part, done))
        try:
            tweet_id = self._create(post.text, self._media_ids(post))
        except tweepy.Forbidden as exc:
            if _duplicate(exc):
                return Result(status="already_sent", provider_id="duplicate", url=None)
            raise self.failure(_answer(exc)) from None
        return Result(status="sent", provider_id=tweet_id, url=_url(tweet_id))

    def _part(self, post: Post, index: int, part: Part, done: ThreadProgress) -> PartRef:
        """One part of a thread, replying to the last part posted (the first carries the images)."""
        media = self._media_ids(post) if index == 0 else None
        try:
            tweet_id = self._create(part.text, media, done.posted[-1].id if done.posted else None)
        except tweepy.Forbidden as exc:
            if _duplicate(exc):  # X gives no id for it, and the next part would have nothing to reply to
                raise PermanentError(
                    f"{self.who}: X says part {index + 1} of the thread is already posted and gives no id for "
                    "it, so the rest cannot be attached"
                ) from None
            raise self.failure(_answer(exc)) from None
        return PartRef(id=tweet_id, url=_url(tweet_id))

    def _create(self, text: str, media_ids: list[str] | None, reply_to: str | None = None) -> str:
        """POST /2/tweets (a reply when `reply_to`: `reply.in_reply_to_tweet_id`); the new post's id.

        Raises tweepy.Forbidden as it came (a duplicate means something else in a thread), else ChannelErrors.
        """
        try:
            response = self.client.create_tweet(
                text=text, media_ids=media_ids, in_reply_to_tweet_id=reply_to, user_auth=True
            )
        except tweepy.Forbidden:
            raise
        except (tweepy.HTTPException, requests.RequestException) as exc:
            raise self.failure(_answer(exc)) from None
        data = response.data or {}
        tweet_id = str(data.get("id", ""))
        if not tweet_id:
            raise PermanentError(f"{self.who}: the API answered without a post id")
        return tweet_id

    def _media_ids(self, post: Post) -> list[str] | None:
        """The post's images uploaded with their alt text; None when there are none (or X refused them)."""
        ids = []
        for image in post.media:
            try:
                ids.append(self._upload(image))
            except (tweepy.HTTPException, requests.RequestException) as exc:
                self.without_media(_answer(exc))  # raises unless X refused the image for good
            except ValueError as exc:  # an answer that is not what the API documents
                log.warning("%s: %s; posting without the image", self.who, exc)
        return ids or None

    def _upload(self, image: Attachment) -> str:
        uploaded = self.client.request(
            "POST",
            "/2/media/upload",
            json={
                "media": base64.b64encode(image.data).decode("ascii"),
                "media_category": "tweet_image",
                "media_type": image.content_type,
                "shared": False,
            },
            user_auth=True,
        ).json()
        media_id = str((uploaded.get("data") or {}).get("id") or "") if isinstance(uploaded, dict) else ""
        if not media_id:
            raise ValueError("the media upload answered without a media id")
        if image.alt:
            self.client.request(
                "POST",
                "/2/media/metadata/create",
                json={"id": media_id, "metadata": {"alt_text": {"text": image.alt[:ALT_TEXT_LIMIT]}}},
                user_auth=True,
            )
        return media_id

    def verify(self) -> str:
        """Check the four keys without posting (GET /2/users/me, signed like a post); the account's handle."""
        try:
            response = self.client.get_me(user_auth=True)
        except (tweepy.HTTPException, requests.RequestException) as exc:
            raise self.failure(_answer(exc), _CHECK_WORDING) from None
        data = response.data
        username = getattr(data, "username", None) or (data.get("username") if isinstance(data, dict) else None)
        return f"@{username}" if username else "an account without a username"

    def close(self) -> None:
        self.client.session.close()


def _duplicate(exc: tweepy.Forbidden) -> bool:
    return any(DUPLICATE in str(m).lower() for m in exc.api_messages) or DUPLICATE in str(exc).lower()


def _url(tweet_id: str) -> str:
    return f"https://x.com/i/web/status/{tweet_id}"


def _answer(exc: tweepy.HTTPException | requests.RequestException) -> HttpAnswer | NoAnswer:
    """tweepy's error as the classifier reads it; tweepy's rate limit error carries the reset header."""
    if isinstance(exc, requests.RequestException):
        return NoAnswer(timed_out=isinstance(exc, requests.Timeout), detail=type(exc).__name__)
    response = exc.response
    messages = "; ".join(str(m) for m in exc.api_messages) or getattr(response, "reason", "") or ""
    return HttpAnswer(status=response.status_code, detail=messages, headers=dict(response.headers))
