"""A fake webhook receiver: Standard Webhooks signatures."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

from tests.support.fakes.base import FakeServer, Reply


class FakeWebhook(FakeServer):
    """Any POST path: checks the Standard Webhooks headers and signature (within 5 minutes) and a JSON body."""

    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret = secret
        self.paths: list[str] = []

    def handle(self, method: str, path: str, query: dict[str, str], headers: Any, body: bytes) -> Any:
        if method != "POST":
            raise Reply(405, {"error": "POST only"})
        msg_id, timestamp = headers.get("webhook-id"), headers.get("webhook-timestamp", "0")
        signatures = headers.get("webhook-signature", "").split(" ")
        if not msg_id or abs(time.time() - int(timestamp)) > 300:
            raise Reply(400, {"error": "missing webhook-id or stale webhook-timestamp"})
        key = base64.b64decode(self.secret.removeprefix("whsec_"))
        expected = base64.b64encode(
            hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
        ).decode()
        if not any(s.startswith("v1,") and hmac.compare_digest(s[3:], expected) for s in signatures):
            raise Reply(401, {"error": "bad webhook signature"})
        mode = self.scripted()
        if mode == "rate_limit":
            raise Reply(429, {"error": "slow down"}, {"Retry-After": str(self.rate_limit_wait)})
        self.paths.append(path)
        self.posts.append({"id": msg_id, "payload": json.loads(body), "path": path})
        return None
