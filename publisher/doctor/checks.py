"""The checks of storage, settings, the base URL, the media store and the social accounts."""

from __future__ import annotations

import secrets
from pathlib import Path

import httpx
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from publisher import publication
from publisher.channels import social_accounts
from publisher.channels.check import check_channel
from publisher.config import Settings
from publisher.doctor.findings import Finding, error, ok, warning
from publisher.errors import PublisherError
from publisher.media import open_store
from publisher.store import Store
from publisher.store.health import location
from publisher.store.session import SCHEMA_HEADS, current_revisions


def _is_sqlite(settings: Settings) -> bool:
    return make_url(settings.resolved_database_url).get_backend_name() == "sqlite"


def database(settings: Settings) -> tuple[Finding, Store | None]:
    """Reachable and at the newest revision; the Store (opened without migrating) only when both hold."""
    url = settings.resolved_database_url
    where = location(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and not Path(parsed.database).is_file():
        return error("database", "there is no database yet: run `publisher db upgrade`", where), None
    try:
        store = Store(url, migrate_schema=False)
    except (PublisherError, SQLAlchemyError, OSError) as exc:
        return error("database", f"cannot be opened: {_reason(exc)}", where), None
    try:
        with store.engine.connect() as conn:
            revisions = current_revisions(conn)
    except (PublisherError, SQLAlchemyError, OSError) as exc:
        store.dispose()
        return error("database", f"cannot be reached: {_reason(exc)}", where), None
    if revisions != SCHEMA_HEADS:
        store.dispose()
        at = ", ".join(sorted(revisions)) or "an empty schema"
        want = ", ".join(sorted(SCHEMA_HEADS))
        return error("database", f"reachable, but at {at}, not {want}: run `publisher db upgrade`", where), None
    read_only = "; read-only: nothing can be changed until it is writable" if store.read_only else ""
    verdict = warning if store.read_only else ok
    heads = ", ".join(sorted(SCHEMA_HEADS))
    return verdict("database", f"reachable, schema current ({heads}){read_only}", where), store


def _reason(exc: BaseException) -> str:
    """The driver's own first line, without the SQL (SQLAlchemy's `orig`; drivers never print a password)."""
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def secret_key(settings: Settings) -> Finding:
    if settings.secret_key is not None:
        return ok("secret key", "set with PUBLISHER_SECRET_KEY")
    if _is_sqlite(settings):
        return ok("secret key", "generated into the data directory (fine on one machine with SQLite)")
    return error(
        "secret key",
        "PUBLISHER_SECRET_KEY is not set: with a database server, every machine would sign links with its own key",
    )


def postal_address(settings: Settings, store: Store | None) -> Finding:
    address = settings.postal_address
    if store is not None:
        try:
            address = publication.load(store, settings).postal_address
        except (PublisherError, SQLAlchemyError):
            pass  # the database finding says why; the environment's value stands
    if address.strip():
        return ok("postal address", "set: printed in every mail's footer")
    return warning("postal address", "not set: anti-spam laws (CAN-SPAM) ask for one in every mail's footer")


def base_url(settings: Settings, timeout: float) -> Finding:
    url = f"{settings.base_url}/healthz"
    try:
        answer = httpx.get(url, timeout=timeout, follow_redirects=True)
    except httpx.HTTPError as exc:
        return warning("base URL", f"not reachable from this machine ({type(exc).__name__})", settings.base_url)
    if answer.status_code != 200:
        return warning("base URL", f"answered {answer.status_code} to /healthz, not 200", settings.base_url)
    return ok("base URL", "reachable: /healthz answered", settings.base_url)


def media(settings: Settings) -> Finding:
    """Put a probe object and remove it again."""
    try:
        store = open_store(settings)
        where = store.describe()
    except (PublisherError, OSError) as exc:
        return error("media store", "cannot be opened", str(exc))
    key = f"doctor-probe-{secrets.token_hex(6)}.txt"
    try:
        store.put(key, b"publisher doctor probe\n", "text/plain")
        store.delete(key)
    except (PublisherError, OSError) as exc:  # the reason names the folder or bucket: for the terminal only
        return error("media store", "not writable: a probe object could not be stored and removed", f"{where}: {exc}")
    return ok("media store", "writable: a probe was stored and removed", where)


def accounts(settings: Settings, timeout: float) -> list[Finding]:
    """Every social account signs in (Mastodon, X, Bluesky) or opens (webhooks); nothing is posted."""
    try:
        names = list(social_accounts(settings))
    except PublisherError as exc:
        return [error("social accounts", str(exc))]
    quick = settings.model_copy(update={"share_timeout": min(settings.share_timeout, timeout)})
    findings = []
    for name in names:
        result = check_channel(name, quick)
        findings.append((ok if result.ok else error)(f"account {name}", result.message))
    return findings or [ok("social accounts", "none configured")]
