"""Event webhooks through real Celery workers (issue 16): a receiver that fails twice, then answers 200, gets
each event once, signed, with the same webhook-id on every try.

The CLI adds the endpoint and does the actions (a digest sent and finished, a reader leaving); the workers'
own sweep fans the events out and delivers them, retrying with the outbox's backoff. SQLite + the filesystem
broker with one worker, and PostgreSQL + Redis with two workers sweeping at once.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook

from publisher.store import Store
from publisher.store.automation import EventRow
from publisher.store.models import OutboxRow
from tests.e2e.test_scheduled_send import wait_until_ready
from tests.e2e.test_send_digest import run
from tests.support.hook_receiver import HookReceiver, hook_receiver
from workers.process import spawn_worker, stop_worker

READERS = ["ana@example.com", "ben@example.com", "cy@example.com"]


@pytest.fixture
def receiver() -> Iterator[HookReceiver]:
    with hook_receiver() as r:
        yield r


def test_each_event_reaches_a_receiver_that_fails_twice_once_signed(
    backend, receiver: HookReceiver, seed_path: Path, tmp_path: Path
):
    backend_env, worker_count = backend
    pinned = {k: v for k, v in os.environ.items() if k.startswith("PUBLISHER_")}
    env = {**pinned, **backend_env, "PUBLISHER_SWEEP_SECONDS": "0.5", "PUBLISHER_RETRY_BASE_SECONDS": "0.5"}
    article_id = run(env, "import", str(seed_path)).stdout.strip()
    assert run(env, "subscribers", "add", *READERS, "--list", "readers").returncode == 0
    types = ["digest.sent", "digest.finished", "subscriber.unsubscribed"]
    added = run(env, "webhooks", "add", receiver.url, *[a for t in types for a in ("--event", t)])
    assert added.returncode == 0, added.stderr
    secret = added.stdout.strip().splitlines()[-1]
    assert secret.startswith("whsec_") and secret not in run(env, "webhooks", "list").stdout
    receiver.fail_each(2)

    log = tmp_path / "worker.log"
    workers = [spawn_worker(env, concurrency=1, log_path=log) for _ in range(worker_count)]
    try:
        wait_until_ready(log, worker_count)
        sent = run(env, "send", article_id, "--list", "readers", "--wait", "--timeout", "90")
        assert sent.returncode == 0, sent.stderr
        assert run(env, "subscribers", "unsubscribe", READERS[0], "--list", "readers").returncode == 0
        receiver.wait_for(lambda r: len(r.acknowledged()) >= 3, timeout=120)
    finally:
        for worker in workers:
            stop_worker(worker)
    worker_log = log.read_text(errors="replace")

    store = Store(env["PUBLISHER_DATABASE_URL"])
    try:
        with store.session() as session:
            events = {f"evt_{e.id}": e.type for e in session.scalars(select(EventRow))}
            rows = session.execute(
                select(OutboxRow.state, OutboxRow.attempts, OutboxRow.payload).where(OutboxRow.channel == "hook")
            ).all()
    finally:
        store.dispose()
    assert sorted(events.values()) == ["digest.finished", "digest.sent", "subscriber.unsubscribed"]
    acknowledged = receiver.acknowledged()
    assert sorted(acknowledged) == sorted(events), worker_log[-3000:]
    verifier = Webhook(secret)
    for webhook_id, type in events.items():
        tries = [r for r in receiver.requests if r.webhook_id == webhook_id]
        assert [r.status for r in tries] == [500, 500, 200]  # each event processed once, the same id each try
        assert len({r.body for r in tries}) == 1
        for request in tries:
            assert verifier.verify(request.body, request.headers)["type"] == type
    assert sorted((state, attempts, payload["status"]) for state, attempts, payload in rows) == [("sent", 3, 200)] * 3
