"""A send scheduled a few seconds ahead is started by the workers' own periodic sweep, once, at its time.

Real worker processes, a real SMTP server; SQLite + the filesystem broker with one worker, and PostgreSQL +
Redis with two workers sweeping at the same time.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from publisher.store import Store
from publisher.store.models import OutboxRow
from tests.e2e.test_send_digest import run
from tests.support.smtp import SmtpServer
from workers.process import spawn_worker, stop_worker

RECIPIENTS = 20


def wait_until_ready(log: Path, count: int, limit: float = 60) -> None:
    """Celery logs "ready." once a worker consumes (and has run its start-up sweep)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if log.exists() and log.read_text(errors="replace").count(" ready.") >= count:
            return
        time.sleep(0.2)
    raise AssertionError("workers did not start:\n" + (log.read_text(errors="replace") if log.exists() else ""))


def test_a_scheduled_send_is_delivered_once_by_the_workers_sweep_at_its_time(
    backend, smtp_server: SmtpServer, seed_path: Path, tmp_path: Path
):
    backend_env, worker_count = backend
    pinned = {k: v for k, v in os.environ.items() if k.startswith("PUBLISHER_")}
    env = {
        **pinned,
        **backend_env,
        "PUBLISHER_SMTP_HOST": smtp_server.host,
        "PUBLISHER_SMTP_PORT": str(smtp_server.port),
        "PUBLISHER_SWEEP_SECONDS": "0.5",
    }
    article_id = run(env, "import", str(seed_path)).stdout.strip()
    addresses = [f"reader{i:02d}@example.com" for i in range(RECIPIENTS)]
    assert run(env, "subscribers", "add", *addresses, "--list", "readers").returncode == 0
    log = tmp_path / "worker.log"
    workers = [spawn_worker(env, concurrency=1, log_path=log) for _ in range(worker_count)]
    try:
        wait_until_ready(log, worker_count)  # so the start-up sweep has passed: only the periodic one is left
        send_at = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=20)  # a loaded start
        local = send_at.astimezone(datetime.now().astimezone().tzinfo).isoformat()
        sent = run(env, "send", article_id, "--list", "readers", "--at", local, "--wait", "--timeout", "90")
    finally:
        for worker in workers:
            stop_worker(worker)
    worker_log = log.read_text(errors="replace")
    assert sent.returncode == 0, sent.stderr + worker_log
    assert "scheduled for" in sent.stderr

    delivered = [rcpt for message in smtp_server.messages for rcpt in message.rcpt_tos]
    assert sorted(delivered) == addresses  # every reader, exactly once, even with two workers sweeping
    store = Store(env["PUBLISHER_DATABASE_URL"])
    try:
        with store.session() as session:
            rows = session.execute(select(OutboxRow.state, OutboxRow.updated_at)).all()
    finally:
        store.dispose()
    assert {state for state, _ in rows} == {"sent"}
    sent_at = [at if at.tzinfo else at.replace(tzinfo=UTC) for _, at in rows]
    assert min(sent_at) >= send_at  # nothing went out before its time
    assert "Traceback" not in worker_log
