"""Results that could not be written at once: kept, written again, and a pause only when the store was full.

A worker host whose network dropped (the store unreachable, not unwritable) records its chunk when it can and
delivery goes on: pausing would stop a campaign the other hosts carried on meanwhile (issue 17, many hosts).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.exc import OperationalError

from publisher.delivery import batch
from publisher.errors import StorageUnavailable
from publisher.store import Store
from publisher.store.models import Campaign


@pytest.fixture(autouse=True)
def _quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batch, "RECORD_RETRY_FIRST_SECONDS", 0.01)


def sending_campaign(store: Store) -> int:
    with store.session() as session:
        campaign = Campaign(kind="email", state="sending", subject="Digest")
        session.add(campaign)
        session.flush()
        return campaign.id


def failing_first(error: Exception, times: int = 2) -> Callable[[], str | None]:
    calls = {"n": 0}

    def write() -> str | None:
        calls["n"] += 1
        if calls["n"] <= times:
            raise error
        return None

    return write


def state_of(store: Store, campaign_id: int) -> tuple[str, str | None]:
    with store.session() as session:
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None
        return campaign.state, campaign.pause_reason


def test_results_written_once_the_lost_connection_is_back_leave_the_campaign_going(store: Store):
    campaign_id = sending_campaign(store)
    lost = OperationalError("UPDATE outbox", {}, Exception("server closed the connection unexpectedly"))

    reason = batch._record_durably(store, campaign_id, 200, failing_first(lost))

    assert reason is None
    assert state_of(store, campaign_id) == ("sending", None)


def test_results_written_once_the_full_store_has_room_again_pause_the_campaign_with_the_reason(store: Store):
    campaign_id = sending_campaign(store)
    full = StorageUnavailable("full", "the data directory /var/lib/publisher is full: free some space")

    reason = batch._record_durably(store, campaign_id, 200, failing_first(full))

    assert reason is not None and reason.startswith("results could not be recorded") and "is full" in reason
    assert state_of(store, campaign_id) == ("paused", reason)


def test_a_connection_lost_and_then_a_full_store_still_pauses(store: Store):
    campaign_id = sending_campaign(store)
    lost = OperationalError("UPDATE outbox", {}, Exception("server closed the connection unexpectedly"))
    full = StorageUnavailable("full", "the data directory /var/lib/publisher is full: free some space")
    errors = [lost, full]

    def write() -> str | None:
        if errors:
            raise errors.pop(0)
        return None

    reason = batch._record_durably(store, campaign_id, 200, write)

    assert reason is not None and state_of(store, campaign_id)[0] == "paused"
