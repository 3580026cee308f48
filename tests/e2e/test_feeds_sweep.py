"""A feed added from the command line is polled by the workers' own sweep: its entries become articles once.

Real worker processes and a real feed server; SQLite + the filesystem broker with one worker, and
PostgreSQL + Redis with two workers sweeping at the same time (the feed's conditional UPDATE picks one).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from sqlalchemy import func, select

from publisher.store import Store
from publisher.store.automation import FeedEntry
from publisher.store.models import ArticleRow
from tests.e2e.test_scheduled_send import wait_until_ready
from tests.e2e.test_send_digest import run
from tests.publisher.automation.feed_server import FeedServer, rss
from workers.process import spawn_worker, stop_worker


def test_the_workers_sweep_imports_a_feeds_entries_once(backend, tmp_path: Path):
    backend_env, worker_count = backend
    pinned = {k: v for k, v in os.environ.items() if k.startswith("PUBLISHER_")}
    env = {**pinned, **backend_env, "PUBLISHER_SWEEP_SECONDS": "0.5"}
    (tmp_path / "www").mkdir()
    server = FeedServer(tmp_path / "www").start()
    try:
        url = server.write("news.xml", rss(4))
        added = run(env, "feeds", "add", url, "--every", "1h")
        assert added.returncode == 0, added.stderr
        log = tmp_path / "worker.log"
        workers = [spawn_worker(env, concurrency=1, log_path=log) for _ in range(worker_count)]
        try:
            wait_until_ready(log, worker_count)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                [feed] = json.loads(run(env, "feeds", "list", "--format", "json").stdout)
                if feed["articles"] == 4:
                    break
                time.sleep(0.5)
            time.sleep(2)  # a few more sweeps of every worker: none polls the feed again within the hour
        finally:
            for worker in workers:
                stop_worker(worker)
    finally:
        server.stop()
    assert feed["articles"] == 4 and feed["last_status"] == 200, log.read_text(errors="replace")
    assert len(server.requests) == 1  # one poll, by one of the workers
    store = Store(backend_env["PUBLISHER_DATABASE_URL"])
    try:
        with store.read_session() as session:
            assert session.scalar(select(func.count()).select_from(ArticleRow)) == 4
            assert session.scalar(select(func.count()).select_from(FeedEntry)) == 4
    finally:
        store.dispose()
    listed = json.loads(run(env, "article", "list", "--format", "json").stdout)
    assert sorted(a["source"] for a in listed) == [f"https://news.example.net/story-{n}" for n in range(1, 5)]
