"""Bounce webhooks: reports pushed by an MTA or a provider, authenticated, read into publisher.bounces."""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from publisher import bounces
from publisher.bounces import providers
from publisher.config import Settings
from publisher.store import Store
from publisher.web import limits
from publisher.web.deps import get_settings, get_store
from publisher.web.security import bearer_matches

log = logging.getLogger(__name__)
router = APIRouter(route_class=limits.JsonTextRoute)


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def _in_thread(func: Any, *args: Any, **kwargs: Any) -> Any:
    """Run blocking store work off the event loop."""
    return await run_in_threadpool(func, *args, **kwargs)


def _authorized(request: Request, settings: Settings) -> bool:
    return bearer_matches(request, settings.bounce_webhook_secret)


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


# --- provider event webhooks (publisher.bounces.providers): each off (404) until its setting is given ---


def _record_verified(
    store: Store, settings: Settings, reports: list[bounces.BounceReport], source: str
) -> list[bounces.Outcome]:
    """Reports a provider authenticated: matched by Message-ID or VERP address when given, else by address."""
    return _record_all(store, settings, providers.settled(reports, settings), source)


def _answer(outcomes: list[bounces.Outcome], **extra: Any) -> JSONResponse:
    ignored = [o.why for o in outcomes if o == "ignored"]
    return JSONResponse({"recorded": len(outcomes), "outcomes": outcomes, "ignored": ignored, **extra})


def _refused(exc: providers.Refused, provider: str, request: Request) -> JSONResponse:
    log.warning("%s webhook post from %s refused: %s", provider, _client(request), exc)
    return JSONResponse({"error": str(exc)}, status_code=exc.status)


@router.post("/webhooks/bounces/ses", max_body_size=limits.BOUNCE)
async def ses_webhook(request: Request) -> Response:
    """Amazon SES notifications through SNS: the SNS signature and PUBLISHER_SES_TOPIC_ARNS checked."""
    settings, store = get_settings(request), get_store(request)
    if not settings.ses_topic_arn_list:
        return JSONResponse({"error": "the SES webhook is not enabled"}, status_code=404)
    fetch = getattr(request.app.state, "sns_fetch", None) or providers.sns.http_fetch
    body = await request.body()  # SNS posts text/plain: the JSON is read from the bytes whatever the type
    try:
        received = await _in_thread(providers.ses.receive, body, settings, fetch)
    except providers.Refused as exc:
        return _refused(exc, "SES", request)
    outcomes = await _in_thread(_record_verified, store, settings, received.reports, f"ses:{_client(request)}")
    return _answer(outcomes, type=received.type, confirmed=received.confirmed)


@router.post("/webhooks/bounces/sendgrid", max_body_size=limits.BOUNCE)
async def sendgrid_webhook(request: Request) -> Response:
    """SendGrid's Signed Event Webhook, verified with PUBLISHER_SENDGRID_WEBHOOK_PUBLIC_KEY."""
    settings, store = get_settings(request), get_store(request)
    if not settings.sendgrid_webhook_public_key:
        return JSONResponse({"error": "the SendGrid webhook is not enabled"}, status_code=404)
    body = await request.body()
    signature = request.headers.get(providers.sendgrid.SIGNATURE)
    timestamp = request.headers.get(providers.sendgrid.TIMESTAMP)
    try:
        reports = providers.sendgrid.receive(body, signature, timestamp, settings)
    except providers.Refused as exc:
        return _refused(exc, "SendGrid", request)
    return _answer(await _in_thread(_record_verified, store, settings, reports, f"sendgrid:{_client(request)}"))


@router.post("/webhooks/bounces/mailgun", max_body_size=limits.BOUNCE)
async def mailgun_webhook(request: Request) -> Response:
    """Mailgun's webhooks, signed with PUBLISHER_MAILGUN_WEBHOOK_SIGNING_KEY; replayed tokens refused."""
    settings, store = get_settings(request), get_store(request)
    if settings.mailgun_webhook_signing_key is None:
        return JSONResponse({"error": "the Mailgun webhook is not enabled"}, status_code=404)
    body = await request.body()
    try:
        reports, token, signed_at = providers.mailgun.receive(body, settings)
    except providers.Refused as exc:
        return _refused(exc, "Mailgun", request)
    outcomes = await _in_thread(_record_verified, store, settings, reports, f"mailgun:{_client(request)}")
    # Remembered once taken: a post that failed above is Mailgun's to retry with the same token.
    providers.mailgun.TOKENS.remember(token, signed_at, settings.provider_webhook_max_age)
    return _answer(outcomes)


@router.post("/webhooks/bounces/postmark", max_body_size=limits.BOUNCE)
async def postmark_webhook(request: Request) -> Response:
    """Postmark's bounce and spam complaint webhooks, with PUBLISHER_POSTMARK_WEBHOOK_USER/PASSWORD (Basic)."""
    settings, store = get_settings(request), get_store(request)
    if not settings.postmark_webhook_user or settings.postmark_webhook_password is None:
        return JSONResponse({"error": "the Postmark webhook is not enabled"}, status_code=404)
    body = await request.body()
    try:
        reports = providers.postmark.receive(body, request.headers.get("authorization"), settings)
    except providers.Refused as exc:
        response = _refused(exc, "Postmark", request)
        if exc.status == 401:
            response.headers["WWW-Authenticate"] = 'Basic realm="bounces"'
        return response
    return _answer(await _in_thread(_record_verified, store, settings, reports, f"postmark:{_client(request)}"))
