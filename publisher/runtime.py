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
    from collections.abc import Callable

__all__ = ["Dispatcher", "Services", "build", "celery_dispatcher"]


def celery_dispatcher(settings: Settings) -> Dispatcher:
    """The production dispatcher: a Celery message per batch, sent by task name."""
    from workers.dispatch import CeleryDispatcher  # the one import of workers/ in publisher/

    return CeleryDispatcher(settings)


@dataclass
class Services:
    """What every service function needs; build() makes one per process."""

    settings: Settings
    store: Store
    clock: Clock = field(default_factory=SystemClock)
    _dispatcher: Dispatcher | None = None
    _make_dispatcher: Callable[[Settings], Dispatcher] = celery_dispatcher

    @property
    def dispatcher(self) -> Dispatcher:
        """The dispatcher, made on first use (the Celery one loads Celery)."""
        if self._dispatcher is None:
            self._dispatcher = self._make_dispatcher(self.settings)
        return self._dispatcher

    def close(self) -> None:
        close = getattr(self._dispatcher, "close", None)
        if close is not None:
            close()
        self._dispatcher = None
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
    return Services(
        settings=settings,
        store=store or Store(settings.resolved_database_url),
        clock=clock or SystemClock(),
        _dispatcher=dispatcher,
    )
