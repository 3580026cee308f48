"""The embedded default on a data directory that fills up mid-campaign (issue 18, item 1), with real processes:
the CLI, a Celery worker on the filesystem broker, SQLite, all on a small tmpfs; an SMTP server outside it.

The disk fills while the worker sends; a few seconds later it has room again. Nothing is lost: every reader
gets the digest, no broker message is left half-written to kill the next worker, and the campaign ends done
(or pauses with the reason, and a resume finishes it). Duplicates stay within what was in flight.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from publisher.delivery import CHUNK
from tests.support.disks import fill, tmpfs
from tests.support.smtp import SmtpServer
from workers.process import spawn_worker, stop_worker

READERS = 1500
CONCURRENCY = 2


@pytest.fixture
def disk(tmp_path: Path):
    with tmpfs(tmp_path / "data", size="48m") as mounted:
        yield mounted


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "publisher", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
    )


def status(env: dict[str, str], campaign_id: str) -> dict[str, Any]:
    shown = run(env, "status", campaign_id, "--format", "json")
    assert shown.returncode == 0, shown.stderr  # a read-only command works on a full disk too
    return json.loads(shown.stdout)


def settle(env: dict[str, str], campaign_id: str, timeout: float, log: Path) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while (data := status(env, campaign_id))["state"] not in ("done", "paused"):
        assert time.monotonic() < deadline, f"still {data['state']}: {data['counts']}\n{log.read_text()[-3000:]}"
        time.sleep(0.5)
    return data


def test_a_data_directory_that_fills_mid_campaign_loses_nothing_and_stops_no_worker(
    disk: Path, smtp_server: SmtpServer, seed_path: Path, tmp_path: Path
):
    env = {
        "PUBLISHER_DATA_DIR": str(disk),
        "PUBLISHER_DATABASE_URL": f"sqlite:///{disk / 'publisher.db'}",
        "PUBLISHER_BROKER_URL": "filesystem://",
        "PUBLISHER_SMTP_HOST": smtp_server.host,
        "PUBLISHER_SMTP_PORT": str(smtp_server.port),
        "PUBLISHER_BATCH_SIZE": "250",
        "PUBLISHER_LEASE_SECONDS": "10",
        "PUBLISHER_SWEEP_SECONDS": "1",
    }
    imported = run(env, "import", str(seed_path))
    assert imported.returncode == 0, imported.stderr
    readers = tmp_path / "readers.csv"
    addresses = [f"reader{i:05d}@example.com" for i in range(READERS)]
    readers.write_text("email\n" + "\n".join(addresses) + "\n")
    assert run(env, "subscribers", "import", str(readers), "--list", "readers").returncode == 0

    freed = threading.Event()

    def the_disk_fills() -> None:
        with sqlite3.connect(disk / "publisher.db") as raw:  # so the next database write needs new space
            raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        filler = fill(disk)
        threading.Timer(4.0, lambda: (filler.unlink(), freed.set())).start()

    smtp_server.handler.on_message = {READERS // 4: the_disk_fills}
    log = tmp_path / "worker.log"
    worker = spawn_worker(env, concurrency=CONCURRENCY, log_path=log)
    try:
        sent = run(env, "send", imported.stdout.strip(), "--list", "readers")
        assert sent.returncode == 0, sent.stderr
        campaign_id = sent.stdout.strip()
        state = settle(env, campaign_id, 180, log)
        assert freed.is_set()
        if state["state"] == "paused":
            assert "could not be recorded" in state["pause_reason"] or "full" in state["pause_reason"]
            assert run(env, "campaign", "resume", campaign_id).returncode == 0
            state = settle(env, campaign_id, 180, log)
        assert worker.poll() is None, "the worker is still running"
    finally:
        stop_worker(worker)
    text = log.read_text()

    assert state["state"] == "done" and state["counts"]["sent"] == READERS, state
    received = Counter(r for m in smtp_server.messages for r in m.rcpt_tos)
    assert set(received) == set(addresses), "every reader got the digest"
    duplicates = sum(n - 1 for n in received.values())
    assert duplicates <= CONCURRENCY * CHUNK, f"{duplicates} duplicates, more than could be in flight"
    assert "Unrecoverable error" not in text and "JSONDecodeError" not in text, text[-3000:]
    queue = disk / "broker" / "queue"
    assert not [p for p in queue.glob("*.msg") if p.stat().st_size == 0], "no empty broker message is left"


def test_a_worker_starts_and_delivers_past_an_empty_broker_message_a_full_disk_left(
    tmp_path: Path, smtp_server: SmtpServer, seed_path: Path
):
    data = tmp_path / "data"
    env = {
        "PUBLISHER_DATA_DIR": str(data),
        "PUBLISHER_DATABASE_URL": f"sqlite:///{data / 'publisher.db'}",
        "PUBLISHER_BROKER_URL": "filesystem://",
        "PUBLISHER_SMTP_HOST": smtp_server.host,
        "PUBLISHER_SMTP_PORT": str(smtp_server.port),
    }
    imported = run(env, "import", str(seed_path))
    assert run(env, "subscribers", "add", "ana@example.com", "--list", "readers").returncode == 0
    queue = data / "broker" / "queue"
    queue.mkdir(parents=True, exist_ok=True)
    (queue / "0_00000000-0000-0000-0000-000000000000.email.msg").write_bytes(b"")  # what kombu used to leave

    log = tmp_path / "worker.log"
    worker = spawn_worker(env, concurrency=1, log_path=log)
    try:
        campaign_id = run(env, "send", imported.stdout.strip(), "--list", "readers").stdout.strip()
        state = settle(env, campaign_id, 60, log)
        assert worker.poll() is None
    finally:
        stop_worker(worker)

    assert state["state"] == "done" and [r for m in smtp_server.messages for r in m.rcpt_tos] == ["ana@example.com"]
    assert "skipped broker message" in log.read_text()
    assert [p.name for p in (queue / "corrupt").iterdir()] == ["0_00000000-0000-0000-0000-000000000000.email.msg"]
