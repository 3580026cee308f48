"""Public signups are answered first and handled afterwards, so the answer tells nothing about the address.

`POST /subscribe` and `POST /api/subscribe` check the input alone (the address's syntax, the name), then
queue a `SignupJob` and answer at once with one fixed response. Whether the list exists, the address is
new, already subscribed or suppressed, and whether a confirmation mail goes out, is decided here, in the
queue's thread, after the answer has gone: the response neither waits for the database nor differs by what
it holds. An unknown list or a refused signup is logged, never told to the client.

The queue is in the web process's memory: bounded (a full queue is answered 503, whatever the address),
worked through by one thread in arrival order, and drained when the app shuts down. A process killed
mid-queue loses the signups still waiting; the reader simply submits the form again.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from publisher import consent
from publisher.campaigns import service
from publisher.errors import NotFound, PublisherError
from publisher.runtime import Services

log = logging.getLogger(__name__)

MAX_PENDING = 1000  # signups waiting in one web process; beyond that the endpoints answer 503


@dataclass(frozen=True)
class SignupJob:
    email: str  # normalized (consent.check_signup)
    name: str
    list_name: str
    source: str  # "web:<client ip>"


def handle_signup(services: Services, job: SignupJob) -> None:
    """Record one signup and hand its confirmation mail (if any) to the workers; failures are only logged."""
    try:
        outcome = consent.request_signup(
            services.store, services.settings, job.email, list_name=job.list_name, name=job.name, source=job.source
        )
    except NotFound:
        log.info("signup for the unknown list %r from %s dropped", job.list_name[:100], job.source)
        return
    except PublisherError as exc:
        log.warning("signup to %r from %s refused: %s", job.list_name[:100], job.source, exc)
        return
    if outcome.campaign_id is not None:
        try:
            service.dispatch(services, outcome.campaign_id)
        except Exception:  # the outbox row is stored: a worker's sweep sends it when the broker is back
            log.exception("could not dispatch confirmation campaign %s", outcome.campaign_id)


class SignupQueue:
    """Jobs handled one at a time, in order, by a thread of their own (started on the first job)."""

    def __init__(self, handle: Callable[[SignupJob], None], max_pending: int = MAX_PENDING) -> None:
        self._handle = handle
        self._jobs: queue.Queue[SignupJob | None] = queue.Queue(max_pending)
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, job: SignupJob) -> bool:
        """Queue a job; False when the queue is full (the caller answers "try again later")."""
        self._ensure_thread()
        try:
            self._jobs.put_nowait(job)
        except queue.Full:
            log.warning("signup queue full (%d waiting); a signup was refused", self._jobs.maxsize)
            return False
        return True

    def pending(self) -> int:
        """Jobs queued or being handled."""
        return self._jobs.unfinished_tasks

    def drain(self, timeout: float = 10.0) -> bool:
        """Wait until every job queued so far is handled; False when that took longer than timeout."""
        deadline = time.monotonic() + timeout
        with self._jobs.all_tasks_done:
            while self._jobs.unfinished_tasks:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._jobs.all_tasks_done.wait(remaining)
        return True

    def close(self, timeout: float = 10.0) -> None:
        """Handle what is queued (up to timeout), then stop the thread."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is None or not thread.is_alive():
            return
        if not self.drain(timeout):
            log.warning("shutting down with %d signups not handled", self.pending())
        try:
            self._jobs.put(None, timeout=1)
        except queue.Full:
            return
        thread.join(timeout)

    def _ensure_thread(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="publisher-signups", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            try:
                if job is None:
                    return
                self._handle(job)
            except Exception:  # one bad job must not stop the ones behind it
                log.exception("a queued signup failed")
            finally:
                self._jobs.task_done()
