"""The Bluesky channel: the atproto SDK, logged in with a handle and an app password on a configurable PDS.

The post's text, its link facets (UTF-8 byte offsets) and the external embed card come finished in
`Post.extra` (see publisher.render.share); this module only turns them into atproto records. A post that
carries its cover image (`Post.media`, loaded by delivery within the thumb's 1,000,000 bytes) uploads it
with com.atproto.repo.uploadBlob and the card points to the blob as its `thumb`. Bluesky has no idempotency
key: a retried post uploads the blob again (an unreferenced blob is the PDS's to garbage-collect).
"""

from __future__ import annotations

from typing import Any, ClassVar

from atproto import Client, models
from atproto_client import exceptions as at
from atproto_client.models.blob_ref import BlobRef
from atproto_client.request import Request

from publisher.channels.account import Account
from publisher.channels.base import Message, Post, Result
from publisher.channels.http import HttpAnswer, HttpChannel, NoAnswer, Wording
from publisher.channels.networks.bluesky import NETWORK

_CHECK_WORDING = Wording(unauthorized="refused", forbidden="refused", refused="sign-in refused")


def _facets(extra: dict[str, Any]) -> list[models.AppBskyRichtextFacet.Main] | None:
    facets = [
        models.AppBskyRichtextFacet.Main(
            index=models.AppBskyRichtextFacet.ByteSlice(byte_start=f["byteStart"], byte_end=f["byteEnd"]),
            features=[models.AppBskyRichtextFacet.Link(uri=f["uri"])],
        )
        for f in extra.get("facets", [])
    ]
    return facets or None


def _embed(extra: dict[str, Any], thumb: BlobRef | None = None) -> models.AppBskyEmbedExternal.Main | None:
    card = extra.get("embed")
    if not card:
        return None
    return models.AppBskyEmbedExternal.Main(
        external=models.AppBskyEmbedExternal.External(
            uri=card["uri"], title=card.get("title", ""), description=card.get("description", ""), thumb=thumb
        )
    )


class BlueskyChannel(HttpChannel):
    """Posts for one account; one session (createSession) per channel instance, i.e. per batch."""

    network = "bluesky"
    limits = NETWORK.limits
    wording: ClassVar[Wording] = Wording(unauthorized="refused", forbidden="refused")

    def __init__(self, account: Account, *, timeout: float = 20.0, request: Request | None = None) -> None:
        super().__init__(account, timeout=timeout)
        self.client = Client(base_url=account.base_url, request=request or Request(timeout=timeout))
        self._logged_in = False

    @property
    def who(self) -> str:
        return f"Bluesky account {self.name!r} ({self.account.user} on {self.account.host})"

    def send(self, message: Message) -> Result:
        post = self.post_of(message)
        try:
            if not self._logged_in:
                self.client.login(self.account.user, self.account.secret("password"))
                self._logged_in = True
            embed = _embed(post.extra, self._thumb(post))
            created = self.client.send_post(post.text, facets=_facets(post.extra), embed=embed)
        except at.RequestErrorBase as exc:
            raise self.failure(_answer(exc)) from None
        rkey = created.uri.rsplit("/", 1)[-1]
        return Result(
            status="sent", provider_id=created.uri, url=f"https://bsky.app/profile/{self.account.user}/post/{rkey}"
        )

    def _thumb(self, post: Post) -> BlobRef | None:
        """The card's thumbnail: the post's image uploaded as a blob (None without a card or an image)."""
        if not post.media or not post.extra.get("embed"):
            return None
        image = post.media[0]
        try:
            uploaded = self.client.com.atproto.repo.upload_blob(
                image.data, headers={"Content-Type": image.content_type}
            )
        except at.RequestErrorBase as exc:
            self.without_media(_answer(exc))  # raises unless the PDS refused the image for good
            return None
        blob: BlobRef = uploaded.blob
        return blob

    def verify(self) -> str:
        """Check the handle and app password without posting (createSession); the account's handle."""
        try:
            profile = self.client.login(self.account.user, self.account.secret("password"))
        except at.RequestErrorBase as exc:
            raise self.failure(_answer(exc), _CHECK_WORDING) from None
        self._logged_in = True
        return f"@{getattr(profile, 'handle', None) or self.account.user}"

    def close(self) -> None:
        self.client.request.close()


def _answer(exc: at.RequestErrorBase) -> HttpAnswer | NoAnswer:
    """atproto's error as the classifier reads it: transport failures come without a response."""
    response = exc.response
    if response is None:
        timed_out = isinstance(exc, at.InvokeTimeoutError)
        cause = exc.__cause__
        return NoAnswer(timed_out=timed_out, detail="" if timed_out or cause is None else type(cause).__name__)
    return HttpAnswer(status=response.status_code, detail=_detail(response.content), headers=response.headers)


def _detail(content: object) -> str:
    error, message = getattr(content, "error", None), getattr(content, "message", None)
    if error is not None:
        return f"{error}: {message or ''}".strip()
    if isinstance(content, dict) and "error" in content:
        return f"{content['error']}: {content.get('message') or ''}".strip()
    return ""
