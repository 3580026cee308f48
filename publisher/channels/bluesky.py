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
with com.atproto.repo.uploadBlob and the card points to the blob as its `thumb`. Bluesky has no idempotency
key: a retried post uploads the blob again (an unreferenced blob is the PDS's to garbage-collect).
"""

from __future__ import annotations

from typing import Any, ClassVar, TypeAlias

from atproto import Client, models
from atproto_client import exceptions as at
from atproto_client.client.session import Session, SessionEvent
from atproto_client.models.blob_ref import BlobRef
from atproto_client.request import Request

from publisher.channels.account import Account
from publisher.channels.base import Message, PermanentError, Post, Result
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
        try:
            did = self._login().did
            record = models.AppBskyFeedPost.Record(
                created_at=self.client.get_current_time_iso(),
                text=post.text,
                facets=_facets(post.extra, self._resolved(post.extra.get("mentions", []))),
                embed=_embed(post.extra, self._thumb(post)),
                langs=post.extra.get("langs") or None,
            )
            created = self.client.app.bsky.feed.post.create(did, record)
        except at.RequestErrorBase as exc:
            raise self.failure(_answer(exc)) from None
        rkey = created.uri.rsplit("/", 1)[-1]
        return Result(
            status="sent", provider_id=created.uri, url=f"https://bsky.app/profile/{self.account.user}/post/{rkey}"
        )

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
