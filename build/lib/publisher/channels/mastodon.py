"""The Mastodon channel: Mastodon.py's `status_post`, with the post's idempotency key as `Idempotency-Key`.

The server keeps the key for an hour, so a retry after a lost answer returns the first status instead
of posting twice.

A post that carries its cover image (`Post.media`) uploads it first (`POST /api/v2/media` with the alt text
as `description`) and names it in `media_ids`. Since Mastodon 4.0 an image is processed at once (200, with
its `url`); an answer of 202 (`url` null) means it is still processing, and a status naming it would be
refused (422), so the channel asks `GET /api/v1/media/:id` (206 while processing, 200 when done) for up to
the request timeout, and posts without the image if it is still not ready. A retry uploads the image again
before the status post returns the first status by its idempotency key: the new upload stays an orphan,
which the instance removes after a day.
"""

from __future__ import annotations

import logging
import time
from typing import Any, ClassVar

from mastodon import Mastodon, MastodonAPIError, MastodonNetworkError, MastodonRatelimitError
from mastodon.errors import MastodonReadTimeout

from publisher.channels.account import Account
from publisher.channels.base import Attachment, Message, Post, Result
from publisher.channels.http import HttpAnswer, HttpChannel, NoAnswer, Wording
from publisher.channels.networks.mastodon import NETWORK

# What Mastodon.py raises for an answer or its absence (its other errors are bugs, not ours to reword).
_FAILURES = (MastodonAPIError, MastodonNetworkError, MastodonRatelimitError)
_CHECK_WORDING = Wording(unauthorized="access token refused", refused="credentials check refused")
DESCRIPTION_LIMIT = 1500  # characters of alt text Mastodon keeps (MediaAttachment::MAX_DESCRIPTION_LENGTH)
_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/gif": "gif"}

log = logging.getLogger(__name__)


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
            mastodon_version="4.0.0",  # no /api/v1/instance probe before the first upload
        )
        # With checks off Mastodon.py does not parse the version given; media_post picks /api/v2/media by it.
        self.api.mastodon_major, self.api.mastodon_minor, self.api.mastodon_patch = 4, 0, 0

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
                media_ids=self._media_ids(post),
            )
        except _FAILURES as exc:
            raise self.failure(self._answer(exc)) from None
        return Result(status="sent", provider_id=str(status["id"]), url=status.get("url") or status.get("uri"))

    def _media_ids(self, post: Post) -> list[str] | None:
        """The post's images uploaded, processed and ready to name in the status; None when there are none."""
        ids = []
        for image in post.media:
            try:
                attachment = self._upload(image)
                ready = self._processed(attachment)
            except _FAILURES as exc:
                self.without_media(self._answer(exc))  # raises unless the instance refused it for good
                continue
            if ready:
                ids.append(str(attachment["id"]))
        return ids or None

    def _upload(self, image: Attachment) -> Any:
        ext = _EXTENSIONS.get(image.content_type, "img")
        return self.api.media_post(
            image.data,
            mime_type=image.content_type,
            description=image.alt[:DESCRIPTION_LIMIT] or None,
            file_name=f"cover.{ext}",
        )

    def _processed(self, attachment: Any) -> bool:
        """Wait (up to the timeout) while the instance processes the upload; False if it is still not ready."""
        deadline = time.monotonic() + self.timeout
        delay = 0.5
        while attachment.get("url") is None:
            if time.monotonic() + delay > deadline:
                log.warning("%s: the image is still processing; posting without it", self.who)
                return False
            time.sleep(delay)
            delay = min(delay * 2, 5.0)
            attachment = self.api.media(attachment["id"])
        return True

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
