"""Crashes mid-campaign, with real worker processes on PostgreSQL + Redis and a real SMTP server.

A worker killed with SIGKILL, and a broker that restarts and forgets its queue: every subscriber still gets
the digest, and duplicates are bounded by the rows that were in flight.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from sqlalchemy import func, select

from publisher import campaigns, delivery
from publisher.config import Settings
from publisher.store import Store
from publisher.store.models import OutboxRow
from tests.support.factories import seed_article, subscribe
from tests.support.services import free_port, port_open, postgres_database, redis_database, require
from tests.support.smtp import SmtpServer
from workers.dispatch import CeleryDispatcher
from workers.process import kill_worker, spawn_worker, stop_worker

LEASE = 10  # the smallest lease the settings allow: rows a dead worker left in "sending" wait this long


def pipeline_env(database_url: str, broker_url: str, smtp: SmtpServer) -> dict[str, str]:
    pinned = {k: v for k, v in os.environ.items() if k.startswith("PUBLISHER_")}
    return {
        **pinned,
        "PUBLISHER_DATABASE_URL": database_url,
        "PUBLISHER_BROKER_URL": broker_url,
        "PUBLISHER_SMTP_HOST": smtp.host,
        "PUBLISHER_SMTP_PORT": str(smtp.port),
        "PUBLISHER_LEASE_SECONDS": str(LEASE),
        "PUBLISHER_SWEEP_SECONDS": "1",
        "PUBLISHER_RETRY_BASE_SECONDS": "0.5",
        "PUBLISHER_BATCH_SIZE": "250",
    }


def start_campaign(env: dict[str, str], seed_path: Path, count: int) -> tuple[Store, Settings, int, list[str]]:
    settings = Settings(**{k.removeprefix("PUBLISHER_").lower(): v for k, v in env.items() if k != "PUBLISHER_FROM"})
    store = Store(settings.resolved_database_url)
    article_id = seed_article(store, seed_path)
    addresses = subscribe(store, "readers", count)
    campaign_id = campaigns.create_email_campaign(store, settings, [article_id], "readers")
    dispatcher = CeleryDispatcher(settings)
    campaigns.dispatch(store, settings, dispatcher, campaign_id)
    dispatcher.close()
    return store, settings, campaign_id, addresses


def wait_until(predicate, timeout: float, what: str) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.2)


def wait_done(store: Store, campaign_id: int, timeout: float) -> campaigns.CampaignStatus:
    def finished() -> bool:
        status = campaigns.status(store, campaign_id)
        return status.pending == 0 and status.state == "done"

    wait_until(finished, timeout, f"campaign {campaign_id} to be done")
    return campaigns.status(store, campaign_id)


@pytest.fixture
def postgres() -> Iterator[str]:
    with postgres_database() as url:
        yield url


def test_kill_9_mid_campaign_loses_nothing_and_duplicates_at_most_the_rows_in_flight(
    postgres: str, smtp_server: SmtpServer, seed_path: Path, tmp_path: Path
):
    with ExitStack() as stack:
        env = pipeline_env(postgres, stack.enter_context(redis_database()), smtp_server)
        store, _, campaign_id, addresses = start_campaign(env, seed_path, 5000)
        stack.callback(store.dispose)
        log = tmp_path / "worker.log"
        first = spawn_worker(env, concurrency=2, log_path=log)
        try:
            wait_until(lambda: len(smtp_server.messages) >= 1000, 120, "the first 1,000 messages")
        finally:
            kill_worker(first)
        with store.session() as session:
            in_flight = session.scalar(
                select(func.count()).where(OutboxRow.campaign_id == campaign_id, OutboxRow.state == "sending")
            )
        received_at_kill = len(smtp_server.messages)

        second = spawn_worker(env, concurrency=2, log_path=log)
        try:
            status = wait_done(store, campaign_id, 150)
        finally:
            stop_worker(second)

    counts = Counter(r for m in smtp_server.messages for r in m.rcpt_tos)
    duplicates = sum(n - 1 for n in counts.values())
    print(f"killed after {received_at_kill} messages; {in_flight} rows in flight; {duplicates} duplicates")
    assert received_at_kill < 5000, "the worker finished before the kill; nothing was tested"
    assert set(counts) == set(addresses), log.read_text()[-3000:]
    assert duplicates <= in_flight
    assert status.counts["sent"] == 5000 and status.state == "done"


class PrivateRedis:
    """A redis-server of our own, so restarting it cannot disturb anybody else's."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> PrivateRedis:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(lambda: port_open("127.0.0.1", self.port, 0.2), 20, "redis-server to start")
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


def test_broker_restart_mid_campaign_loses_nothing(postgres: str, smtp_server: SmtpServer, seed_path, tmp_path):
    if shutil.which("redis-server") is None:
        require("redis-server (the binary)", "127.0.0.1", 0)
    redis = PrivateRedis(tmp_path).start()
    try:
        env = pipeline_env(postgres, redis.url, smtp_server)
        store, _, campaign_id, addresses = start_campaign(env, seed_path, 3000)
        log = tmp_path / "worker.log"
        worker = spawn_worker(env, concurrency=2, log_path=log)
        try:
            wait_until(lambda: len(smtp_server.messages) >= 500, 120, "the first 500 messages")
            redis.stop()  # with no persistence, every queued batch message is gone
            restarted_after = len(smtp_server.messages)
            redis.start()
            status = wait_done(store, campaign_id, 150)
        finally:
            stop_worker(worker)
            store.dispose()
    finally:
        redis.stop()

    counts = Counter(r for m in smtp_server.messages for r in m.rcpt_tos)
    duplicates = sum(counts.values()) - len(counts)
    print(f"broker restarted after {restarted_after} messages; {duplicates} duplicates")
    assert restarted_after < 3000, "the campaign finished before the restart; nothing was tested"
    assert set(counts) == set(addresses), log.read_text()[-3000:]
    # The lost connection cancels the running tasks: at most one claimed chunk per worker process is resent.
    assert duplicates <= 2 * delivery.CHUNK
    assert status.counts["sent"] == 3000 and status.state == "done"
