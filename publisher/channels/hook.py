"""The hook channel: event webhooks (issue 16), one signed JSON POST per delivery, to the URL delivery gives.

Unlike the webhook share channel (channels.webhook, one account's URL from the settings), the hook channel
has no account: each message (a WebhookCall) carries its endpoint's URL and secret, which delivery read
from the database (delivery.sources.EventSource); the channel never reads it. The request is signed per
Standard Webhooks with channels.webhook.sign: `webhook-id` is the event's id, the same on every retry and
replay; `webhook-timestamp` is this attempt's time; `webhook-signature` is `v1,<base64 HMAC-SHA256>`.

Answers are classified by channels.http.classify (2xx sent; 408, 429, 5xx and no answer retried with the
outbox's backoff; any other 4xx failed for good), and each outcome carries the receiver's status
(`http_status`), which delivery records on the row; a 410 Gone also disables the endpoint there.
"""

from __future__ import annotations

import time
from typing import Self

import httpx

from publisher.channels.account import Account
from publisher.channels.base import Channel, ChannelError, Message, PermanentError, Result, WebhookCall
from publisher.channels.http import HttpAnswer, NoAnswer, Wording, classify, redact
from publisher.channels.webhook import sign
from publisher.config import Settings

_WORDING = Wording(unauthorized="refused", forbidden="refused", refused="refused")


class HookChannel(Channel):
    """POSTs each WebhookCall to its URL, signed; follows no redirect (the secret's signature stays put)."""

    network = "hook"

    def __init__(
        self, name: str = "hook", *, timeout: float = 20.0, transport: httpx.BaseTransport | None = None
    ) -> None:
        self.name = name
        self.client = httpx.Client(timeout=timeout, transport=transport, follow_redirects=False)

    @classmethod
    def from_settings(cls, name: str, settings: Settings, account: Account | None) -> Self:
        return cls(name, timeout=settings.share_timeout)

    def send(self, message: Message) -> Result:
        if not isinstance(message, WebhookCall):
            raise PermanentError("the hook channel sends event webhooks, not emails or share posts")
        who = f"webhook endpoint on {message.host or 'its host'}"
        timestamp = int(time.time())
        headers = {
            "content-type": "application/json",
            "user-agent": "publisher-webhooks",
            "webhook-id": message.webhook_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(message.secret, message.webhook_id, timestamp, message.body),
        }
        try:
            response = self.client.post(message.url, content=message.body, headers=headers)
        except httpx.InvalidURL:
            raise PermanentError(f"{who}: the endpoint's URL is not a valid URL") from None
        except httpx.TransportError as exc:
            outcome = NoAnswer(timed_out=isinstance(exc, httpx.TimeoutException), detail=type(exc).__name__)
            raise classify(outcome, who) from None
        status = response.status_code
        if response.is_success:
            return Result(status="sent", provider_id=message.webhook_id, http_status=status)
        detail = "Gone: the endpoint asked to be removed" if status == 410 else response.text[:200]
        answer = HttpAnswer(status=status, detail=detail, headers=dict(response.headers))
        error: ChannelError = redact(classify(answer, who, _WORDING), [message.secret, message.url])
        error.http_status = status
        raise error

    def close(self) -> None:
        self.client.close()
