"""The webhook channel: a JSON POST with httpx, signed per Standard Webhooks (webhook-id, -timestamp, -signature).

Variants: `standard` (an `article.shared` event carrying title, summary, url, text and html), `slack`
(incoming-webhook `text` + blocks) and `discord` (`content` + an embed). The signature is
`v1,` + base64(HMAC-SHA256(key, f"{id}.{timestamp}.{body}")), where the key is the base64 part of a
`whsec_...` secret; `webhook-id` is the post's idempotency key, the same on every retry, so a receiver
can drop duplicates.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import urlsplit

import httpx

from publisher.channels.account import Account
from publisher.channels.base import Message, PermanentError, Post, Result
from publisher.channels.http import HttpAnswer, HttpChannel, NoAnswer, Wording

SECRET_PREFIX = "whsec_"


def signing_key(secret: str) -> bytes:
    """The HMAC key for a Standard Webhooks secret (`whsec_` + base64), or the raw bytes of any other secret."""
    if secret.startswith(SECRET_PREFIX):
        return base64.b64decode(secret[len(SECRET_PREFIX) :])
    return secret.encode("utf-8")


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` header value."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(signing_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def payload(post: Post, variant: str) -> dict[str, Any]:
    """The JSON body for one variant."""
    if variant == "slack":
        return {
            "text": post.text,
            "blocks": [
                {"type": "section", "text": {"type": "mrkdwn", "text": f"*<{post.url}|{_slack(post.title)}>*"}},
                {"type": "section", "text": {"type": "plain_text", "text": post.summary or post.title}},
            ],
        }
    if variant == "discord":
        return {
            "content": post.text[:2000],
            "embeds": [{"title": post.title[:256], "description": post.summary[:4096], "url": post.url}],
            "allowed_mentions": {"parse": []},
        }
    return {
        "type": "article.shared",
        "timestamp": datetime.now(UTC).isoformat(),
        "data": {
            "title": post.title,
            "summary": post.summary,
            "url": post.url,
            "text": post.text,
            "html": post.extra.get("html", ""),
        },
    }


def _slack(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class WebhookChannel(HttpChannel):
    """POSTs each post to one URL; 2xx is sent, 429/5xx/timeouts retry, other answers fail."""

    network = "webhook"
    wording: ClassVar[Wording] = Wording(forbidden="refused", refused="refused")

    def __init__(
        self, account: Account, *, timeout: float = 20.0, transport: httpx.BaseTransport | None = None
    ) -> None:
        super().__init__(account, timeout=timeout)
        self.client = httpx.Client(timeout=timeout, transport=transport, follow_redirects=False)

    @property
    def who(self) -> str:
        return f"webhook {self.name!r} ({self.account.host})"

    def send(self, message: Message) -> Result:
        post = self.post_of(message)
        body = json.dumps(payload(post, self.account.variant), ensure_ascii=False).encode("utf-8")
        msg_id = f"msg_{post.idempotency_key}"
        timestamp = int(time.time())
        headers = {"content-type": "application/json", "webhook-id": msg_id, "webhook-timestamp": str(timestamp)}
        if "signing_secret" in self.account.secrets:
            headers["webhook-signature"] = sign(self.account.secret("signing_secret"), msg_id, timestamp, body)
        try:
            response = self.client.post(self.account.secret("url"), content=body, headers=headers)
        except httpx.InvalidURL:
            raise PermanentError(f"{self.who}: the account's URL is not a valid URL") from None
        except httpx.TransportError as exc:
            outcome = NoAnswer(timed_out=isinstance(exc, httpx.TimeoutException), detail=type(exc).__name__)
            raise self.failure(outcome) from None
        if response.is_success:
            return Result(status="sent", provider_id=msg_id, url=_url_in(response))
        raise self.failure(_answer(response))

    def secrets(self) -> list[str]:
        """The account's secrets and the path of its URL on its own: Slack and Discord keep tokens there."""
        path = urlsplit(self.account.secret("url")).path
        return [*super().secrets(), *([path] if len(path) > 1 else [])]

    def close(self) -> None:
        self.client.close()


def _answer(response: httpx.Response) -> HttpAnswer:
    """A receiver's refusal; for 401/403 a hint instead of its words, which may echo the URL."""
    status = response.status_code
    detail = "check the URL and signing secret" if status in (401, 403) else response.text[:200]
    return HttpAnswer(status=status, detail=detail, headers=dict(response.headers))


def _url_in(response: httpx.Response) -> str | None:
    """A receiver may answer with the URL of what it created ({"url": ...}); most answer nothing useful."""
    try:
        data = response.json()
    except ValueError:
        return None
    url = data.get("url") if isinstance(data, dict) else None
    return url if isinstance(url, str) and url.startswith(("http://", "https://")) else None
