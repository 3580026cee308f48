"""Per-recipient message building: the naive path (render + premailer + EmailMessage) against ours."""

from __future__ import annotations

import time
from email.message import EmailMessage
from typing import Any

from benchmarks.common import SEED
from publisher.config import Settings
from publisher.importers import load
from publisher.render.email import render_digest
from publisher.render.mime import MessageTemplate, Recipient


def _rate(fn: Any, n: int) -> float:
    start = time.perf_counter()
    for i in range(n):
        fn(i)
    return n / (time.perf_counter() - start)


def run(settings: Settings) -> dict[str, float]:
    article = load(SEED)

    def naive(i: int) -> bytes:
        digest = render_digest([article], settings)  # Jinja2 + premailer, per recipient
        message = EmailMessage()
        message["From"] = settings.from_
        message["To"] = f"Reader {i} <reader{i}@example.com>"
        message["Subject"] = digest.subject
        message.set_content(digest.text.replace(digest.placeholder("NAME"), f"Reader {i}"))
        message.add_alternative(digest.html.replace(digest.placeholder("NAME"), f"Reader {i}"), subtype="html")
        return message.as_bytes()

    digest = render_digest([article], settings)
    template = MessageTemplate(
        digest, campaign_id=1, sender=settings.from_, base_url=settings.base_url, list_id="bench <bench.example>"
    )

    def ours(i: int) -> bytes:
        return template.build(Recipient(i, f"reader{i}@example.com", f"Reader {i}", f"token{i}"))

    naive_rate = _rate(naive, 200)
    ours_rate = _rate(ours, 20_000)
    return {
        "naive_build_msgs_per_s": round(naive_rate, 1),
        "mime_build_msgs_per_s_one_core": round(ours_rate, 1),
        "mime_build_vs_naive": round(ours_rate / naive_rate, 1),
        "digest_bytes": len(ours(0)),
    }
