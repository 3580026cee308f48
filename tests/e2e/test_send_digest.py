"""The whole pipeline as an operator runs it: CLI, a real Celery worker process, a real SMTP server.

Runs on the embedded default (SQLite + filesystem broker), on PostgreSQL + Redis, and with RabbitMQ.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.support.services import postgres_database, rabbitmq_broker, redis_database
from tests.support.smtp import SmtpServer
from workers.process import spawn_worker, stop_worker

RECIPIENTS = 200


@pytest.fixture(params=["sqlite+filesystem", "postgresql+redis", "sqlite+rabbitmq"])
def backend_env(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    with ExitStack() as stack:
        if request.param == "sqlite+filesystem":
            yield {"PUBLISHER_DATABASE_URL": f"sqlite:///{tmp_path / 'data' / 'publisher.db'}"}
        elif request.param == "sqlite+rabbitmq":
            yield {
                "PUBLISHER_DATABASE_URL": f"sqlite:///{tmp_path / 'data' / 'publisher.db'}",
                "PUBLISHER_BROKER_URL": stack.enter_context(rabbitmq_broker()),
            }
        else:
            yield {
                "PUBLISHER_DATABASE_URL": stack.enter_context(postgres_database()),
                "PUBLISHER_BROKER_URL": stack.enter_context(redis_database()),
            }


@pytest.fixture
def env(backend_env: dict[str, str], smtp_server: SmtpServer) -> dict[str, str]:
    smtp = {"PUBLISHER_SMTP_HOST": smtp_server.host, "PUBLISHER_SMTP_PORT": str(smtp_server.port)}
    pinned = {k: v for k, v in os.environ.items() if k.startswith("PUBLISHER_")}
    return {**pinned, **backend_env, **smtp}


def run(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "publisher", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=timeout,
    )


def test_digest_reaches_every_subscriber_once(env, smtp_server: SmtpServer, seed_path: Path, tmp_path: Path):
    imported = run(env, "import", str(seed_path))
    assert imported.returncode == 0, imported.stderr
    article_id = imported.stdout.strip()
    addresses = [f"reader{i:03d}@example.com" for i in range(RECIPIENTS)]
    csv = tmp_path / "readers.csv"
    csv.write_text("email,name\n" + "".join(f"{a},Reader {i}\n" for i, a in enumerate(addresses)))
    assert run(env, "subscribers", "import", str(csv), "--list", "readers").returncode == 0

    worker = spawn_worker(env, concurrency=2, log_path=tmp_path / "worker.log")
    try:
        sent = run(env, "send", article_id, "--list", "readers", "--wait", "--timeout", "90")
    finally:
        stop_worker(worker)
    log = (tmp_path / "worker.log").read_text()
    assert sent.returncode == 0, sent.stderr + log
    campaign_id = sent.stdout.strip()

    messages = smtp_server.messages
    assert len(messages) == RECIPIENTS
    assert sorted(r for m in messages for r in m.rcpt_tos) == addresses  # exactly one each
    parsed = [email.message_from_bytes(m.data, policy=email.policy.default) for m in messages]
    assert len({p["Message-ID"] for p in parsed}) == RECIPIENTS
    for message in parsed:
        assert message.get_content_type() == "multipart/alternative"
        html = message.get_body(("html",)).get_content()
        text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
        assert 'style="' in html and "Why Israel Made the Request" in html
        assert "Washington Says No\n------------------" in text
        assert message["To"].addresses[0].addr_spec in addresses

    status = run(env, "status", campaign_id, "--format", "json")
    data = json.loads(status.stdout)
    assert data["id"] == int(campaign_id)
    assert data["state"] == "done"
    assert data["counts"]["sent"] == RECIPIENTS
    assert data["counts"]["queued"] == data["counts"]["failed"] == 0
