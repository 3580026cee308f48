"""A share scheduled a few seconds ahead is posted once by the workers' own periodic sweep, at its time (issue 14).

Real worker processes and the networks' fake servers; SQLite + the filesystem broker with one worker, and
PostgreSQL + Redis with two workers sweeping at the same time.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from publisher.store import Store
from publisher.store.models import Campaign, OutboxRow
from tests.e2e.test_scheduled_send import wait_until_ready
from tests.e2e.test_share import run
from tests.support.fakes import FakeBluesky, FakeMastodon, running
from tests.support.social import BLUESKY, MASTODON_TOKEN
from workers.process import spawn_worker, stop_worker


def test_a_scheduled_share_is_posted_once_by_the_workers_sweep_at_its_time(backend, seed_path: Path, tmp_path: Path):
    backend_env, worker_count = backend
    with running(FakeMastodon(MASTODON_TOKEN)) as mastodon, running(FakeBluesky(*BLUESKY)) as bluesky:
        accounts = {
            "mastodon:social": f"mastodon+http://{MASTODON_TOKEN}@127.0.0.1:{mastodon.port}",
            "bluesky": f"bluesky+http://{BLUESKY[0]}:{BLUESKY[1]}@127.0.0.1:{bluesky.port}",
        }
        pinned = {k: v for k, v in os.environ.items() if k.startswith("PUBLISHER_")}
        env = {**pinned, **backend_env, "PUBLISHER_ACCOUNTS": json.dumps(accounts), "PUBLISHER_SWEEP_SECONDS": "0.5"}
        article_id = run(env, "import", str(seed_path)).stdout.strip()
        log = tmp_path / "worker.log"
        workers = [spawn_worker(env, concurrency=1, log_path=log) for _ in range(worker_count)]
        try:
            wait_until_ready(log, worker_count)  # the start-up sweep has passed: only the periodic one is left
            at = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=20)  # a loaded start
            local = at.astimezone(datetime.now().astimezone().tzinfo).isoformat()
            shared = run(
                env,
                "share",
                article_id,
                "-c",
                "mastodon:social",
                "-c",
                "bluesky",
                "--at",
                local,
                "--wait",
                "--timeout",
                "90",
            )
        finally:
            for worker in workers:
                stop_worker(worker)
        worker_log = log.read_text(errors="replace")
        assert shared.returncode == 0, shared.stdout + shared.stderr + worker_log
        assert "scheduled for" in shared.stderr

        assert len(mastodon.posts) == 1 and len(bluesky.posts) == 1  # once each, even with two workers sweeping
        assert mastodon.rejections == [] and bluesky.rejections == []
    store = Store(env["PUBLISHER_DATABASE_URL"])
    try:
        with store.session() as session:
            rows = session.execute(select(OutboxRow.state, OutboxRow.updated_at)).all()
            kinds = session.scalars(select(Campaign.kind)).all()
    finally:
        store.dispose()
    assert kinds == ["share"]
    assert {state for state, _ in rows} == {"sent"}
    assert min(updated if updated.tzinfo else updated.replace(tzinfo=UTC) for _, updated in rows) >= at
    assert "Traceback" not in worker_log
    assert MASTODON_TOKEN not in worker_log + shared.stdout + shared.stderr
