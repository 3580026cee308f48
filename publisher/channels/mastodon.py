"""The Mastodon channel: Mastodon.py's `status_post`, with the post's idempotency key as `Idempotency-Key`.

The server keeps the key for an hour, so a retry after a lost answer returns the first status instead
of posting twice.

A post that carries images (`Post.media`: the cover, or up to 4 the editor picked) uploads each first (`POST
/api/v2/media` with the alt text as `description`) and names them in `media_ids`, in order. Since Mastodon
4.0 an image is processed at once (200, with its `url`); an answer of 202 (`url` null) means it is still
processing, and a status naming it would be refused (422), so the channel asks `GET /api/v1/media/:id` (206
while processing, 200 when done) for up to the request timeout, and posts without the image if it is still
not ready. A retry uploads the image again before the status post returns the first status by its
idempotency key: the new upload stays an orphan, which the instance removes after a day.

A thread (`Post.replies`) is a chain of statuses, each after the first posted with `in_reply_to_id`
naming the one before and an Idempotency-Key of its own (the post's key, "-2", "-3", ...): a part whose
answer was lost returns the same status on the retry, which continues from there (publisher.channels.chain).
Only the first part carries the image.

What a status may hold is the instance's to say: `configuration.statuses.max_characters` and
`characters_reserved_per_url` of its `GET /api/v2/instance` (public, no token), read when the channel's
`limits` are first asked for (composing a share, a preview) and kept per instance for an hour. When the
instance does not answer, the account URL's `?max_characters=` (or Mastodon's 500, URLs as 23) stands in,
and the failure is remembered for five minutes so a preview does not wait on a dead instance each time.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, ClassVar

from mastodon import Mastodon, MastodonAPIError, MastodonNetworkError, MastodonRatelimitError
from mastodon.errors import MastodonReadTimeout

from publisher.channels.account import Account
from publisher.channels.base import (
    Attachment,
    Message,
    Part,
    PartRef,
    Post,
    PostCounts,
    Result,
    TextLimits,
    ThreadProgress,
)
from publisher.channels.chain import post_parts
from publisher.channels.http import HttpAnswer, HttpChannel, NoAnswer, Wording
from publisher.channels.networks.mastodon import NETWORK

# What Mastodon.py raises for an answer or its absence (its other errors are bugs, not ours to reword).
_FAILURES = (MastodonAPIError, MastodonNetworkError, MastodonRatelimitError)
_CHECK_WORDING = Wording(unauthorized="access token refused", refused="credentials check refused")
DESCRIPTION_LIMIT = 1500  # characters of alt text Mastodon keeps (MediaAttachment::MAX_DESCRIPTION_LENGTH)
_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/gif": "gif"}

log = logging.getLogger(__name__)

INSTANCE_TTL = 3600.0  # seconds an instance's limits are kept
FAILURE_TTL = 300.0  # seconds an instance that did not answer is not asked again
INSTANCE_TIMEOUT = 5.0  # at most this long for /api/v2/instance (a preview waits on it)
# base URL -> (monotonic time the entry expires, the limits; None: the instance did not answer)
_instances: dict[str, tuple[float, TextLimits | None]] = {}
_instances_lock = threading.Lock()


def _configured(instance: Any) -> TextLimits:
    """The status limits an /api/v2/instance answer declares; ValueError when it declares none."""
    statuses = ((instance or {}).get("configuration") or {}).get("statuses") or {}
    most, per_url = statuses.get("max_characters"), statuses.get("characters_reserved_per_url")
    if not isinstance(most, int) or most < 1 or not isinstance(per_url, int) or per_url < 0:
        raise ValueError(f"no usable configuration.statuses ({statuses!r})")
    return TextLimits(max_length=most, url_length=per_url)


def _count(value: Any) -> int | None:  # noqa: ANN401 - a JSON value
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


class MastodonChannel(HttpChannel):
    """Posts statuses for one account on one instance, within the limits the instance declares."""

    network = "mastodon"
    wording: ClassVar[Wording] = Wording(unauthorized="access token refused")

    def __init__(self, account: Account, *, timeout: float = 20.0) -> None:
        super().__init__(account, timeout=timeout)
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

    @property
    def limits(self) -> TextLimits:  # type: ignore[override]  # Channel's class attribute, asked of the instance
        """The instance's status limits (cached per instance); the configured ones when it does not answer."""
        key = self.account.base_url
        now = time.monotonic()
        with _instances_lock:
            cached = _instances.get(key)
        if cached is None or cached[0] <= now:
            found = self._instance_limits()
            cached = (now + (INSTANCE_TTL if found else FAILURE_TTL), found)
            with _instances_lock:
                _instances[key] = cached
        return cached[1] or NETWORK.limits_for(self.account)

    def _instance_limits(self) -> TextLimits | None:
        timeout = self.api.request_timeout
        self.api.request_timeout = min(timeout, INSTANCE_TIMEOUT)
        try:
            return _configured(self.api.instance_v2())
        except (*_FAILURES, ValueError, AttributeError) as exc:
            log.warning("%s: /api/v2/instance gave no limits (%s); using the configured ones", self.who, exc)
            return None
        finally:
            self.api.request_timeout = timeout

    def send(self, message: Message) -> Result:
        post = self.post_of(message)
        if post.replies:
            return post_parts(post, lambda index, part, done: self._part(post, index, part, done))
        status = self._status(post.text, post.idempotency_key, self._media_ids(post))
        return Result(status="sent", provider_id=str(status["id"]), url=status.get("url") or status.get("uri"))

    def _part(self, post: Post, index: int, part: Part, done: ThreadProgress) -> PartRef:
        """One part of a thread, replying to the last part posted (`in_reply_to_id`), with its own
        Idempotency-Key (the post's key and the part's number), so a retried part is never posted twice."""
        media = self._media_ids(post) if index == 0 else None
        key = post.idempotency_key if index == 0 else f"{post.idempotency_key}-{index + 1}"
        status = self._status(part.text, key, media, done.posted[-1].id if done.posted else None)
        return PartRef(id=str(status["id"]), url=status.get("url") or status.get("uri"))

    def _status(self, text: str, key: str, media_ids: list[str] | None, reply_to: str | None = None) -> Any:
        try:
            return self.api.status_post(
                text,
                in_reply_to_id=reply_to,
                idempotency_key=key,
                visibility=self.account.options.get("visibility", "public"),
                media_ids=media_ids,
            )
        except _FAILURES as exc:
            raise self.failure(self._answer(exc)) from None

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
            file_name=f"image.{ext}",
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

    def metrics(self, provider_id: str) -> PostCounts:
        """The status's counts (GET /api/v1/statuses/:id): favourites, reblogs and replies."""
        try:
            status = self.api.status(provider_id)
        except _FAILURES as exc:
            raise self.failure(self._answer(exc)) from None
        return PostCounts(
            likes=_count(status.get("favourites_count")),
            reposts=_count(status.get("reblogs_count")),
            replies=_count(status.get("replies_count")),
        )

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
