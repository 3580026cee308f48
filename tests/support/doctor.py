"""A healthy installation for `publisher doctor`: SQLite migrated, the filesystem broker's folders, an SMTP
server, a DKIM key with its record, a base URL answering /healthz, a postal address."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fastapi import FastAPI

from publisher.config import Settings
from publisher.store import Store
from tests.support.dkim import make_dkim_key
from tests.support.smtp import SmtpServer
from tests.support.web import LiveServer


def healthz_app() -> FastAPI:
    app = FastAPI()

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


@contextmanager
def base_url_answering() -> Iterator[str]:
    server = LiveServer(healthz_app()).start()
    try:
        yield server.url
    finally:
        server.stop()


def healthy_environment(data: Path, smtp: SmtpServer, base_url: str) -> tuple[dict[str, str], bytes]:
    """PUBLISHER_* variables of a working installation, and the DKIM record DNS would publish for it."""
    data.mkdir(parents=True, exist_ok=True)
    key, record = make_dkim_key(data)
    env = {
        "PUBLISHER_DATA_DIR": str(data),
        "PUBLISHER_BASE_URL": base_url,
        "PUBLISHER_SMTP_HOST": smtp.host,
        "PUBLISHER_SMTP_PORT": str(smtp.port),
        "PUBLISHER_DKIM_KEY_PATH": str(key),
        "PUBLISHER_DKIM_SELECTOR": "mail",
        "PUBLISHER_POSTAL_ADDRESS": "1 Main Street, Springfield",
    }
    settings = Settings(**{k.removeprefix("PUBLISHER_").lower(): v for k, v in env.items()})
    Store(settings.resolved_database_url).dispose()  # created and migrated, as `publisher db upgrade` does
    for sub in ("queue", "control"):
        (settings.broker_dir / sub).mkdir(parents=True)
    return env, record
