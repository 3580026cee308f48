"""Thin tasks: take ids, call into publisher, let the outbox record the outcome.

The worker process builds its Services once (publisher.runtime.build, on first use) and passes their parts
down. A task is retried only when the store or the broker failed: those come back. Anything else
(a configuration error pauses the campaign inside delivery; a bug) is not retried: retrying cannot help.
"""

from __future__ import annotations

import logging
import threading
import time
from functools import cache

from celery import Task
from celery.signals import worker_process_init, worker_ready
from celery.utils.time import get_exponential_backoff_interval
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from publisher import automation, delivery, logs, runtime
from publisher.campaigns import service
from publisher.config import Settings
from publisher.errors import StorageUnavailable
from publisher.insight import post_metrics
from publisher.insight.capture import forget_recent
from workers.app import TASK_TIME_LIMIT, app
from workers.dispatch import CeleryDispatcher

log = logging.getLogger(__name__)
MAX_COUNTDOWN = 300.0
RETRY_BACKOFF_FACTOR = 2  # seconds: 2, 4, 8, ... up to MAX_COUNTDOWN, full jitter
# Stop claiming after this long and continue in a fresh task: far below task_time_limit, so a slow batch
# (a rate limit, a slow server) is never killed mid-chunk.
BATCH_TIME_BUDGET = TASK_TIME_LIMIT / 3
POST_METRICS_SECONDS = 900.0  # how often the sweeper sends read_post_metrics (each post is asked hourly at most)

# The store or the broker is unreachable, busy or full (a restart, a lock timeout, a dropped connection).
_INFRASTRUCTURE_ERRORS = (
    StorageUnavailable,
    OperationalError,
    InterfaceError,
    DisconnectionError,
    PoolTimeout,
    BrokerError,
    RedisConnectionError,
    RedisTimeoutError,
    OSError,
)


@cache
def services() -> runtime.Services:
    """This worker process's Services, built on first use; the dispatcher reuses the worker's Celery app."""
    settings = Settings()
    return runtime.build(settings, dispatcher=CeleryDispatcher(settings, app))


def store_or_broker_failed(exc: BaseException) -> bool:
    """Whether exc is the store or broker failing (worth a retry), not the data, the settings or the code."""
    if isinstance(exc, _INFRASTRUCTURE_ERRORS):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


@worker_process_init.connect
def _fresh_connections(**_: object) -> None:
    # A forked child must not share the parent's database connections.
    if services.cache_info().currsize:
        services().store.engine.dispose(close=False)


@worker_ready.connect
def _sweep_on_start(sender: object = None, **_: object) -> None:
    """Re-dispatch whatever a previous worker left pending, so a restart resumes where the outbox says.

    Then keep sweeping every PUBLISHER_SWEEP_SECONDS for stalled campaigns (stale claims, lost broker
    messages) and scheduled sends that are due, so those are picked up without a restart.
    """
    _sweep_once(stalled_only=False)
    threading.Thread(target=_sweep_forever, name="publisher-sweeper", daemon=True).start()


def _sweep_once(*, stalled_only: bool) -> None:
    try:
        count = service.sweep(services(), stalled_only=stalled_only)
        if count:
            log.info("re-dispatched %d pending batches", count)
        forget_recent(services().store, services().clock.now())  # tracking_recent keeps a day at most
    except Exception:  # a sweep failure must not stop the worker; the next sweep tries again
        log.exception("sweep failed")
    # Feeds, recurring digests, sequences, event webhooks (issue 16): each part catches its own failures.
    done = automation.sweep(services())
    if done:
        log.info("automation: %s", done)


def _sweep_forever() -> None:
    # In the worker's main process, beside the pool: the equivalent of an embedded beat, without beat's
    # schedule file (several workers sharing a data dir would fight over it). Every sweep; and every
    # POST_METRICS_SECONDS, a task that reads share posts' counts back (it asks only the posts due).
    metrics_due = time.monotonic()
    while True:
        time.sleep(services().settings.sweep_seconds)
        _sweep_once(stalled_only=True)
        if time.monotonic() >= metrics_due:
            metrics_due = time.monotonic() + POST_METRICS_SECONDS
            _dispatch_post_metrics()


def _dispatch_post_metrics() -> None:
    try:
        read_post_metrics.apply_async()
    except Exception:  # a broker hiccup must not stop the sweeper; the next round sends it
        log.exception("could not dispatch read_post_metrics")


@app.task(bind=True, name="workers.tasks.deliver_batch", max_retries=None)
def deliver_batch(self: Task, campaign_id: int, channel: str, first_id: int, last_id: int) -> None:
    """Deliver one batch; rows waiting for a retry bring the task back after their backoff."""
    batch = logs.batch_id(first_id, last_id)
    with logs.bound(task_id=self.request.id, campaign_id=campaign_id, channel=channel, batch_id=batch):
        _deliver_batch(self, campaign_id, channel, first_id, last_id)


def _deliver_batch(self: Task, campaign_id: int, channel: str, first_id: int, last_id: int) -> None:
    s = services()
    try:
        outcome = delivery.deliver_batch(
            s.store, s.settings, campaign_id, channel, first_id, last_id, time_budget=BATCH_TIME_BUDGET
        )
    except Exception as exc:
        if not store_or_broker_failed(exc):
            raise  # fails this task once, with its traceback in the log; claimed rows wait out their lease
        # Claimed rows are taken over once their lease expires; the rest are still queued.
        countdown = get_exponential_backoff_interval(
            RETRY_BACKOFF_FACTOR, self.request.retries, int(MAX_COUNTDOWN), full_jitter=True
        )
        raise self.retry(exc=exc, countdown=countdown, queue=_queue_of(self)) from exc
    log.info(
        "campaign %s %s [%s..%s]: sent %s failed %s suppressed %s deferred %s%s",
        campaign_id,
        channel,
        first_id,
        last_id,
        outcome.sent,
        outcome.failed,
        outcome.suppressed,
        outcome.deferred,
        f"; paused: {outcome.paused}" if outcome.paused else "",
    )
    if outcome.retry_in is not None:
        raise self.retry(countdown=min(outcome.retry_in, MAX_COUNTDOWN), queue=_queue_of(self))


def _queue_of(task: Task) -> str | None:
    """The queue this task came from: its retry goes back to the same one (the channel's)."""
    return task.request.delivery_info.get("routing_key") if task.request.delivery_info else None


@app.task(bind=True, name="workers.tasks.sweep")
def sweep(self: Task) -> int:
    with logs.bound(task_id=self.request.id):
        return service.sweep(services())


@app.task(bind=True, name="workers.tasks.read_post_metrics")
def read_post_metrics(self: Task) -> int:
    """Read the due share posts' likes, reposts and replies back from their networks (issue 15)."""
    s = services()
    with logs.bound(task_id=self.request.id):
        counted = post_metrics.read_post_metrics(s.store, s.settings)
        if counted:
            log.info("read the counts of %d share posts", counted)
    return counted
