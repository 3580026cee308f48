"""Webhook endpoints (issue 16): the URLs subscribed to event types, each with its own signing secret.

A secret is generated here (`whsec_` + base64 of 32 random bytes, as Standard Webhooks has it), shown once
(returned by add_endpoint and rotate_secret), and stored sealed with PUBLISHER_SECRET_KEY like the editor's
channel accounts (channels.vault), bound to the endpoint's id; it is never logged, listed or rendered again.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from publisher.channels.vault import Vault
from publisher.channels.webhook import SECRET_PREFIX
from publisher.config import Settings
from publisher.delivery.events import secret_name
from publisher.errors import ConfigError, NotFound, PublisherError
from publisher.states import EventType
from publisher.store import Store
from publisher.store.automation import WebhookEndpoint
from publisher.store.models import utcnow
from publisher.store.progress import rows_changed

ALL = "*"
MAX_URL = 2000


@dataclass(frozen=True)
class Endpoint:
    """An endpoint as the editor, the API and the CLI show it: never its secret."""

    id: int
    url: str
    event_types: list[str]
    enabled: bool
    disabled_reason: str | None
    description: str
    created_at: datetime

    def subscribed(self, event_type: str) -> bool:
        return ALL in self.event_types or event_type in self.event_types


def new_secret() -> str:
    """A fresh signing secret: `whsec_` and 32 random bytes in base64 (what receivers' libraries expect)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def check_url(url: str) -> str:
    """An endpoint URL as stored: http(s), with a host, one line; a PublisherError naming the problem."""
    url = url.strip()
    if not url:
        raise PublisherError("a webhook endpoint needs a URL, such as https://hooks.example.org/publisher")
    if len(url) > MAX_URL or any(c.isspace() for c in url):
        raise PublisherError(f"webhook URL must be one line without spaces, of at most {MAX_URL} characters")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise PublisherError(f"webhook URL {url!r} must start with https:// (or http://)")
    if not parts.hostname:
        raise PublisherError(f"webhook URL {url!r} has no host")
    return url


def check_event_types(types: Iterable[str]) -> list[str]:
    """The event types as stored: known EventType values, or ["*"] for every type; unknown ones are named."""
    chosen = sorted({t.strip() for t in types if t.strip()})
    if not chosen:
        raise PublisherError(f"choose at least one event type ({ALL} for every type)")
    if ALL in chosen:
        return [ALL]
    known = {t.value for t in EventType}
    unknown = [t for t in chosen if t not in known]
    if unknown:
        named, listed = ", ".join(map(repr, unknown)), ", ".join(sorted(known))
        raise PublisherError(f"unknown event type {named}; known: {listed} ({ALL} for every type)")
    return chosen


def add_endpoint(
    store: Store, settings: Settings, url: str, event_types: Iterable[str], description: str = ""
) -> tuple[int, str]:
    """Subscribe a URL to event types; returns its id and its secret, which is shown this once."""
    url, types = check_url(url), check_event_types(event_types)
    vault = Vault.from_settings(settings)  # no PUBLISHER_SECRET_KEY: refused before anything is stored
    secret = new_secret()
    with store.session() as session:
        row = WebhookEndpoint(url=url, sealed_secret="", event_types=types, description=description.strip()[:300])
        session.add(row)
        session.flush()
        row.sealed_secret = vault.seal(secret_name(row.id), secret)
        return row.id, secret


def rotate_secret(store: Store, settings: Settings, endpoint_id: int) -> str:
    """A new secret for the endpoint (the old one stops signing at once); returned this once."""
    vault = Vault.from_settings(settings)
    secret = new_secret()
    with store.session() as session:
        row = _get(session, endpoint_id)
        row.sealed_secret = vault.seal(secret_name(row.id), secret)
    return secret


def set_enabled(store: Store, endpoint_id: int, enabled: bool) -> None:
    """Enable (clearing why it was disabled) or disable an endpoint; a disabled one is sent nothing."""
    with store.session() as session:
        row = _get(session, endpoint_id)
        row.enabled = enabled
        row.disabled_reason = None if enabled else f"disabled by the editor at {utcnow():%Y-%m-%d %H:%M} UTC"


def remove_endpoint(store: Store, endpoint_id: int) -> None:
    """Forget an endpoint; its queued deliveries are not sent (they are suppressed, saying why)."""
    with store.session() as session:
        if not rows_changed(session, delete(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id)):
            raise NotFound(f"no webhook endpoint with id {endpoint_id}")


def rekey(store: Store, old_secret: str, settings: Settings) -> int:
    """Re-seal every endpoint's secret from the old PUBLISHER_SECRET_KEY to the current one, all or nothing
    (as `publisher channels rekey` does for accounts; a secret already under the new key is kept)."""
    new, old = Vault.from_settings(settings), Vault(old_secret)
    with store.session() as session:
        rows = list(session.scalars(select(WebhookEndpoint).with_for_update()))
        for row in rows:
            name = secret_name(row.id)
            try:
                plain = old.open(name, row.sealed_secret)
            except ConfigError:
                plain = new.open(name, row.sealed_secret)  # already rekeyed; WrongKey if neither opens it
            row.sealed_secret = new.seal(name, plain)
        return len(rows)


def list_endpoints(store: Store) -> list[Endpoint]:
    """Every endpoint, oldest first."""
    with store.session() as session:
        return [_view(row) for row in session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id))]


def get_endpoint(store: Store, endpoint_id: int) -> Endpoint:
    with store.session() as session:
        return _view(_get(session, endpoint_id))


def _get(session: Session, endpoint_id: int) -> WebhookEndpoint:
    row = session.get(WebhookEndpoint, endpoint_id)
    if row is None:
        raise NotFound(f"no webhook endpoint with id {endpoint_id}")
    return row


def _view(row: WebhookEndpoint) -> Endpoint:
    return Endpoint(
        row.id, row.url, list(row.event_types), row.enabled, row.disabled_reason, row.description, row.created_at
    )
