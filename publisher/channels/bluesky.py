"""The Bluesky channel: the atproto SDK, logged in with a handle and an app password on a configurable PDS.

Signing in is createSession only (`fetch_bsky_profile=False`): atproto's default login also asks for
app.bsky.actor.getProfile, which only an AppView serves, so on a PDS without one it failed every post and
every check. The record goes to the session's DID with com.atproto.repo.createRecord, built here (the SDK's
send_post would tag every post `langs: ["en"]`).

The post's text, its facets (link and tag, UTF-8 byte offsets), its `langs` and the external embed card
come finished in `Post.extra` (see publisher.render.share and networks/bluesky.py); this module turns them
into atproto records. The @handle mentions found there are resolved here (com.atproto.identity.resolveHandle,
which a PDS serves) into mention facets; a handle that does not resolve stays plain text. A post that
carries its cover image (`Post.media`, loaded by delivery within the thumb's 1,000,000 bytes) uploads it
with com.atproto.repo.uploadBlob and the card points to the blob as its `thumb`. The images the editor
picked (`extra["images"]`, their bytes on `Post.media`) are uploaded each as a blob and posted as
app.bsky.embed.images, with their alt text and `aspectRatio` when delivery knew their size, instead of the
card (a post has one embed; the link stays a facet in the text). Bluesky has no idempotency key: a retried
post uploads the blobs again (an unreferenced blob is the PDS's to garbage-collect).

A thread (`Post.replies`) is a chain of records, each after the first with `reply`: `root` the first part
and `parent` the part before, both strong refs {uri, cid} from createRecord's answer. A retry continues
from the first part not yet posted (publisher.channels.chain; the refs come back in `Post.progress`).
Each part has its own facets; only the first carries the card (or the images).

Bluesky has no idempotency key, so each record is created under a record key chosen here (a TID, as the
PDS would pick): when a part's createRecord fails (an error, a timeout, an answer that never came), the
error's progress names that key (`pending`), the worker records it, and the retry first asks
com.atproto.repo.getRecord whether the record exists; if it does, that was the part, and it is not posted
again. (A PDS answers a createRecord under a key it already holds with 500, so the look-up comes first.)
"""

from __future__ import annotations

import secrets
import time
from dataclasses import replace
from typing import Any, ClassVar, TypeAlias

from atproto import Client, models
from atproto_client import exceptions as at
from atproto_client.client.session import Session, SessionEvent
from atproto_client.models.blob_ref import BlobRef
from atproto_client.request import Request

from publisher.channels.account import Account
from publisher.channels.base import (
    Attachment,
    Message,
    Part,
    PartRef,
    PermanentError,
    Post,
    PostCounts,
    Result,
    ThreadProgress,
)
from publisher.channels.chain import post_parts
from publisher.channels.http import HttpAnswer, HttpChannel, NoAnswer, Wording
from publisher.channels.networks.bluesky import NETWORK

_CHECK_WORDING = Wording(unauthorized="refused", forbidden="refused", refused="sign-in refused")


Feature: TypeAlias = (
    models.AppBskyRichtextFacet.Link | models.AppBskyRichtextFacet.Tag | models.AppBskyRichtextFacet.Mention
)


def _facet(found: dict[str, Any], feature: Feature) -> models.AppBskyRichtextFacet.Main:
    index = models.AppBskyRichtextFacet.ByteSlice(byte_start=found["byteStart"], byte_end=found["byteEnd"])
    return models.AppBskyRichtextFacet.Main(index=index, features=[feature])


def _facets(extra: dict[str, Any], dids: dict[str, str]) -> list[models.AppBskyRichtextFacet.Main] | None:
    """The link, tag and (resolved) mention facets, in text order."""
    facets = [_facet(f, models.AppBskyRichtextFacet.Link(uri=f["uri"])) for f in extra.get("facets", [])]
    facets += [_facet(f, models.AppBskyRichtextFacet.Tag(tag=f["tag"])) for f in extra.get("tags", [])]
    facets += [
        _facet(f, models.AppBskyRichtextFacet.Mention(did=dids[f["handle"]]))
        for f in extra.get("mentions", [])
        if f["handle"] in dids
    ]
    facets.sort(key=lambda f: f.index.byte_start)
    return facets or None


Embed: TypeAlias = models.AppBskyEmbedExternal.Main | models.AppBskyEmbedImages.Main


def _aspect(image: Attachment) -> models.AppBskyEmbedDefs.AspectRatio | None:
    """The image's width:height (both at least 1, as the lexicon wants), when delivery knew its size."""
    if not image.width or not image.height:
        return None
    return models.AppBskyEmbedDefs.AspectRatio(width=image.width, height=image.height)


def _embed(extra: dict[str, Any], thumb: BlobRef | None = None) -> models.AppBskyEmbedExternal.Main | None:
    card = extra.get("embed")
    if not card:
        return None
    return models.AppBskyEmbedExternal.Main(
        external=models.AppBskyEmbedExternal.External(
            uri=card["uri"], title=card.get("title", ""), description=card.get("description", ""), thumb=thumb
        )
    )


_BASE32_SORTABLE = "234567abcdefghijklmnopqrstuvwxyz"


def _tid() -> str:
    """A new record key: a TID (microseconds since 1970 and a random 10-bit clock id, base32-sortable)."""
    value = (time.time_ns() // 1000) << 10 | secrets.randbelow(1024)
    return "".join(_BASE32_SORTABLE[(value >> (5 * i)) & 31] for i in reversed(range(13)))


def _reply(done: ThreadProgress) -> models.AppBskyFeedPost.ReplyRef | None:
    """A reply's refs: the thread's first part as its root, the last part posted as its parent."""
    if not done.posted:
        return None
    root, parent = done.posted[0], done.posted[-1]
    return models.AppBskyFeedPost.ReplyRef(
        root=models.ComAtprotoRepoStrongRef.Main(uri=root.id, cid=root.cid or ""),
        parent=models.ComAtprotoRepoStrongRef.Main(uri=parent.id, cid=parent.cid or ""),
    )


class BlueskyChannel(HttpChannel):
    """Posts for one account; one session (createSession) per channel instance, i.e. per batch."""

    network = "bluesky"
    limits = NETWORK.limits
    wording: ClassVar[Wording] = Wording(unauthorized="refused", forbidden="refused")

    def __init__(self, account: Account, *, timeout: float = 20.0, request: Request | None = None) -> None:
        super().__init__(account, timeout=timeout)
        self.client = Client(base_url=account.base_url, request=request or Request(timeout=timeout))
        self.client.on_session_change(self._on_session)
        self._session: Session | None = None
        self._dids: dict[str, str | None] = {}  # handle -> DID, None: does not resolve

    def _on_session(self, event: SessionEvent, session: Session) -> None:
        self._session = session

    def _login(self) -> Session:
        """The session (createSession on first use; the SDK refreshes it), never asking for a profile."""
        if self._session is None:
            self.client.login(self.account.user, self.account.secret("password"), fetch_bsky_profile=False)
        if self._session is None:  # the SDK's session callback sets it during login
            raise PermanentError(f"{self.who}: signed in, but the PDS gave no session")
        return self._session

    @property
    def who(self) -> str:
        return f"Bluesky account {self.name!r} ({self.account.user} on {self.account.host})"

    def send(self, message: Message) -> Result:
        post = self.post_of(message)
        return post_parts(post, lambda index, part, done: self._part(post, index, part, done))

    def _part(self, post: Post, index: int, part: Part, done: ThreadProgress) -> PartRef:
        """One record (a part of a thread replies to the root and to the last part posted, as strong refs),
        created under a record key of our own (a TID), so a retry can tell whether it was created after all."""
        rkey = done.pending or _tid()
        try:
            did = self._login().did
            if done.pending is not None:
                found = self._existing(did, done.pending)
                if found is not None:  # created, but its answer never came: it is this part
                    return found
            record = models.AppBskyFeedPost.Record(
                created_at=self.client.get_current_time_iso(),
                text=part.text,
                facets=_facets(part.extra, self._resolved(part.extra.get("mentions", []))),
                embed=self._first_embed(post) if index == 0 else _embed(part.extra),
                langs=part.extra.get("langs") or None,
                reply=_reply(done),
            )
            created = self.client.app.bsky.feed.post.create(did, record, rkey=rkey)
        except at.RequestErrorBase as exc:
            error = self.failure(_answer(exc))
            error.progress = replace(done, pending=rkey)
            raise error from None
        return PartRef(id=created.uri, cid=created.cid, url=self._url(created.uri))

    def _existing(self, did: str, rkey: str) -> PartRef | None:
        """The post record under `rkey` in the account's repo (com.atproto.repo.getRecord), or None."""
        try:
            found = self.client.app.bsky.feed.post.get(did, rkey)
        except at.BadRequestError:  # 400 RecordNotFound: it was never created
            return None
        return PartRef(id=found.uri, cid=found.cid, url=self._url(found.uri))

    def _url(self, uri: str) -> str:
        return f"https://bsky.app/profile/{self.account.user}/post/{uri.rsplit('/', 1)[-1]}"

    def _resolved(self, mentions: list[dict[str, Any]]) -> dict[str, str]:
        """The mentioned handles that resolve, to their DIDs (asked once per handle per channel)."""
        for handle in {m["handle"] for m in mentions} - self._dids.keys():
            try:
                answer = self.client.com.atproto.identity.resolve_handle({"handle": handle})
            except at.BadRequestError:  # 400 "Unable to resolve handle": the mention stays plain text
                self._dids[handle] = None
                continue
            self._dids[handle] = answer.did
        return {h: did for h, did in self._dids.items() if did is not None}

    def _first_embed(self, post: Post) -> Embed | None:
        """The first part's embed: the editor's images (app.bsky.embed.images, in place of the card: a
        post has one embed), else the card with the cover as its thumbnail."""
        if post.extra.get("images") and post.media:
            images = [
                models.AppBskyEmbedImages.Image(alt=image.alt, image=blob, aspect_ratio=_aspect(image))
                for image in post.media
                if (blob := self._blob(image)) is not None
            ]
            if images:
                return models.AppBskyEmbedImages.Main(images=images)
        thumb = self._blob(post.media[0]) if post.media and post.extra.get("embed") else None
        return _embed(post.extra, thumb)

    def _blob(self, image: Attachment) -> BlobRef | None:
        """The image uploaded as a blob (com.atproto.repo.uploadBlob); None when the PDS refused it for good."""
        try:
            uploaded = self.client.com.atproto.repo.upload_blob(
                image.data, headers={"Content-Type": image.content_type}
            )
        except at.RequestErrorBase as exc:
            self.without_media(_answer(exc))  # raises unless the PDS refused the image for good
            return None
        blob: BlobRef = uploaded.blob
        return blob

    def metrics(self, provider_id: str) -> PostCounts:
        """The post's counts from app.bsky.feed.getPosts (likeCount, repostCount, replyCount).

        An AppView method: a PDS answers it only by proxying to the AppView it is configured with, so on a
        PDS without one this raises the PDS's own error, which the report shows as it is.
        """
        try:
            self._login()
            answer = self.client.app.bsky.feed.get_posts({"uris": [provider_id]})
        except at.RequestErrorBase as exc:
            raise self.failure(_answer(exc)) from None
        if not answer.posts:
            raise PermanentError(f"{self.who}: the AppView knows no post {provider_id} (deleted?)")
        post = answer.posts[0]
        return PostCounts(likes=post.like_count, reposts=post.repost_count, replies=post.reply_count)

    def verify(self) -> str:
        """Check the handle and app password without posting (createSession only); the account's handle."""
        try:
            session = self._login()
        except at.RequestErrorBase as exc:
            raise self.failure(_answer(exc), _CHECK_WORDING) from None
        return f"@{session.handle or self.account.user}"

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
