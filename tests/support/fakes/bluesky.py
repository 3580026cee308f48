"""A fake Bluesky PDS: sessions, handle resolution, post records and blobs, checked as the lexicons say.

It serves only what a PDS serves: no app.bsky.actor.getProfile (an AppView's), which the real PDS in
tests/support/pds.py does not answer either (atproto's default login asked for it and failed there).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from typing import Any

import regex

from tests.support.fakes.base import GRAPHEME, FakeServer, Reply, sniff

_S32 = "234567abcdefghijklmnopqrstuvwxyz"
TID = regex.compile(r"[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}")  # the lexicon's record key


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class FakeBluesky(FakeServer):
    """A PDS: createSession, resolveHandle, createRecord, uploadBlob.

    Checks: the identifier and app password (401 AuthenticationRequired otherwise); an access JWT it
    issued (HS256, unexpired) on every later call; createRecord's repo is the session's DID, the collection
    app.bsky.feed.post, the record typed app.bsky.feed.post with createdAt, a text of at most 300 graphemes
    and 3,000 UTF-8 bytes, each facet's byte slice inside the text and what its feature names (a link's
    URI or another whole URL, "#" and a tag's name, "@" and the handle of a mention's DID), and an
    app.bsky.embed.external card with uri and title. resolveHandle knows the account's own handle (400
    "Unable to resolve handle" else).

    Blobs, as a PDS takes them: `com.atproto.repo.uploadBlob` (raw bytes, a Content-Type the bytes really
    are, at most `blob_limit` bytes: 413 PayloadTooLarge, as the PDS's 5 MB default) answers
    `{"blob": {"$type": "blob", "ref": {"$link": CID}, "mimeType", "size"}}` with a CIDv1 (raw, sha-256) of
    the bytes. A card's `thumb` must be such a blob, uploaded to this PDS, unchanged, an image of at most
    1,000,000 bytes (the lexicon's maxSize for app.bsky.embed.external#external.thumb); so must each image of
    an app.bsky.embed.images embed (1 to 4, each with an `alt` string, an optional aspectRatio).

    A reply (a thread's later part) carries `reply` with `root` and `parent`, each a com.atproto.repo.strongRef
    {uri: an at:// URI, cid: a CID string}, both required, as the lexicon validates them (400 InvalidRequest
    otherwise). Like a PDS, the fake does not check that they name records (that is an AppView's concern);
    each accepted post records its `cid`, so a test compares the refs with the records they should name.

    Record keys as a PDS takes them: createRecord's `rkey`, when given, must be a TID (400 otherwise) not
    yet in the repo (PDS 0.4.217 answers 500 InternalServerError for one it holds); `getRecord` (public)
    answers {uri, cid, value}, or 400 RecordNotFound. The script mode "lost" creates the record and then
    answers 500, as a client sees an answer lost on the way.
    """

    blob_limit = 5 * 1024 * 1024
    THUMB_LIMIT = 1_000_000

    def __init__(self, handle: str, password: str) -> None:
        super().__init__()
        self.account_handle, self.password = handle, password
        self.did = "did:plc:fake" + hashlib.sha256(handle.encode()).hexdigest()[:16]
        self._key = secrets.token_bytes(32)
        self.sessions = 0
        self.blobs: dict[str, dict[str, Any]] = {}  # CID -> {"mimeType", "size", "data"}
        self.calls: list[str] = []  # every XRPC method asked for, in order

    def _jwt(self, scope: str, ttl: int) -> str:
        header = _b64url(json.dumps({"typ": "at+jwt", "alg": "HS256"}).encode())
        now = int(time.time())
        claims = {"scope": scope, "sub": self.did, "aud": "did:web:fake.pds", "iat": now, "exp": now + ttl}
        payload = _b64url(json.dumps(claims).encode())
        signature = _b64url(hmac.new(self._key, f"{header}.{payload}".encode(), hashlib.sha256).digest())
        return f"{header}.{payload}.{signature}"

    def _check_bearer(self, headers: Any) -> None:
        token = headers.get("Authorization", "").removeprefix("Bearer ")
        try:
            header, payload, signature = token.split(".")
            expected = _b64url(hmac.new(self._key, f"{header}.{payload}".encode(), hashlib.sha256).digest())
            claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        except ValueError:
            raise Reply(401, {"error": "InvalidToken", "message": "Token could not be verified"}) from None
        if not hmac.compare_digest(expected, signature) or claims["exp"] < time.time():
            raise Reply(401, {"error": "ExpiredToken", "message": "Token has expired or is invalid"})
        if claims["scope"] == "com.atproto.refresh":
            raise Reply(400, {"error": "InvalidToken", "message": "Refresh token used as access token"})

    def handle(self, method: str, path: str, query: dict[str, str], headers: Any, body: bytes) -> Any:
        self.calls.append(path.removeprefix("/xrpc/"))
        if (method, path) == ("POST", "/xrpc/com.atproto.server.createSession"):
            return self._create_session(body)
        if (method, path) == ("GET", "/xrpc/com.atproto.repo.getRecord"):  # public, as on a PDS
            return self._get_record(query)
        if (method, path) == ("GET", "/xrpc/com.atproto.identity.resolveHandle"):
            if query.get("handle", "").lower() != self.account_handle:
                raise Reply(400, {"error": "InvalidRequest", "message": "Unable to resolve handle"})
            return {"did": self.did}
        self._check_bearer(headers)
        if (method, path) == ("POST", "/xrpc/com.atproto.repo.uploadBlob"):
            return self._upload_blob(headers, body)
        if (method, path) != ("POST", "/xrpc/com.atproto.repo.createRecord"):
            raise Reply(404, {"error": "MethodNotImplemented", "message": path})
        return self._create_record(self.scripted(), body)

    def _create_session(self, body: bytes) -> Any:
        data = json.loads(body or b"{}")
        if data.get("identifier") not in (self.account_handle, self.did) or data.get("password") != self.password:
            raise Reply(401, {"error": "AuthenticationRequired", "message": "Invalid identifier or password"})
        self.sessions += 1
        return {
            "did": self.did,
            "handle": self.account_handle,
            "accessJwt": self._jwt("com.atproto.appPass", 7200),
            "refreshJwt": self._jwt("com.atproto.refresh", 86400),
            "active": True,
        }

    def _create_record(self, mode: str, body: bytes) -> Any:
        if mode == "rate_limit":
            reset = int(time.time()) + self.rate_limit_wait
            raise Reply(
                429,
                {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
                {"ratelimit-limit": "5000", "ratelimit-remaining": "0", "ratelimit-reset": str(reset)},
            )
        data = json.loads(body)
        problem = self._record_problem(data)
        if problem:
            raise Reply(400, {"error": "InvalidRequest", "message": problem})
        rkey = data.get("rkey") or _tid()
        if not TID.fullmatch(rkey):
            message = f'Invalid record key for app.bsky.feed.post: Invalid TID string (got "{rkey}") at $'
            raise Reply(400, {"error": "InvalidRequest", "message": message})
        uri = f"at://{self.did}/app.bsky.feed.post/{rkey}"
        if any(p["uri"] == uri for p in self.posts):  # what PDS 0.4.217 answers for a key it holds
            raise Reply(500, {"error": "InternalServerError", "message": "Internal Server Error"})
        cid = "bafyrei" + secrets.token_hex(16)
        self.posts.append({"uri": uri, "cid": cid, "text": data["record"]["text"], "record": data["record"]})
        if mode == "lost":  # created, but the answer never reaches the client
            raise Reply(500, {"error": "InternalServerError", "message": "Internal Server Error"})
        return {"uri": uri, "cid": cid}

    def _get_record(self, query: dict[str, str]) -> Any:
        uri = f"at://{query.get('repo')}/{query.get('collection')}/{query.get('rkey')}"
        if query.get("repo") == self.account_handle:
            uri = f"at://{self.did}/{query.get('collection')}/{query.get('rkey')}"
        found = next((p for p in self.posts if p["uri"] == uri), None)
        if found is None:
            raise Reply(400, {"error": "RecordNotFound", "message": f"Could not locate record: {uri}"})
        return {"uri": found["uri"], "cid": found["cid"], "value": found["record"]}

    def _record_problem(self, data: dict[str, Any]) -> str | None:
        if data.get("repo") not in (self.did, self.account_handle):
            return f"repo {data.get('repo')!r} is not the session's"
        if data.get("collection") != "app.bsky.feed.post":
            return "collection must be app.bsky.feed.post"
        record = data.get("record") or {}
        if record.get("$type") != "app.bsky.feed.post" or "createdAt" not in record:
            return "record must be an app.bsky.feed.post with createdAt"
        text = record.get("text", "")
        if len(GRAPHEME.findall(text)) > 300:
            return "Record/text must not be longer than 300 graphemes"
        encoded = text.encode("utf-8")
        if len(encoded) > 3000:
            return "Record/text must not be longer than 3000 characters"
        for facet in record.get("facets") or []:
            problem = self._facet_problem(facet, encoded)
            if problem:
                return problem
        return (_reply_problem(record["reply"]) if "reply" in record else None) or self._embed_problem(record)

    def _embed_problem(self, record: dict[str, Any]) -> str | None:
        embed = record.get("embed")
        if embed is not None and embed.get("$type") == "app.bsky.embed.images":
            return self._images_problem(embed)
        if embed is not None:
            external = embed.get("external") or {}
            if embed.get("$type") != "app.bsky.embed.external" or not external.get("uri") or "title" not in external:
                return "embed must be app.bsky.embed.external with uri and title"
            if "thumb" in external:
                return self._blob_problem(external["thumb"], "embed/external/thumb")
        return None

    def _images_problem(self, embed: dict[str, Any]) -> str | None:
        """app.bsky.embed.images: 1 to 4 images, each {image: a blob of at most 1,000,000 bytes, alt: a
        string}, with an optional aspectRatio {width, height} of integers of at least 1."""
        images = embed.get("images")
        if not isinstance(images, list) or not images or len(images) > 4:
            return "embed/images must be an array of 1 to 4 images"
        for n, image in enumerate(images):
            where = f"embed/images/{n}"
            if not isinstance(image, dict) or not isinstance(image.get("alt"), str) or "image" not in image:
                return f"{where} must have image and alt"
            ratio = image.get("aspectRatio")
            if ratio is not None and not all(
                isinstance(ratio.get(k), int) and ratio[k] >= 1 for k in ("width", "height")
            ):
                return f"{where}/aspectRatio must have width and height of at least 1"
            problem = self._blob_problem(image["image"], f"{where}/image")
            if problem:
                return problem
        return None

    def _facet_problem(self, facet: dict[str, Any], encoded: bytes) -> str | None:
        index = facet.get("index", {})
        start, end = index.get("byteStart"), index.get("byteEnd")
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(encoded)):
            return f"facet byte range {start}..{end} outside the text"
        covered = encoded[start:end].decode("utf-8", "replace")
        for feature in facet.get("features") or [{}]:
            kind = feature.get("$type")
            if kind == "app.bsky.richtext.facet#link" and (covered == feature.get("uri") or _a_whole_url(covered)):
                continue  # a link's text may show another URL than it opens (the app shows them shortened)
            if kind == "app.bsky.richtext.facet#tag" and covered[1:] == feature.get("tag") and covered[0] in "#＃":
                continue
            if kind == "app.bsky.richtext.facet#mention" and (feature.get("did"), covered) == (
                self.did,
                f"@{self.account_handle}",
            ):
                continue
            return f"facet {start}..{end} does not cover its {kind or 'feature'}"
        return None

    def _blob_problem(self, ref: Any, where: str) -> str | None:
        if not isinstance(ref, dict) or ref.get("$type") != "blob":
            return f"{where} must be a blob"
        cid = (ref.get("ref") or {}).get("$link")
        blob = self.blobs.get(cid or "")
        if blob is None:
            return f"Could not find blob: {cid}"
        if (ref.get("mimeType"), ref.get("size")) != (blob["mimeType"], blob["size"]):
            return f"{where} does not match the uploaded blob"
        if not blob["mimeType"].startswith("image/"):
            return f"{where} mimeType must be an image"
        if blob["size"] > self.THUMB_LIMIT:
            return f"{where} is too large ({blob['size']} bytes, at most {self.THUMB_LIMIT})"
        return None

    def _upload_blob(self, headers: Any, body: bytes) -> Any:
        self.media_scripted()
        if len(body) > self.blob_limit:
            raise Reply(413, {"error": "PayloadTooLarge", "message": "request entity too large"})
        kind = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if not body or not kind or "*" in kind:
            raise Reply(400, {"error": "InvalidRequest", "message": "a blob needs its bytes and their Content-Type"})
        sniffed = sniff(body)
        if sniffed is not None and sniffed != kind:
            raise Reply(400, {"error": "InvalidMimeType", "message": f"the blob is {sniffed}, not {kind}"})
        cid = _cid(body)
        self.blobs[cid] = {"mimeType": kind, "size": len(body), "data": body}
        return {"blob": {"$type": "blob", "ref": {"$link": cid}, "mimeType": kind, "size": len(body)}}


def _reply_problem(reply: Any) -> str | None:
    """What the lexicon refuses in app.bsky.feed.post#replyRef: root and parent strong refs {uri, cid}."""
    if not isinstance(reply, dict):
        return "Record/reply must be an object"
    for key in ("root", "parent"):
        ref = reply.get(key)
        if not isinstance(ref, dict):
            return f'Record/reply must have the property "{key}"'
        uri, cid = ref.get("uri"), ref.get("cid")
        if not isinstance(uri, str) or not uri.startswith("at://"):
            return f"Record/reply/{key}/uri must be a valid at-uri"
        if not isinstance(cid, str) or not cid:
            return f'Record/reply/{key} must have the property "cid"'
    return None


def _a_whole_url(text: str) -> bool:
    """Whether a facet covers one whole http(s) URL: a slice off by some bytes covers none.

    A real PDS does not compare a link's text with its URI (the lexicon does not ask it to); this fake
    still catches offsets that miss the link, and lets a post show the article's URL while linking a
    tracking URL (issue 15)."""
    return text.startswith(("http://", "https://")) and not any(c.isspace() for c in text)


def _tid() -> str:
    value = (time.time_ns() // 1000) << 10 | secrets.randbelow(1024)
    return "".join(_S32[(value >> (5 * i)) & 31] for i in reversed(range(13)))


def _cid(data: bytes) -> str:
    """The CIDv1 of raw bytes with a sha2-256 multihash, in base32 (multibase "b"), as a PDS names a blob."""
    digest = bytes([0x01, 0x55, 0x12, 0x20]) + hashlib.sha256(data).digest()
    return "b" + base64.b32encode(digest).decode().lower().rstrip("=")
