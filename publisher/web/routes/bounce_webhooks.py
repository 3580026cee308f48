"""Bounce webhooks: reports pushed by an MTA or a provider, authenticated, read into publisher.bounces."""

from __future__ import annotations

import hmac
import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from publisher import bounces
from publisher.config import Settings
from publisher.store import Store
from publisher.web import limits
from publisher.web.deps import get_settings, get_store

router = APIRouter(route_class=limits.JsonTextRoute)


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def _in_thread(func: Any, *args: Any, **kwargs: Any) -> Any:
    """Run blocking store work off the event loop."""
    return await run_in_threadpool(func, *args, **kwargs)


def _authorized(request: Request, settings: Settings) -> bool:
    secret = settings.bounce_webhook_secret.get_secret_value() if settings.bounce_webhook_secret else ""
    given = request.headers.get("authorization", "")  # latin-1 decoded: any byte may be in it
    scheme, _, value = given.partition(" ")
    return (
        bool(secret)
        and scheme.lower() == "bearer"
        and hmac.compare_digest(value.strip().encode("utf-8", "replace"), secret.encode("utf-8"))
    )


@router.post("/webhooks/bounces", max_body_size=limits.BOUNCE)
async def bounce_webhook(request: Request) -> Response:
    """Bounces pushed by an MTA or provider: a raw DSN / ARF message, or JSON {email, kind, status, ...}.

    Needs `Authorization: Bearer $PUBLISHER_BOUNCE_WEBHOOK_SECRET`; without that setting the endpoint is off.
    """
    settings, store = get_settings(request), get_store(request)
    if settings.bounce_webhook_secret is None:
        return JSONResponse({"error": "the bounce webhook is not enabled"}, status_code=404)
    if not _authorized(request, settings):
        return JSONResponse({"error": "missing or wrong bearer token"}, status_code=401)
    body = await request.body()  # at most limits.BOUNCE: a larger body is a 413 while it streams in
    source = f"webhook:{_client(request)}"
    if request.headers.get("content-type", "").split(";")[0].strip() == "application/json":
        try:
            reports = _json_reports(body)
        except ValueError as exc:
            return JSONResponse({"error": f"bad bounce JSON: {exc}"}, status_code=422)
        outcomes = await _in_thread(_record_all, store, settings, reports, source)
    else:
        outcomes = await _in_thread(bounces.ingest_message, store, settings, body, source=source)
    ignored = [o.why for o in outcomes if o == "ignored"]
    return JSONResponse({"recorded": len(outcomes), "outcomes": outcomes, "ignored": ignored})


_JSON_FIELDS = {
    "email": True,
    "kind": False,
    "reason": False,
    "status": False,
    "reply_code": False,
    "diagnostic": False,
    "message_id": False,
}
# What a provider's own verdict means when nothing more specific says why (no reason, status or words).
_KIND_REASON = {"hard": "userunknown", "soft": "undefined", "complaint": "feedback"}


def _json_reports(body: bytes) -> list[bounces.BounceReport]:
    """The webhook's JSON, one object or a list; ValueError names the field that is missing or of the wrong type."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise ValueError("not valid JSON") from None
    where = limits.lone_surrogate_at(data)
    if where is not None:
        raise ValueError(f"{'.'.join(map(str, where)) or 'the body'} holds a lone surrogate, which is not text")
    items = data if isinstance(data, list) else [data]
    out = []
    for number, item in enumerate(items):
        if not isinstance(item, dict):
            raise ValueError(f"each bounce must be an object; item {number} is not")
        for name, required in _JSON_FIELDS.items():
            value = item.get(name)
            if (required and value is None) or (value is not None and not isinstance(value, str)):
                raise ValueError(f"{name!r} must be a string" + (" and is required" if required else " or null"))
        if item.get("id") is not None and not isinstance(item["id"], str | int):
            raise ValueError("'id' must be a string or a number")
        out.append(_json_report(item))
    return out


def _json_report(item: dict[str, Any]) -> bounces.BounceReport:
    """One JSON bounce: its reason as given, else decided from status and words, else from the provider's kind."""
    kind, reason = item.get("kind"), item.get("reason")
    if kind is not None and kind not in _KIND_REASON:
        raise ValueError(f"kind must be one of {', '.join(_KIND_REASON)}, not {kind[:40]!r}")
    if reason is not None and reason not in bounces.REASONS:
        raise ValueError(f"reason must be one of {', '.join(bounces.REASONS)}, not {reason[:40]!r}")
    if kind is None and reason is None:
        raise ValueError("give 'reason' (or at least 'kind': hard, soft or complaint)")
    status, reply_code, diagnostic = item.get("status"), item.get("reply_code"), item.get("diagnostic")
    verdict = bounces.classify(status, reply_code, diagnostic, action="failed") if status or diagnostic else None
    if reason is None:
        given = _KIND_REASON[str(kind)]
        vague = verdict is None or verdict.reason in ("undefined", "onhold") or kind == "complaint"
        reason = given if vague or verdict is None else verdict.reason
    found = bounces.Found(
        email=item["email"], status=status, reply_code=reply_code, diagnostic=diagnostic, reason=reason
    )
    report = bounces.verdict_report(
        found,
        format="json",
        message_id=item.get("message_id"),
        report_id=str(item["id"]) if item.get("id") is not None else None,
    )
    if report is None:
        raise ValueError(f"a {reason} report is not a bounce")
    return report


def _record_all(
    store: Store, settings: Settings, reports: list[bounces.BounceReport], source: str
) -> list[bounces.Outcome]:
    """JSON from the provider, authenticated by the secret: a bare address is believed, a message_id checked."""
    with store.session() as session:
        return [bounces.record(session, settings, r, source=source, trusted=True) for r in reports]
