"""GET /metrics: Prometheus text format with the outbox counts, for this machine or a bearer token."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select, update

from publisher import campaigns
from publisher.config import Settings
from publisher.store import Store
from publisher.store.models import BounceEvent, OutboxRow
from publisher.web import create_app
from tests.support.factories import seed_article, subscribe

LOOPBACK = ("127.0.0.1", 40000)
ELSEWHERE = ("203.0.113.9", 40000)
TOKEN = "metrics-token-Zq81"


def client(store: Store, host: tuple[str, int] = LOOPBACK) -> TestClient:
    return TestClient(create_app(Settings(), store), client=host)


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of the exposition, parsed by prometheus-client's own parser."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def campaign_with_rows(store: Store, seed_path: Path, readers: int) -> int:
    """An email campaign to `readers` subscribers: 3 rows sent, 1 failed, the rest queued (file channel)."""
    article_id = seed_article(store, seed_path)
    subscribe(store, "news", readers)
    campaign_id = campaigns.create_email_campaign(store, Settings(), [article_id], "news")
    with store.session() as session:
        ids = list(session.scalars(select(OutboxRow.id).where(OutboxRow.campaign_id == campaign_id)))
        session.execute(update(OutboxRow).where(OutboxRow.id.in_(ids[:3])).values(state="sent"))
        session.execute(update(OutboxRow).where(OutboxRow.id == ids[3]).values(state="failed"))
        bounce = BounceEvent(email="reader00003@example.com", kind="hard", reason="bad_mailbox")
        session.add(bounce)  # campaign_id unset: a report that named no send still counts
    return campaign_id


def test_metrics_parse_and_carry_the_outbox_counts_by_state_and_channel(any_store: Store, seed_path: Path):
    campaign_with_rows(any_store, seed_path, 10)

    with client(any_store) as http:
        response = http.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"] == CONTENT_TYPE_LATEST
    found = samples(response.text)
    states = ("queued", "sending", "sent", "failed", "suppressed", "cancelled")
    rows = {state: found[("publisher_outbox_rows", (("channel", "file"), ("state", state)))] for state in states}
    assert rows == {"queued": 6, "sending": 0, "sent": 3, "failed": 1, "suppressed": 0, "cancelled": 0}
    assert found[("publisher_outbox_sent_total", (("channel", "file"),))] == 3
    assert found[("publisher_bounces_total", (("kind", "hard"), ("reason", "bad_mailbox")))] == 1
    assert found[("publisher_campaigns", (("state", "queued"),))] == 1
    assert found[("publisher_campaigns", (("state", "done"),))] == 0


def test_an_empty_store_has_no_outbox_series_but_counts_its_campaigns(store: Store):
    with client(store) as http:
        found = samples(http.get("/metrics").text)

    assert not [key for key in found if key[0] == "publisher_outbox_rows"]
    assert found[("publisher_campaigns", (("state", "sending"),))] == 0


@pytest.fixture
def with_token(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("PUBLISHER_METRICS_TOKEN", TOKEN)
    yield


def test_from_another_machine_metrics_are_refused_without_a_token_configured(store: Store):
    with client(store, ELSEWHERE) as http:
        response = http.get("/metrics", headers={"Authorization": "Bearer anything"})

    assert response.status_code == 403
    assert "publisher_outbox" not in response.text


def test_from_another_machine_the_bearer_token_opens_them(store: Store, with_token: None):
    with client(store, ELSEWHERE) as http:
        missing = http.get("/metrics")
        wrong = http.get("/metrics", headers={"Authorization": "Bearer metrics-token-wrong"})
        right = http.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})

    assert (missing.status_code, wrong.status_code) == (401, 401)
    assert missing.headers["www-authenticate"] == "Bearer"
    assert TOKEN not in missing.text + wrong.text
    assert right.status_code == 200 and "publisher_campaigns" in right.text


def test_a_proxy_on_this_machine_does_not_make_its_clients_local(store: Store):
    with client(store, LOOPBACK) as http:
        forwarded = http.get("/metrics", headers={"X-Forwarded-For": "198.51.100.7"})
        ipv6_loopback = TestClient(create_app(Settings(), store), client=("::1", 40000)).get("/metrics")

    assert forwarded.status_code == 403
    assert ipv6_loopback.status_code == 200
