"""`publisher doctor` as an operator runs it: one aligned line per check, JSON on request, exit 0 when
nothing is an error and 1 when something is (a real process; DKIM off, since real DNS is not the test's)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.doctor import base_url_answering, healthy_environment
from tests.support.smtp import SmtpServer


@pytest.fixture
def env(tmp_path: Path, smtp_server: SmtpServer) -> Iterator[dict[str, str]]:
    with base_url_answering() as url:
        healthy, _record = healthy_environment(tmp_path / "data", smtp_server, url)
        del healthy["PUBLISHER_DKIM_KEY_PATH"], healthy["PUBLISHER_DKIM_SELECTOR"]
        yield {k: v for k, v in os.environ.items() if not k.startswith("PUBLISHER_")} | healthy


def doctor(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "publisher", "doctor", "--timeout", "2", *args]
    return subprocess.run(command, capture_output=True, text=True, env={**env, "COLUMNS": "200"}, timeout=60)


def test_a_healthy_installation_prints_one_line_per_check_and_exits_0(env: dict[str, str]):
    done = doctor(env)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.strip().splitlines()
    assert [line.split()[0] for line in lines] == ["ok", "ok", "ok", "warning", "ok", "warning", "ok", "ok", "ok", "ok"]
    assert lines[3].startswith("warning workers ")  # the filesystem broker cannot ping
    assert lines[5].startswith("warning dkim ")  # mail through SMTP, unsigned
    assert all(line.index(line.split()[1]) == 8 for line in lines), "the checks' names line up"


def test_json_and_a_stopped_smtp_server_exit_1(env: dict[str, str]):
    stopped = SmtpServer().start()
    stopped.stop()
    done = doctor({**env, "PUBLISHER_SMTP_PORT": str(stopped.port)}, "--format", "json")
    assert done.returncode == 1, done.stderr
    findings = {f["check"]: f for f in json.loads(done.stdout)}
    assert findings["smtp"]["verdict"] == "error"
    assert findings["smtp"]["where"] == f"127.0.0.1:{stopped.port} (none)"
    assert {f["verdict"] for name, f in findings.items() if name != "smtp"} <= {"ok", "warning"}


def test_doctor_does_not_create_or_migrate_the_database(env: dict[str, str], tmp_path: Path):
    fresh = tmp_path / "fresh"
    done = doctor({**env, "PUBLISHER_DATA_DIR": str(fresh)})
    assert done.returncode == 1
    assert "error   database" in done.stdout and "publisher db upgrade" in done.stdout
    assert not (fresh / "publisher.db").exists()
