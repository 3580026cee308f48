"""A fake Mastodon instance: statuses with idempotency keys, the credentials check and the media endpoints."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

from tests.support.fakes.base import GRAPHEME, URL, FakeServer, Reply, multipart, sniff


class FakeMastodon(FakeServer):
    """POST /api/v1/statuses (and GET /api/v1/accounts/verify_credentials) with a bearer token.

    Checks: the bearer token; a status of at most `max_characters` (500) characters, graphemes with each
    URL as `characters_reserved_per_url` (23); an Idempotency-Key, and a repeated key returns the first
    status without posting again (as Mastodon does for an hour).

    `GET /api/v2/instance` answers without a token, as Mastodon does (outside limited-federation mode), with
    the Instance entity of docs.joinmastodon.org/entities/Instance: domain, title, version, ..., and its
    `configuration` (urls, accounts, statuses with max_characters, max_media_attachments and
    characters_reserved_per_url, media_attachments, polls, translation) as the instance is set up.

    Media, as docs.joinmastodon.org/methods/media documents it: `POST /api/v2/media` (multipart `file` with
    a MIME type the bytes really are, `description` of at most 1,500 characters, at most 16 MB: 422
    otherwise) answers 200 with the attachment's `url` (an image, processed at once since 4.0), or, scripted
    "processing", 202 with `url` null; `GET /api/v1/media/:id` answers 206 while it processes (for
    `processing_polls` checks), then 200. A status's `media_ids` (at most 4: 422 "Cannot attach more than 4
    files.") must be the account's unattached uploads (422 "... not found") that finished processing (422
    "Cannot attach files that have not finished processing. Try again in a moment!").

    A reply (a thread's later part) names the status it answers in `in_reply_to_id`: a status of this
    instance, else 404 "Record not found" (as StatusesController#create's Status.find); the Status answered
    carries `in_reply_to_id` (null for a first post), and each accepted reply records it (`in_reply_to`).

    `GET /api/v1/statuses/:id` answers the Status entity (docs.joinmastodon.org/methods/statuses#get) with
    `replies_count`, `reblogs_count` and `favourites_count` (0 until a test calls `engage`), or 404
    "Record not found" for an id the instance does not hold.
    """

    IMAGE_LIMIT = 16 * 1024 * 1024
    processing_polls = 2
    max_characters = 500
    characters_reserved_per_url = 23
    instance_down = False  # /api/v2/instance answers 503

    def __init__(self, token: str, host: str = "social.example") -> None:
        super().__init__()
        self.token = token
        self.host = host
        self.idempotency_keys: list[str | None] = []
        self._by_key: dict[str, dict[str, Any]] = {}
        self.credential_checks = 0
        self.media: dict[str, dict[str, Any]] = {}  # id -> the attachment, with "data", "pending" and "attached"
        self.instance_requests = 0
        self._statuses: dict[str, dict[str, Any]] = {}  # id -> the Status entity, counts included
        self.status_reads = 0

    def handle(self, method: str, path: str, query: dict[str, str], headers: Any, body: bytes) -> Any:
        if (method, path.rstrip("/")) == ("GET", "/api/v2/instance"):
            self.instance_requests += 1
            if self.instance_down:
                raise Reply(503, {"error": "We're sorry, but something went wrong on our end."})
            return self._instance()
        if headers.get("Authorization") != f"Bearer {self.token}":
            raise Reply(401, {"error": "The access token is invalid"})
        if (method, path) == ("GET", "/api/v1/accounts/verify_credentials"):
            self.credential_checks += 1
            return {"id": "1", "username": "editor", "acct": "editor", "url": f"https://{self.host}/@editor"}
        if (method, path) == ("POST", "/api/v2/media"):
            return self._upload(headers, body)
        if method == "GET" and path.startswith("/api/v1/media/"):
            return self._media_status(path.rsplit("/", 1)[1])
        if method == "GET" and path.startswith("/api/v1/statuses/"):
            return self._status(path.rsplit("/", 1)[1])
        if (method, path) != ("POST", "/api/v1/statuses"):
            raise Reply(404, {"error": "Record not found"})
        return self._post_status(headers, body)

    def _post_status(self, headers: Any, body: bytes) -> Any:
        mode = self.scripted()
        if mode == "rate_limit":
            reset = datetime.now(UTC) + timedelta(seconds=self.rate_limit_wait)
            raise Reply(
                429,
                {"error": "Too many requests"},
                {
                    "X-RateLimit-Limit": "300",
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset": reset.isoformat().replace("+00:00", "Z"),
                },
            )
        key = headers.get("Idempotency-Key")
        self.idempotency_keys.append(key)
        if key and key in self._by_key:
            return self._by_key[key]
        if headers.get("Content-Type", "").startswith("application/json"):
            form = json.loads(body)
            media_ids = [str(i) for i in form.get("media_ids") or []]
        else:
            pairs = parse_qsl(body.decode())
            form = dict(pairs)
            media_ids = [v for k, v in pairs if k in ("media_ids[]", "media_ids")]
        text = form.get("status", "")
        in_reply_to = str(form["in_reply_to_id"]) if form.get("in_reply_to_id") not in (None, "") else None
        if in_reply_to is not None and all(p["id"] != in_reply_to for p in self.posts):
            raise Reply(404, {"error": "Record not found"})
        counted = len(GRAPHEME.findall(URL.sub("x" * self.characters_reserved_per_url, text)))
        if not text or counted > self.max_characters:
            most = self.max_characters
            raise Reply(422, {"error": f"Validation failed: Text character limit of {most} exceeded ({counted})"})
        if len(media_ids) > 4:  # configuration.statuses.max_media_attachments
            raise Reply(422, {"error": "Validation failed: Cannot attach more than 4 files."})
        attachments = self._attachable(media_ids)
        status_id = str(110000000000000000 + len(self.posts) + 1)
        status = {
            "id": status_id,
            "uri": f"https://{self.host}/users/editor/statuses/{status_id}",
            "url": f"https://{self.host}/@editor/{status_id}",
            "content": f"<p>{text}</p>",
            "visibility": form.get("visibility", "public"),
            "in_reply_to_id": in_reply_to,
            "in_reply_to_account_id": "1" if in_reply_to else None,
            "media_attachments": [_public(a) for a in attachments],
            "created_at": datetime.now(UTC).isoformat(),
            "account": {"id": "1", "username": "editor", "acct": "editor"},
            "replies_count": 0,
            "reblogs_count": 0,
            "favourites_count": 0,
        }
        for attachment in attachments:
            attachment["attached"] = True
        self.posts.append(
            {
                "id": status_id,
                "text": text,
                "idempotency_key": key,
                "form": form,
                "media": attachments,
            }
            | ({"in_reply_to": in_reply_to} if in_reply_to else {})
        )
        if key:
            self._by_key[key] = status
        self._statuses[status_id] = status
        return status

    def engage(self, status_id: str, *, favourites: int = 0, reblogs: int = 0, replies: int = 0) -> None:
        """What readers did with a status since: its counts as GET /api/v1/statuses/:id will show them."""
        status = self._statuses[status_id]
        status.update(favourites_count=favourites, reblogs_count=reblogs, replies_count=replies)

    def _status(self, status_id: str) -> Any:
        """GET /api/v1/statuses/:id: the Status entity with its counts, or 404 "Record not found"."""
        self.status_reads += 1
        if status_id not in self._statuses:
            raise Reply(404, {"error": "Record not found"})
        return self._statuses[status_id]

    def _instance(self) -> dict[str, Any]:
        """The Instance entity (v2) as Mastodon 4.x shows it, configured as this fake is."""
        return {
            "domain": self.host,
            "title": "Social Example",
            "version": "4.3.2",
            "source_url": "https://github.com/mastodon/mastodon",
            "description": "A test instance.",
            "usage": {"users": {"active_month": 1}},
            "thumbnail": {"url": f"https://{self.host}/packs/media/images/preview.png"},
            "languages": ["en"],
            "configuration": {
                "urls": {"streaming": f"wss://{self.host}", "status": None},
                "vapid": {"public_key": ""},
                "accounts": {"max_featured_tags": 10, "max_pinned_statuses": 5},
                "statuses": {
                    "max_characters": self.max_characters,
                    "max_media_attachments": 4,
                    "characters_reserved_per_url": self.characters_reserved_per_url,
                },
                "media_attachments": {
                    "supported_mime_types": ["image/jpeg", "image/png", "image/gif", "image/webp"],
                    "image_size_limit": self.IMAGE_LIMIT,
                    "image_matrix_limit": 33177600,
                    "video_size_limit": 103809024,
                    "video_frame_rate_limit": 120,
                    "video_matrix_limit": 8294400,
                },
                "polls": {
                    "max_options": 4,
                    "max_characters_per_option": 50,
                    "min_expiration": 300,
                    "max_expiration": 2629746,
                },
                "translation": {"enabled": False},
            },
            "registrations": {"enabled": False, "approval_required": False, "message": None},
            "contact": {"email": f"admin@{self.host}", "account": None},
            "rules": [],
        }

    def _upload(self, headers: Any, body: bytes) -> Any:
        if not headers.get("Content-Type", "").startswith("multipart/form-data"):
            raise Reply(422, {"error": "Validation failed: File can't be blank"})
        mode = self.media_scripted()
        parts = multipart(headers, body)
        data, kind = parts.get("file", (b"", None))
        if not data or kind is None:
            raise Reply(422, {"error": "Validation failed: File can't be blank"})
        if sniff(data) != kind:
            raise Reply(422, {"error": "Validation failed: File has contents that are not what they are reported"})
        if len(data) > self.IMAGE_LIMIT:
            raise Reply(422, {"error": "Validation failed: File file size must be less than 16 MB"})
        description = parts["description"][0].decode() if "description" in parts else None
        if description is not None and len(description) > 1500:
            raise Reply(422, {"error": "Validation failed: Description is too long (maximum is 1500 characters)"})
        media_id = str(22000000 + len(self.media) + 1)
        attachment = {
            "id": media_id,
            "type": "image",
            "url": None if mode == "processing" else f"https://{self.host}/system/media/{media_id}/original.png",
            "preview_url": f"https://{self.host}/system/media/{media_id}/small.png",
            "description": description,
            "data": data,
            "mime_type": kind,
            "pending": self.processing_polls if mode == "processing" else 0,
            "attached": False,
        }
        self.media[media_id] = attachment
        if mode == "processing":
            raise Reply(202, _public(attachment))
        return _public(attachment)

    def _media_status(self, media_id: str) -> Any:
        attachment = self.media.get(media_id)
        if attachment is None or attachment["attached"]:
            raise Reply(404, {"error": "Record not found"})
        if attachment["pending"] > 0:
            attachment["pending"] -= 1
            raise Reply(206, _public(attachment))
        attachment["url"] = f"https://{self.host}/system/media/{media_id}/original.png"
        return _public(attachment)

    def _attachable(self, media_ids: list[str]) -> list[dict[str, Any]]:
        missing = [i for i in media_ids if i not in self.media or self.media[i]["attached"]]
        if missing:
            ids = ", ".join(missing)
            raise Reply(422, {"error": f"Media with IDs {ids} not found or already attached to another post"})
        found = [self.media[i] for i in media_ids]
        if any(a["url"] is None for a in found):
            raise Reply(422, {"error": "Cannot attach files that have not finished processing. Try again in a moment!"})
        return found


def _public(attachment: dict[str, Any]) -> dict[str, Any]:
    """The MediaAttachment entity as the API shows it (without the fake's bookkeeping)."""
    return {k: v for k, v in attachment.items() if k not in ("data", "mime_type", "pending", "attached")}
