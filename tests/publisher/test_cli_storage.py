"""The CLI and the web app on a data directory that is read-only or full: one clear line, exit 2, and what
only reads keeps working (real processes on a real tmpfs)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.support.disks import fill, remount_read_only, tmpfs
from tests.support.services import free_port


@pytest.fixture
def data(tmp_path: Path):
    with tmpfs(tmp_path / "data", size="16m") as mounted:
        yield mounted


def publisher(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PUBLISHER_DATA_DIR": str(data), "PUBLISHER_DATABASE_URL": "", "COLUMNS": "200"}
    env.pop("PUBLISHER_DATABASE_URL")
    return subprocess.run(
        [sys.executable, "-m", "publisher", *args], capture_output=True, text=True, env=env, timeout=60
    )


def _prepared(data: Path, seed_path: Path) -> None:
    assert publisher(data, "import", str(seed_path)).returncode == 0
    assert publisher(data, "subscribers", "add", "ana@example.com", "--list", "news").returncode == 0


def test_a_read_only_data_directory_reads_and_refuses_changes_in_one_line(data: Path, seed_path: Path):
    _prepared(data, seed_path)
    remount_read_only(data)
    try:
        listed = publisher(data, "article", "list")
        assert listed.returncode == 0 and "Rejects" in listed.stdout, listed.stderr
        assert publisher(data, "subscribers", "lists").returncode == 0

        refused = publisher(data, "subscribers", "add", "bo@example.com", "--list", "news")
        assert refused.returncode == 2
        assert refused.stderr.strip().splitlines() == [
            f"error: the data directory {data} is read-only: nothing can be changed until it is writable"
        ]
        assert "Traceback" not in refused.stderr
    finally:
        remount_read_only(data, read_only=False)


def test_serve_starts_on_a_read_only_data_directory_and_answers_writes_with_503(data: Path, seed_path: Path):
    _prepared(data, seed_path)
    env = {**os.environ, "PUBLISHER_DATA_DIR": str(data)}
    env.pop("PUBLISHER_DATABASE_URL", None)
    run = dict(capture_output=True, text=True, env=env, timeout=60)
    cli = [sys.executable, "-m", "publisher"]
    subprocess.run([*cli, "users", "add", "ed", "--password-stdin"], input="a long password\n", check=True, **run)
    token = subprocess.run([*cli, "users", "token", "ed"], check=True, **run).stdout.strip().split()[-1]
    remount_read_only(data)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "publisher", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, server.stdout.read() if server.stdout else ""
            time.sleep(0.2)
        assert httpx.get(f"{base}/").status_code == 200
        assert httpx.get(f"{base}/api/articles", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        added = httpx.post(
            f"{base}/api/subscribers",
            json={"list_name": "news", "emails": ["bo@example.com"]},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert added.status_code == 503 and "is read-only" in added.text, added.text
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(10)
        remount_read_only(data, read_only=False)


def test_a_full_data_directory_is_named_in_one_line_and_status_still_reads(data: Path, seed_path: Path):
    _prepared(data, seed_path)
    filler = fill(data)
    try:
        listed = publisher(data, "subscribers", "lists")
        assert listed.returncode == 0, listed.stderr
        refused = publisher(data, "subscribers", "import", str(_big_csv(data.parent)), "--list", "news")
        assert refused.returncode == 2, refused.stderr
        assert f"error: the data directory {data} is full" in refused.stderr and "Traceback" not in refused.stderr
    finally:
        filler.unlink()


def _big_csv(folder: Path) -> Path:
    path = folder / "many.csv"
    path.write_text("email,name\n" + "".join(f"reader{i}@example.com,{'N' * 200}\n" for i in range(20000)))
    return path
