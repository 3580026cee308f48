"""The broker and the workers, asked whether they are there (for `publisher doctor`, through runtime)."""

from __future__ import annotations

from kombu import Connection

from publisher.config import Settings
from workers.app import celery_config, create_app


def broker_location(settings: Settings) -> str:
    """The broker URL with its password hidden."""
    return str(Connection(settings.resolved_broker_url).as_uri())


def broker_problem(settings: Settings, timeout: float) -> str | None:
    """Why the broker cannot be connected to within timeout, or None when it can (a server broker)."""
    config = celery_config(settings)
    connection = Connection(
        config["broker_url"], connect_timeout=timeout, transport_options=config["broker_transport_options"]
    )
    try:
        connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=timeout)
    except Exception as exc:  # noqa: BLE001 - kombu raises the transport's own errors
        return f"{type(exc).__name__}: {exc}".strip()
    finally:
        connection.release()
    return None


def ping_workers(settings: Settings, timeout: float) -> list[str]:
    """The names of the workers that answered a Celery ping within timeout (broadcast: not on filesystem)."""
    app = create_app(settings)
    try:
        replies = app.control.ping(timeout=timeout)
    finally:
        app.close()
    return sorted(name for reply in replies for name in reply)
