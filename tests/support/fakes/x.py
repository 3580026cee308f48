"""A fake X API: v2 posts, the credentials check and the v2 media endpoints, with OAuth 1.0a user context."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import quote

from tests.support.fakes.base import FakeServer, Reply, sniff


def _pct(value: str) -> str:
    return quote(value, safe="~-._")


class FakeX(FakeServer):
    """POST /2/tweets (and GET /2/users/me) with OAuth 1.0a (HMAC-SHA1) user context, checked against the public URL.

    Checks: the signature over method, https://api.twitter.com/2/tweets and the oauth_* parameters, with
    the consumer secret and token secret; the consumer key and access token; a timestamp within 5 minutes;
    a nonce never seen before; a JSON body with a text of at most 280 weighted characters. Posting the
    same text twice answers 403 duplicate, as X does.

    Media, as the v2 API has it (docs.x.com/x-api/media): `POST /2/media/upload` (JSON: base64 `media`,
    `media_category` tweet_image, an image `media_type` the bytes really are, at most 5 MB) answers
    `{"data": {"id", "media_key", "size", "expires_after_secs", "image"}}`; `POST /2/media/metadata/create`
    (`{"id", "metadata": {"alt_text": {"text"}}}`, at most 1,000 characters, a media id it issued) answers
    `{"data": {"id", "associated_metadata": {...}}}`; a tweet's `media.media_ids` must be at most 4 ids it
    issued (400 otherwise). Both are signed like a post.

    A reply (a thread's later part) is a post with `reply.in_reply_to_tweet_id`, a post id as a string; X
    answers 403 "You attempted to reply to a Tweet that is deleted or not visible to you." for an id it does
    not hold. Each accepted reply records the id it replies to (`in_reply_to`; a first post has no such key).
    """

    IMAGE_LIMIT = 5 * 1024 * 1024
    IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp", "image/bmp", "image/pjpeg", "image/tiff")

    def __init__(self, consumer_key: str, consumer_secret: str, access_token: str, access_secret: str) -> None:
        super().__init__()
        self.keys = (consumer_key, consumer_secret, access_token, access_secret)
        self._nonces: set[str] = set()
        self._next_id = 1790000000000000000
        self.credential_checks = 0
        self.media: dict[str, dict[str, Any]] = {}  # media id -> {"type", "size", "data", "alt"}

    def _verify_oauth(self, method: str, path: str, query: dict[str, str], headers: Any) -> None:
        auth = headers.get("Authorization", "")
        if not auth.startswith("OAuth "):
            raise Reply(401, {"title": "Unauthorized", "detail": "no OAuth header", "status": 401})
        params = {}
        for item in auth[6:].split(","):
            key, _, value = item.strip().partition("=")
            params[key] = _unquote(value.strip('"'))
        consumer_key, consumer_secret, token, token_secret = self.keys
        signature = params.pop("oauth_signature", "")
        if params.get("oauth_consumer_key") != consumer_key or params.get("oauth_token") != token:
            raise Reply(401, {"title": "Unauthorized", "detail": "unknown consumer key or token", "status": 401})
        if params.get("oauth_signature_method") != "HMAC-SHA1" or params.get("oauth_version", "1.0") != "1.0":
            raise Reply(401, {"title": "Unauthorized", "detail": "unsupported signature method", "status": 401})
        if abs(time.time() - int(params.get("oauth_timestamp", "0"))) > 300:
            raise Reply(401, {"title": "Unauthorized", "detail": "stale timestamp", "status": 401})
        nonce = params.get("oauth_nonce", "")
        if not nonce or nonce in self._nonces:
            raise Reply(401, {"title": "Unauthorized", "detail": "nonce reused", "status": 401})
        self._nonces.add(nonce)
        # The signature covers the public URL the client signed, whatever route brought it here.
        host = headers.get("Host", "api.twitter.com")
        base_uri = f"https://{host}{path}"
        pairs = sorted((_pct(k), _pct(v)) for k, v in [*params.items(), *query.items()])
        normalized = "&".join(f"{k}={v}" for k, v in pairs)
        base = "&".join([method.upper(), _pct(base_uri), _pct(normalized)])
        key = f"{_pct(consumer_secret)}&{_pct(token_secret)}".encode()
        expected = base64.b64encode(hmac.new(key, base.encode(), hashlib.sha1).digest()).decode()
        if not hmac.compare_digest(expected, signature):
            raise Reply(401, {"title": "Unauthorized", "detail": "bad OAuth signature", "status": 401})

    def handle(self, method: str, path: str, query: dict[str, str], headers: Any, body: bytes) -> Any:
        if (method, path) == ("GET", "/2/users/me"):  # the credentials check: signed like a post, posts nothing
            self._verify_oauth(method, path, query, headers)
            self.credential_checks += 1
            return {"data": {"id": "2244994945", "name": "The Test Desk", "username": "testdesk"}}
        if (method, path) == ("POST", "/2/media/upload"):
            self._verify_oauth(method, path, query, headers)
            return self._upload(body)
        if (method, path) == ("POST", "/2/media/metadata/create"):
            self._verify_oauth(method, path, query, headers)
            return self._metadata(body)
        if (method, path) != ("POST", "/2/tweets"):
            raise Reply(404, {"title": "Not Found"})
        self._verify_oauth(method, path, query, headers)
        mode = self.scripted()
        if mode == "rate_limit":
            reset = int(time.time()) + self.rate_limit_wait
            raise Reply(
                429,
                {"title": "Too Many Requests", "detail": "Too Many Requests", "status": 429},
                {"x-rate-limit-limit": "100", "x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)},
            )
        data = json.loads(body or b"{}")
        text = data.get("text", "")
        from twitter_text import parse_tweet  # the reference implementation, not publisher.textrules

        if not text or not parse_tweet(text).valid:
            raise Reply(400, {"title": "Invalid Request", "detail": "text is empty or too long", "status": 400})
        media_ids = [str(m) for m in (data.get("media") or {}).get("media_ids", [])]
        if len(media_ids) > 4:  # the request schema's media.media_ids: 1 to 4 items
            raise Reply(400, _invalid("$.media.media_ids: size must be between 1 and 4"))
        if any(m not in self.media for m in media_ids):
            raise Reply(400, _invalid("Your media IDs are invalid."))
        reply = data.get("reply")
        in_reply_to = reply.get("in_reply_to_tweet_id") if isinstance(reply, dict) else None
        if reply is not None and not isinstance(in_reply_to, str):
            raise Reply(400, _invalid("reply.in_reply_to_tweet_id must be a post id (a string)"))
        if in_reply_to is not None and all(p["id"] != in_reply_to for p in self.posts):
            raise Reply(
                403,
                {
                    "detail": "You attempted to reply to a Tweet that is deleted or not visible to you.",
                    "type": "about:blank",
                    "title": "Forbidden",
                    "status": 403,
                },
            )
        if mode == "duplicate" or any(p["text"] == text for p in self.posts):
            raise Reply(
                403,
                {
                    "detail": "You are not allowed to create a Tweet with duplicate content.",
                    "type": "about:blank",
                    "title": "Forbidden",
                    "status": 403,
                },
            )
        self._next_id += 1
        accepted = {"id": str(self._next_id), "text": text, "media": [self.media[m] for m in media_ids]}
        self.posts.append(accepted if in_reply_to is None else {**accepted, "in_reply_to": in_reply_to})
        return {"data": {"id": str(self._next_id), "text": text, "edit_history_tweet_ids": [str(self._next_id)]}}

    def _upload(self, body: bytes) -> Any:
        self.media_scripted()
        try:
            data = json.loads(body or b"{}")
            raw = base64.b64decode(data.get("media") or "", validate=True)
        except ValueError:
            raise Reply(400, _invalid("media must be the file's bytes in base64")) from None
        kind = data.get("media_type")
        if data.get("media_category") != "tweet_image" or kind not in self.IMAGE_TYPES:
            raise Reply(400, _invalid("media_category must be tweet_image and media_type an image type"))
        if not raw or sniff(raw) != kind:
            raise Reply(400, _invalid(f"the media is not a {kind}"))
        if len(raw) > self.IMAGE_LIMIT:
            raise Reply(400, _invalid("File size exceeds 5242880 bytes"))
        self._next_id += 1
        media_id = str(self._next_id)
        self.media[media_id] = {"type": kind, "size": len(raw), "data": raw, "alt": None}
        return {
            "data": {
                "id": media_id,
                "media_key": f"3_{media_id}",
                "size": len(raw),
                "expires_after_secs": 86400,
                "image": {"image_type": kind},
            }
        }

    def _metadata(self, body: bytes) -> Any:
        data = json.loads(body or b"{}")
        media_id = str(data.get("id", ""))
        text = ((data.get("metadata") or {}).get("alt_text") or {}).get("text")
        if media_id not in self.media:
            raise Reply(400, _invalid(f"media {media_id!r} not found"))
        if not isinstance(text, str) or len(text) > 1000:
            raise Reply(400, _invalid("alt_text.text must be at most 1000 characters"))
        self.media[media_id]["alt"] = text
        return {"data": {"id": media_id, "associated_metadata": {"alt_text": {"text": text}}}}


def _invalid(message: str) -> dict[str, Any]:
    return {
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": "https://api.twitter.com/2/problems/invalid-request",
        "errors": [{"message": message}],
    }


def _unquote(value: str) -> str:
    from urllib.parse import unquote

    return unquote(value)
