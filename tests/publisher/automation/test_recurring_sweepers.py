"""Two workers sweeping at the same moment on PostgreSQL + Redis: a recurring digest is one campaign, one batch.

Each sweeper has its own engine (its own connections, as two worker processes would) and its own Celery
dispatcher on the test's Redis database; both call run_due with the same `now` through a barrier.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import redis

from publisher import runtime
from publisher.automation import recurring
from publisher.automation.recurring_run import run_due
from publisher.clock import FixedClock
from publisher.config import Settings
from publisher.store import Store
from tests.support.recurring import campaigns_of, count_runs, published, readers, runs_of
from tests.support.services import postgres_database, redis_database

THU = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
FRI_0800_BERLIN = datetime(2026, 12, 4, 7, 0, tzinfo=UTC)


def test_two_sweepers_at_once_make_exactly_one_campaign_and_one_batch(monkeypatch, tmp_path):
    with postgres_database(migrated=True) as pg_url, redis_database() as broker_url:
        monkeypatch.setenv("PUBLISHER_DATABASE_URL", pg_url)
        monkeypatch.setenv("PUBLISHER_BROKER_URL", broker_url)
        settings = Settings()
        store = Store(pg_url)
        try:
            readers(store, "news", "reader", 3)
            schedule = recurring.add_schedule(store, "news", "every friday 08:00", "Europe/Berlin", now=THU)
            published(store, tmp_path, "Harbour opens", THU + timedelta(hours=1))
            sweepers = [
                runtime.build(settings, store=Store(pg_url), clock=FixedClock(FRI_0800_BERLIN)) for _ in range(2)
            ]
            ready = threading.Barrier(len(sweepers))
            done: list[int] = []
            errors: list[BaseException] = []

            def sweep(services: runtime.Services) -> None:
                try:
                    ready.wait()
                    done.append(run_due(services, now=FRI_0800_BERLIN))
                except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
                    errors.append(exc)

            threads = [threading.Thread(target=sweep, args=(s,)) for s in sweepers]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            for services in sweepers:
                services.close()

            assert errors == []
            assert sorted(done) == [0, 1]  # one sweeper ran it, the other found it taken
            [campaign_id] = campaigns_of(store)
            [run] = runs_of(store, schedule.id)
            assert (run.outcome, run.campaign_id, count_runs(store)) == ("sent", campaign_id, 1)
            broker = redis.Redis.from_url(broker_url)
            assert broker.llen("email") == 1  # the campaign's one batch, handed to the workers once
            broker.close()

            later = runtime.build(settings, store=Store(pg_url), clock=FixedClock(FRI_0800_BERLIN + timedelta(hours=1)))
            assert run_due(later, now=FRI_0800_BERLIN + timedelta(hours=1)) == 0  # a restarted worker
            later.close()
            assert campaigns_of(store) == [campaign_id]
        finally:
            store.dispose()
