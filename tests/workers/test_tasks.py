"""The deliver_batch task retries only what can come back (the store, the broker), never a setting or a bug."""

from pathlib import Path

import pytest
from kombu.exceptions import OperationalError as BrokerError
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

from publisher import campaigns, delivery
from publisher.config import Settings
from publisher.errors import ConfigError, StorageUnavailable
from publisher.store import Store
from tests.support.factories import seed_article, subscribe
from workers import tasks


def _db_error(kind: type[Exception]) -> Exception:
    return kind("UPDATE outbox ...", {}, Exception("boom"))


@pytest.mark.parametrize(
    ("error", "retried"),
    [
        (_db_error(OperationalError), True),  # the database is down, locked or restarting
        (BrokerError("connection refused"), True),
        (ConnectionRefusedError(111, "refused"), True),
        (StorageUnavailable("full", "the database /var/publisher.db is full"), True),
        (ConfigError("cannot read the DKIM key /etc/dkim.pem"), False),
        (_db_error(IntegrityError), False),
        (_db_error(ProgrammingError), False),
        (TypeError("a bug"), False),
        (ValueError("a bad value"), False),
    ],
)
def test_only_store_and_broker_failures_are_retried(error: Exception, retried: bool):
    assert tasks.store_or_broker_failed(error) is retried


def test_a_store_failure_is_retried_and_a_bug_is_not(monkeypatch: pytest.MonkeyPatch):
    calls: list[int] = []

    def flaky(*args: object, **kwargs: object) -> delivery.BatchOutcome:
        calls.append(1)
        if len(calls) == 1:
            raise _db_error(OperationalError)
        return delivery.BatchOutcome(sent=1)

    monkeypatch.setattr(tasks.delivery, "deliver_batch", flaky)
    assert tasks.deliver_batch.apply(args=(1, "smtp", 1, 1)).successful()  # eager: the retry runs at once
    assert len(calls) == 2

    def buggy(*args: object, **kwargs: object) -> delivery.BatchOutcome:
        calls.append(1)
        raise TypeError("a bug")

    calls.clear()
    monkeypatch.setattr(tasks.delivery, "deliver_batch", buggy)
    result = tasks.deliver_batch.apply(args=(1, "smtp", 1, 1))
    assert result.failed() and isinstance(result.result, TypeError)
    assert len(calls) == 1


def test_a_missing_dkim_key_on_the_worker_pauses_the_campaign_and_the_task_ends(
    monkeypatch: pytest.MonkeyPatch, seed_path: Path, tmp_path: Path
):
    settings = Settings()  # the sending process: no DKIM
    store = Store(settings.resolved_database_url)
    try:
        article_id = seed_article(store, seed_path)
        subscribe(store, "news", 3)
        campaign_id = campaigns.create_email_campaign(store, settings, [article_id], "news")
        with store.session() as session:
            [batch] = campaigns.batches(session, campaign_id, 100)
        missing = tmp_path / "nowhere" / "dkim.pem"
        monkeypatch.setenv("PUBLISHER_DKIM_KEY_PATH", str(missing))  # the worker's environment
        monkeypatch.setenv("PUBLISHER_DKIM_SELECTOR", "mail2026")

        result = tasks.deliver_batch.apply(args=(campaign_id, batch.channel, batch.first_id, batch.last_id))

        assert result.successful()  # no exception, so no retry
        status = campaigns.status(store, campaign_id)
        assert status.state == "paused" and str(missing) in status.pause_reason
        assert status.counts["queued"] == 3
    finally:
        store.dispose()
