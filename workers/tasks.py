"""Thin tasks: take ids, call into publisher, let the outbox record the outcome."""

from __future__ import annotations

import logging
import threading
import time
from functools import cache

from celery import Task
from celery.signals import worker_process_init, worker_ready

from publisher import campaigns, delivery
from publisher.config import Settings
from publisher.store import Store
from workers.app import TASK_TIME_LIMIT, app
from workers.dispatch import CeleryDispatcher

log = logging.getLogger(__name__)
MAX_COUNTDOWN = 300.0
# Stop claiming after this long and continue in a fresh task: far below task_time_limit, so a slow batch
# (a rate limit, a slow server) is never killed mid-chunk.
BATCH_TIME_BUDGET = TASK_TIME_LIMIT / 3


@cache
def _settings() -> Settings:
    return Settings()


@cache
def _store() -> Store:
    return Store(_settings().resolved_database_url)


@worker_process_init.connect
def _fresh_connections(**_: object) -> None:
    # A forked child must not share the parent's database connections.
    if _store.cache_info().currsize:
        _store().engine.dispose(close=False)


@worker_ready.connect
def _sweep_on_start(sender: object = None, **_: object) -> None:
    """Re-dispatch whatever a previous worker left pending, so a restart resumes where the outbox says.

    Then keep sweeping every PUBLISHER_SWEEP_SECONDS for stalled campaigns (stale claims, lost broker
    messages), so those are picked up without a restart.
    """
    _sweep_once(stalled_only=False)
    threading.Thread(target=_sweep_forever, name="publisher-sweeper", daemon=True).start()


def _sweep_once(*, stalled_only: bool) -> None:
    try:
        count = campaigns.sweep(_store(), _settings(), CeleryDispatcher(_settings(), app), stalled_only=stalled_only)
        if count:
            log.info("re-dispatched %d pending batches", count)
    except Exception:  # a sweep failure must not stop the worker; the next sweep tries again
        log.exception("sweep failed")


def _sweep_forever() -> None:
    # In the worker's main process, beside the pool: the equivalent of an embedded beat with one entry,
    # without beat's schedule file (several workers sharing a data dir would fight over it).
    while True:
        time.sleep(_settings().sweep_seconds)
        _sweep_once(stalled_only=True)


# An exception here is the store or broker failing (channel errors are recorded as row outcomes):
# retry with backoff; claimed rows are taken over once their lease expires.
@app.task(
    bind=True,
    name="workers.tasks.deliver_batch",
    max_retries=None,
    autoretry_for=(Exception,),
    retry_backoff=2,
    retry_backoff_max=300,
    retry_jitter=True,
)
def deliver_batch(self: Task, campaign_id: int, channel: str, first_id: int, last_id: int) -> None:
    """Deliver one batch; rows waiting for a retry bring the task back after their backoff."""
    outcome = delivery.deliver_batch(
        _store(), _settings(), campaign_id, channel, first_id, last_id, time_budget=BATCH_TIME_BUDGET
    )
    log.info(
        "campaign %s %s [%s..%s]: sent %s failed %s suppressed %s deferred %s",
        campaign_id,
        channel,
        first_id,
        last_id,
        outcome.sent,
        outcome.failed,
        outcome.suppressed,
        outcome.deferred,
    )
    if outcome.retry_in is not None:
        raise self.retry(
            countdown=min(outcome.retry_in, MAX_COUNTDOWN),
            queue=self.request.delivery_info.get("routing_key") if self.request.delivery_info else None,
        )


@app.task(name="workers.tasks.sweep")
def sweep() -> int:
    return campaigns.sweep(_store(), _settings(), CeleryDispatcher(_settings(), app))
