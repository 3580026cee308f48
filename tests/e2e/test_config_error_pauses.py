"""A worker whose configuration is broken (issue 10, defect 1), with real processes: the CLI, Celery workers
and an SMTP server.

The campaign is created by a CLI process without DKIM; the worker has PUBLISHER_DKIM_KEY_PATH naming a file
that does not exist. The send pauses within one batch with a reason naming the key file, nothing is retried,
and once the worker is restarted with a real key, `publisher campaign resume` delivers every message, signed.
"""

from __future__ import annotations

import base64
import email
import email.policy
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import dkim
import pytest
from sqlalchemy import select

from publisher.store import Store
from publisher.store.models import OutboxRow
from tests.support.services import postgres_database, redis_database
from tests.support.smtp import SmtpServer
from workers.process import spawn_worker, stop_worker

RECIPIENTS = 30
BATCH_SIZE = 10  # three batches: the first one pauses the campaign, the other two find it paused
SELECTOR = "mail2026"


@pytest.fixture(params=["sqlite+filesystem", "postgresql+redis"])
def backend_env(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    with ExitStack() as stack:
        if request.param == "sqlite+filesystem":
            yield {"PUBLISHER_DATABASE_URL": f"sqlite:///{tmp_path / 'data' / 'publisher.db'}"}
        else:
            yield {
                "PUBLISHER_DATABASE_URL": stack.enter_context(postgres_database()),
                "PUBLISHER_BROKER_URL": stack.enter_context(redis_database()),
            }


@pytest.fixture
def env(backend_env: dict[str, str], smtp_server: SmtpServer) -> dict[str, str]:
    """The CLI's environment: the backend and the SMTP server, and no DKIM."""
    pinned = {k: v for k, v in os.environ.items() if k.startswith("PUBLISHER_")}
    smtp = {"PUBLISHER_SMTP_HOST": smtp_server.host, "PUBLISHER_SMTP_PORT": str(smtp_server.port)}
    return {**pinned, **backend_env, **smtp, "PUBLISHER_BATCH_SIZE": str(BATCH_SIZE)}


@pytest.fixture
def dkim_key(tmp_path: Path) -> tuple[Path, bytes]:
    """A real RSA key and the DNS TXT record that publishes it."""
    key = tmp_path / "keys" / "dkim.pem"
    key.parent.mkdir()
    subprocess.run(["openssl", "genrsa", "-out", str(key), "2048"], check=True, capture_output=True)
    public = subprocess.run(
        ["openssl", "rsa", "-in", str(key), "-pubout", "-outform", "DER"], check=True, capture_output=True
    ).stdout
    return key, b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)


def run(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "publisher", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=timeout,
    )


def status(env: dict[str, str], campaign_id: str) -> dict[str, Any]:
    shown = run(env, "status", campaign_id, "--format", "json")
    assert shown.returncode == 0, shown.stderr
    return json.loads(shown.stdout)


def wait_for_state(env: dict[str, str], campaign_id: str, state: str, timeout: float, log: Path) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while (data := status(env, campaign_id))["state"] != state:
        assert time.monotonic() < deadline, f"still {data['state']} after {timeout}s\n{log.read_text()[-3000:]}"
        time.sleep(0.5)
    return data


def task_runs(log: str) -> int:
    return len(re.findall(r"Task workers\.tasks\.deliver_batch\[[^\]]+\] received", log))


def test_a_missing_dkim_key_on_the_worker_pauses_the_send_until_fixed_and_resumed(
    env: dict[str, str], smtp_server: SmtpServer, seed_path: Path, tmp_path: Path, dkim_key: tuple[Path, bytes]
):
    imported = run(env, "import", str(seed_path))
    assert imported.returncode == 0, imported.stderr
    addresses = [f"reader{i:03d}@example.com" for i in range(RECIPIENTS)]
    csv = tmp_path / "readers.csv"
    csv.write_text("email,name\n" + "".join(f"{a},Reader {i}\n" for i, a in enumerate(addresses)))
    assert run(env, "subscribers", "import", str(csv), "--list", "readers").returncode == 0

    missing = tmp_path / "keys" / "missing-dkim.pem"
    broken_env = {**env, "PUBLISHER_DKIM_KEY_PATH": str(missing)}  # as the issue has it: only the key path
    broken_log = tmp_path / "worker-broken.log"
    worker = spawn_worker(broken_env, concurrency=1, log_path=broken_log)
    try:
        sent = run(env, "send", imported.stdout.strip(), "--list", "readers")  # checks the template: no DKIM here
        assert sent.returncode == 0, sent.stderr
        campaign_id = sent.stdout.strip()
        paused = wait_for_state(env, campaign_id, "paused", 60, broken_log)
        time.sleep(1)
        runs_at_pause = task_runs(broken_log.read_text())
        time.sleep(5)  # long enough for a retry loop (2 s, 4 s, ... backoff) to show in the log
        runs_later = task_runs(broken_log.read_text())
    finally:
        stop_worker(worker)
    log = broken_log.read_text()

    assert str(missing) in paused["pause_reason"], paused["pause_reason"]
    assert paused["counts"]["queued"] == RECIPIENTS and paused["counts"]["sent"] == 0
    assert smtp_server.messages == []
    assert "Retry in" not in log and "raised unexpected" not in log, log[-3000:]
    # Each batch ran once from `send` and at most once more from the worker's sweep at start; none ran again.
    assert runs_later == runs_at_pause <= 2 * (RECIPIENTS // BATCH_SIZE), log[-3000:]
    store = Store(env["PUBLISHER_DATABASE_URL"])
    try:
        with store.session() as session:
            attempts = session.scalars(select(OutboxRow.attempts).where(OutboxRow.campaign_id == int(campaign_id)))
            assert set(attempts) == {0}  # untried: the setting cost no message an attempt
    finally:
        store.dispose()

    key_path, record = dkim_key
    fixed_env = {**broken_env, "PUBLISHER_DKIM_KEY_PATH": str(key_path), "PUBLISHER_DKIM_SELECTOR": SELECTOR}
    fixed_log = tmp_path / "worker-fixed.log"
    worker = spawn_worker(fixed_env, concurrency=1, log_path=fixed_log)
    try:
        resumed = run(env, "campaign", "resume", campaign_id)
        assert resumed.returncode == 0, resumed.stderr
        done = wait_for_state(env, campaign_id, "done", 90, fixed_log)
    finally:
        stop_worker(worker)

    assert done["counts"]["sent"] == RECIPIENTS and done["pause_reason"] is None
    messages = smtp_server.messages
    assert sorted(r for m in messages for r in m.rcpt_tos) == addresses  # every one, once
    for message in messages:
        assert email.message_from_bytes(message.data, policy=email.policy.default)["DKIM-Signature"]
        assert dkim.verify(message.data, dnsfunc=lambda name, timeout=5: record)
