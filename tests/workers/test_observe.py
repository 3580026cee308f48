"""What the workers tell an operator: JSON log lines naming campaign, batch and task, retries counted,
and never a secret."""

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.exc import OperationalError

from publisher import campaigns, delivery
from publisher.config import Settings
from publisher.store import Store
from tests.support.factories import seed_article, subscribe
from tests.support.services import free_port
from workers import observe, tasks

SMTP_PASSWORD = "smtp-pa55-Wq7Lr"
METRICS_TOKEN = "metrics-tok-4Hc9"


@pytest.fixture
def json_worker_logs(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """JSON logs and secret-bearing settings in the environment; the root logger put back afterwards."""
    monkeypatch.setenv("PUBLISHER_LOG_FORMAT", "json")
    monkeypatch.setenv("PUBLISHER_SMTP_PASSWORD", SMTP_PASSWORD)
    monkeypatch.setenv("PUBLISHER_METRICS_TOKEN", METRICS_TOKEN)
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def lines(err: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in err.splitlines() if line.startswith("{")]


def test_a_task_logs_json_lines_with_its_campaign_batch_and_task_ids_and_no_secret(
    json_worker_logs: None, capsys: pytest.CaptureFixture[str], seed_path: Path
):
    observe._logging(loglevel="INFO")  # as Celery's setup_logging signal calls it, on this test's stderr
    store = Store(Settings().resolved_database_url)
    try:
        article_id = seed_article(store, seed_path)
        subscribe(store, "news", 3)
        campaign_id = campaigns.create_email_campaign(store, Settings(), [article_id], "news")
        with store.session() as session:
            [batch] = campaigns.batches(session, campaign_id, 100)

        result = tasks.deliver_batch.apply(args=(campaign_id, batch.channel, batch.first_id, batch.last_id))
        logging.getLogger("publisher").info("settings in use: %s", Settings())  # what a careless line would do
    finally:
        store.dispose()

    assert result.successful()
    err = capsys.readouterr().err
    [done] = [line for line in lines(err) if line["logger"] == "workers.tasks"]
    assert (done["campaign_id"], done["task_id"], done["channel"]) == (campaign_id, result.id, batch.channel)
    assert done["batch_id"] == f"{batch.first_id}-{batch.last_id}"
    assert "sent 3" in str(done["message"])
    assert SMTP_PASSWORD not in err and METRICS_TOKEN not in err and "test-secret-key" not in err
    assert any("settings in use" in str(line["message"]) for line in lines(err))  # the careless line was written


def test_a_retried_task_is_counted_by_name(monkeypatch: pytest.MonkeyPatch):
    calls: list[int] = []

    def flaky(*args: object, **kwargs: object) -> delivery.BatchOutcome:
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("UPDATE outbox ...", {}, Exception("the database restarted"))
        return delivery.BatchOutcome(sent=1)

    monkeypatch.setattr(tasks.delivery, "deliver_batch", flaky)
    labels = {"task": "workers.tasks.deliver_batch"}
    before = REGISTRY.get_sample_value("publisher_task_retries_total", labels) or 0.0

    assert tasks.deliver_batch.apply(args=(1, "smtp", 1, 1)).successful()  # eager: the retry runs at once

    assert REGISTRY.get_sample_value("publisher_task_retries_total", labels) == before + 1


def test_with_a_metrics_port_the_worker_serves_its_own_metrics(monkeypatch: pytest.MonkeyPatch):
    port = free_port()
    monkeypatch.setenv("PUBLISHER_METRICS_PORT", str(port))
    observe._count_retry(sender=tasks.sweep)

    server = observe._serve_metrics()
    assert server is not None
    try:
        response = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10)
    finally:
        server.shutdown()
        server.server_close()

    families = {f.name: f for f in text_string_to_metric_families(response.text)}
    [retries] = [s for s in families["publisher_task_retries"].samples if s.labels == {"task": "workers.tasks.sweep"}]
    assert retries.value >= 1
    assert "publisher_outbox_rows" not in families  # the database's counts are the web app's to serve


def test_without_a_metrics_port_no_server_starts():
    assert observe._serve_metrics() is None
