"""A delivered chunk is measured in the worker's process: its latency per channel and each row's outcome."""

from pathlib import Path

from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from publisher.config import Settings
from publisher.store import Store
from publisher.web import create_app
from tests.publisher.test_delivery import new_campaign, run_all, smtp_settings  # noqa: F401 - a fixture
from tests.support.smtp import SmtpServer


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_a_real_delivery_chunk_is_observed_in_the_latency_histogram_and_the_sends(
    store: Store, smtp_settings: Settings, smtp_server: SmtpServer, seed_path: Path  # noqa: F811 - the fixture
):
    campaign_id, addresses = new_campaign(store, smtp_settings, seed_path, 6)
    smtp_server.handler.reject[addresses[0]] = "550 5.1.1 user unknown"
    chunks = sample("publisher_delivery_seconds_count", channel="smtp")
    sent = sample("publisher_sends_total", channel="smtp", result="sent")
    failed = sample("publisher_sends_total", channel="smtp", result="failed")

    run_all(store, smtp_settings, campaign_id)

    assert sample("publisher_delivery_seconds_count", channel="smtp") == chunks + 1  # 6 rows: one chunk
    assert sample("publisher_delivery_seconds_sum", channel="smtp") > 0
    assert sample("publisher_sends_total", channel="smtp", result="sent") == sent + 5
    assert sample("publisher_sends_total", channel="smtp", result="failed") == failed + 1
    with TestClient(create_app(smtp_settings, store), client=("127.0.0.1", 40000)) as http:
        families = {f.name: f for f in text_string_to_metric_families(http.get("/metrics").text)}
    histogram = families["publisher_delivery_seconds"]
    assert histogram.type == "histogram"
    assert {s.labels.get("channel") for s in histogram.samples} >= {"smtp"}
    assert [s.value for s in families["publisher_outbox_sent"].samples if s.labels == {"channel": "smtp"}] == [5]
