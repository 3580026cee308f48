"""The composition root: settings, store, dispatcher and clock, built once per process.

Every process (the CLI callback, the web app's lifespan, a worker at start, the demo) calls build() once
and passes the Services down. This is the only module in publisher/ that imports workers/: everything
else gets a Dispatcher handed in, and tasks are sent by name. Celery is imported only when a command
first dispatches, so `publisher --help` and `publisher status` never load it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from publisher.clock import Clock, SystemClock
from publisher.config import Settings
from publisher.dispatcher import Dispatcher
from publisher.store import Store

if TYPE_CHECKING:  # pragma: no cover
    import subprocess
    from collections.abc import Callable
    from pathlib import Path

    from publisher.media import MediaStore

__all__ = [
    "Dispatcher",
    "Services",
    "broker_location",
    "broker_problem",
    "build",
    "celery_dispatcher",
    "ping_workers",
    "run_worker",
    "spawn_worker",
    "stop_worker",
]


def celery_dispatcher(settings: Settings) -> Dispatcher:
    """The production dispatcher: a Celery message per batch, sent by task name."""
    from workers.dispatch import CeleryDispatcher  # lazy: loads Celery; runtime is the one importer of workers/

    return CeleryDispatcher(settings)


@dataclass
class Services:
    """What every service function needs; build() makes one per process."""

    settings: Settings
    store: Store
    clock: Clock = field(default_factory=SystemClock)
    _dispatcher: Dispatcher | None = None
    _make_dispatcher: Callable[[Settings], Dispatcher] = celery_dispatcher
    _made_dispatcher: bool = False  # made here (so closed here), not injected
    _media: MediaStore | None = None

    @property
    def media(self) -> MediaStore:
        """The media store PUBLISHER_MEDIA_URL names, opened on first use (a bucket's client loads boto3)."""
        if self._media is None:
            from publisher.media import open_store

            self._media = open_store(self.settings)
        return self._media

    @media.setter
    def media(self, store: MediaStore | None) -> None:
        self._media = store

    @property
    def dispatcher(self) -> Dispatcher:
        """The dispatcher, made on first use (the Celery one loads Celery)."""
        if self._dispatcher is None:
            self._dispatcher = self._make_dispatcher(self.settings)
            self._made_dispatcher = True
        return self._dispatcher

    @dispatcher.setter
    def dispatcher(self, dispatcher: Dispatcher | None) -> None:
        """Use this dispatcher from now on (tests and embedders inject one; they close it); None: make one."""
        self.close_dispatcher()
        self._dispatcher = dispatcher

    @property
    def dispatcher_if_made(self) -> Dispatcher | None:
        """The dispatcher if one was injected or made, without making one."""
        return self._dispatcher

    def close_dispatcher(self) -> None:
        """Close the dispatcher made here (its broker connections), if any; an injected one is left to its owner."""
        if self._made_dispatcher:
            close = getattr(self._dispatcher, "close", None)
            if close is not None:
                close()
            self._dispatcher = None
            self._made_dispatcher = False

    def close(self) -> None:
        """At the end of the process's work: close the dispatcher made here and dispose of the store's engine."""
        self.close_dispatcher()
        from publisher.channels import stored  # lazy, as in build()

        stored.detach(self.store)
        self.store.dispose()


def build(
    settings: Settings | None = None,
    *,
    store: Store | None = None,
    dispatcher: Dispatcher | None = None,
    clock: Clock | None = None,
) -> Services:
    """The process's Services: from the environment's settings unless given; tests inject the parts."""
    settings = settings or Settings()
    store = store or Store(settings.resolved_database_url)
    # Accounts added in the editor live in this store: the registry lists them with PUBLISHER_ACCOUNTS'.
    # Imported here, not at the top: the registry loads every network declaration (start-up cost).
    from publisher.channels import stored

    stored.attach(store)
    return Services(settings=settings, store=store, clock=clock or SystemClock(), _dispatcher=dispatcher)


# Worker processes: started here so that nothing else in publisher/ imports workers/.


def run_worker(concurrency: int | None = None, loglevel: str = "INFO") -> None:
    """Run a Celery worker in this process for every queue (`publisher worker`); returns when it stops."""
    from workers.app import app as celery_app  # lazy: loads Celery, which only the worker needs
    from workers.app import worker_argv

    celery_app.worker_main(worker_argv(concurrency, loglevel))


def spawn_worker(env: dict[str, str], *, concurrency: int = 2, log_path: Path | None = None) -> subprocess.Popen[bytes]:
    """Start `publisher worker` as a child process with these PUBLISHER_* variables (the demo uses it)."""
    from workers import process  # lazy (start-up cost), like every import of workers/ here

    return process.spawn_worker(env, concurrency=concurrency, log_path=log_path)


def stop_worker(worker: subprocess.Popen[bytes]) -> None:
    """Stop a worker started by spawn_worker: a warm shutdown, then SIGKILL if it does not stop in time."""
    from workers import process  # lazy (start-up cost)

    process.stop_worker(worker)


# The broker and the workers, asked whether they are there (`publisher doctor`; server brokers only).


def broker_location(settings: Settings) -> str:
    """PUBLISHER_BROKER_URL with its password hidden."""
    from workers import health  # lazy: loads kombu

    return health.broker_location(settings)


def broker_problem(settings: Settings, timeout: float) -> str | None:
    """Why the (Redis, RabbitMQ) broker cannot be connected to within timeout, or None when it can."""
    from workers import health  # lazy: loads kombu and Celery

    return health.broker_problem(settings, timeout)


def ping_workers(settings: Settings, timeout: float) -> list[str]:
    """The workers that answered a Celery ping within timeout (needs a broker with broadcast)."""
    from workers import health  # lazy: loads Celery

    return health.ping_workers(settings, timeout)
