"""The message source of event webhooks (issue 16): per claimed row, the signed call to its endpoint.

A row of an event's campaign (kind "event") names its endpoint (recipient_id) on the hook channel. The
event's body is built once per batch, `{"type", "timestamp", "data"}`, the same bytes on every attempt;
each endpoint's secret is unsealed here (channels.vault), so the channel never reads the database. A
removed or disabled endpoint gets nothing (the row is suppressed, saying why).
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from publisher.channels import Message, TransientError, WebhookCall
from publisher.channels.vault import Vault, WrongKey
from publisher.config import Settings
from publisher.delivery.claim import Claimed
from publisher.delivery.outcome import Unsendable
from publisher.store import Store
from publisher.store.automation import EventRow, WebhookEndpoint
from publisher.store.models import Campaign
from publisher.store.types import aware_utc

Built = Message | str | TransientError  # as delivery.sources has it


def webhook_id(event_id: int) -> str:
    """The `webhook-id` of an event's deliveries: the same on every retry and replay, for receivers to dedupe."""
    return f"evt_{event_id}"


def secret_name(endpoint_id: int) -> str:
    """The name an endpoint's secret is sealed under (the vault binds it: a copied ciphertext does not open)."""
    return f"webhook-endpoint:{endpoint_id}"


def event_body(event: EventRow) -> bytes:
    """The JSON an event is delivered as: its type, the time it happened (UTC, ISO 8601) and its data."""
    created = aware_utc(event.created_at).isoformat().replace("+00:00", "Z")
    document = {"type": event.type, "timestamp": created, "data": event.data}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")


class EventSource:
    """Builds each endpoint's call for one event's campaign; raises ConfigError without PUBLISHER_SECRET_KEY."""

    def __init__(self, session: Session, campaign: Campaign, settings: Settings) -> None:
        self.vault = Vault.from_settings(settings)
        event = session.scalar(select(EventRow).where(EventRow.delivery_campaign_id == campaign.id))
        self.event_id = event.id if event is not None else None
        self.body = event_body(event) if event is not None else b""

    def messages(self, store: Store, claimed: list[Claimed]) -> dict[int, Built]:
        """Per row: the call, or why not (the event erased with its reader, the endpoint removed or disabled)."""
        if self.event_id is None:
            return {row.id: "the event was erased" for row in claimed}
        with store.session() as session:
            endpoints = {
                e.id: (e.url, e.enabled, e.disabled_reason, e.sealed_secret)
                for e in session.scalars(
                    select(WebhookEndpoint).where(WebhookEndpoint.id.in_([row.recipient_id for row in claimed]))
                )
            }
        out: dict[int, Built] = {}
        for row in claimed:
            found = endpoints.get(row.recipient_id)
            if found is None:
                out[row.id] = "the webhook endpoint was removed"
                continue
            url, enabled, reason, sealed = found
            if not enabled:
                out[row.id] = f"the webhook endpoint is disabled: {reason or 'by the editor'}"
                continue
            try:
                secret = self.vault.open(secret_name(row.recipient_id), sealed)
            except WrongKey as exc:
                out[row.id] = Unsendable(str(exc))
                continue
            host = urlsplit(url).hostname or ""
            call_id = webhook_id(self.event_id)
            out[row.id] = WebhookCall(url=url, body=self.body, webhook_id=call_id, secret=secret, host=host)
        return out
