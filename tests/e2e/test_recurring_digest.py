"""A recurring digest sent by the workers' own periodic sweep at its due time: every reader once, through a real
SMTP server; still once after the workers are restarted. SQLite + the filesystem broker with one worker, and
PostgreSQL + Redis with two workers sweeping at the same time."""

from __future__ import annotations

import os
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import update

from publisher.store import Store
from publisher.store.automation import DigestSchedule
from publisher.store.models import ArticleRow, utcnow
from tests.e2e.test_scheduled_send import wait_until_ready
from tests.e2e.test_send_digest import run
from tests.support.recurring import campaigns_of, count_runs, runs_of
from tests.support.smtp import SmtpServer
from workers.process import spawn_worker, stop_worker

READERS = 5


def wait_for(check, what: str, log: Path, limit: float = 90) -> None:  # noqa: ANN001
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"{what} did not happen:\n" + (log.read_text(errors="replace") if log.exists() else ""))


def test_a_recurring_digest_is_mailed_once_by_the_workers_sweep_and_not_again_after_a_restart(
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
    article_id = int(run(env, "import", str(seed_path)).stdout.strip())
    addresses = [f"reader{i:02d}@example.com" for i in range(READERS)]
    assert run(env, "subscribers", "add", *addresses, "--list", "readers").returncode == 0
    added = run(
        env, "schedules", "add", "readers", "every friday 08:00", "--tz", "Europe/Berlin", "--subject", "{count} new"
    )
    assert added.returncode == 0, added.stderr
    schedule_id = int(added.stdout.split()[0])
    store = Store(env["PUBLISHER_DATABASE_URL"])
    log = tmp_path / "worker.log"
    try:
        with store.session() as session:  # published this week; the due time a few seconds from now
            now = utcnow()
            session.execute(update(ArticleRow).where(ArticleRow.id == article_id).values(published_at=now))
            session.execute(
                update(DigestSchedule)
                .where(DigestSchedule.id == schedule_id)
                .values(collect_since=now - timedelta(days=7), next_run_at=now + timedelta(seconds=8))
            )
        workers = [spawn_worker(env, concurrency=1, log_path=log) for _ in range(worker_count)]
        try:
            wait_until_ready(log, worker_count)
            wait_for(lambda: len(smtp_server.messages) >= READERS, "the digest's delivery", log)
            wait_for(lambda: any(r.outcome == "sent" for r in runs_of(store, schedule_id)), "the run's outcome", log)
        finally:
            for worker in workers:
                stop_worker(worker)
        restarted = spawn_worker(env, concurrency=1, log_path=log)
        try:
            wait_until_ready(log, worker_count + 1)  # "ready." comes after its start-up sweep
        finally:
            stop_worker(restarted)

        delivered = sorted(rcpt for message in smtp_server.messages for rcpt in message.rcpt_tos)
        assert delivered == addresses  # every reader, exactly once, across two sweepers and a restart
        [run_row] = runs_of(store, schedule_id)
        assert (run_row.outcome, run_row.detail) == ("sent", "1 article")
        assert count_runs(store) == 1 and len(campaigns_of(store)) == 1  # the restarted worker sent nothing more
        assert "Traceback" not in log.read_text(errors="replace")
    finally:
        store.dispose()
