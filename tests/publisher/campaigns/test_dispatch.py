"""Batches (issue 17): id ranges that cover every row of a campaign once, never more than a batch of rows each."""

from __future__ import annotations

import importlib

import pytest
from sqlalchemy import select

from publisher.campaigns.dispatch import Batch, batches
from publisher.states import RowState
from publisher.store import Store
from publisher.store.models import Campaign, OutboxRow

# The module, not campaigns.dispatch (the function of that name the package exports).
dispatch_module = importlib.import_module("publisher.campaigns.dispatch")


def _campaign(store: Store) -> int:
    with store.session() as session:
        campaign = Campaign(kind="email", state="queued", subject="Digest")
        session.add(campaign)
        session.flush()
        return campaign.id


def _rows(store: Store, campaign_id: int, recipients: range, channel: str = "email", state: str = "queued") -> None:
    with store.session() as session:
        session.add_all(
            OutboxRow(campaign_id=campaign_id, recipient_id=r, channel=channel, state=state) for r in recipients
        )


def _ids(store: Store, campaign_id: int, *, pending_only: bool = False) -> dict[str, list[int]]:
    with store.session() as session:
        query = select(OutboxRow.channel, OutboxRow.id).where(OutboxRow.campaign_id == campaign_id)
        if pending_only:
            query = query.where(OutboxRow.state == RowState.QUEUED)
        found: dict[str, list[int]] = {}
        for channel, row_id in session.execute(query.order_by(OutboxRow.id)):
            found.setdefault(channel, []).append(row_id)
        return found


def _covered(work: list[Batch], ids: dict[str, list[int]]) -> dict[str, list[list[int]]]:
    """The campaign's row ids in each batch, per channel."""
    return {
        channel: [[i for i in row_ids if b.first_id <= i <= b.last_id] for b in work if b.channel == channel]
        for channel, row_ids in ids.items()
    }


def _split(store: Store, campaign_id: int, size: int, *, pending_only: bool = False) -> list[Batch]:
    with store.session() as session:
        return batches(session, campaign_id, size, pending_only=pending_only)


def test_one_inserts_rows_are_split_by_their_ids_into_full_batches(any_store: Store):
    campaign_id = _campaign(any_store)
    _rows(any_store, campaign_id, range(1, 24))

    work = _split(any_store, campaign_id, 5)

    [ids] = _ids(any_store, campaign_id).values()
    assert [len(rows) for rows in _covered(work, {"email": ids})["email"]] == [5, 5, 5, 5, 3]
    assert (work[0].first_id, work[-1].last_id) == (ids[0], ids[-1])


def test_rows_interleaved_with_another_campaigns_are_each_in_one_batch_of_at_most_the_size(any_store: Store):
    campaign_id, other = _campaign(any_store), _campaign(any_store)
    for start in range(0, 40, 4):  # two sends writing rows at once: ids alternate in runs of four
        _rows(any_store, campaign_id, range(start, start + 4))
        _rows(any_store, other, range(start, start + 4))

    work = _split(any_store, campaign_id, 6)

    ids = _ids(any_store, campaign_id)
    covered = _covered(work, ids)["email"]
    assert sorted(i for rows in covered for i in rows) == ids["email"]  # every row once
    assert all(0 < len(rows) <= 6 for rows in covered)


def test_each_channel_has_its_own_batches(any_store: Store):
    campaign_id = _campaign(any_store)
    _rows(any_store, campaign_id, range(1, 8), channel="email")
    _rows(any_store, campaign_id, range(1, 4), channel="file")

    work = _split(any_store, campaign_id, 4)

    sizes = [len(rows) for rows in _flat(_covered(work, _ids(any_store, campaign_id)))]
    assert [(b.channel, n) for b, n in zip(work, sizes, strict=True)] == [("email", 4), ("email", 3), ("file", 3)]


def _flat(covered: dict[str, list[list[int]]]) -> list[list[int]]:
    return [rows for channel in sorted(covered) for rows in covered[channel]]


def test_pending_only_leaves_out_what_is_done(any_store: Store):
    campaign_id = _campaign(any_store)
    _rows(any_store, campaign_id, range(0, 10), state="sent")
    _rows(any_store, campaign_id, range(10, 13))
    _rows(any_store, campaign_id, range(13, 30), state="sent")
    _rows(any_store, campaign_id, range(30, 32))

    work = _split(any_store, campaign_id, 500, pending_only=True)

    pending = _ids(any_store, campaign_id, pending_only=True)
    assert [rows for rows in _covered(work, pending)["email"]] == [pending["email"]]
    assert (work[0].first_id, work[-1].last_id) == (pending["email"][0], pending["email"][-1])


@pytest.mark.parametrize("interleaved", [False, True])
def test_a_campaign_beyond_most_batches_goes_out_as_that_many_bigger_ones(
    any_store: Store, monkeypatch: pytest.MonkeyPatch, interleaved: bool
):
    monkeypatch.setattr(dispatch_module, "MOST_BATCHES", 4)
    campaign_id, other = _campaign(any_store), _campaign(any_store)
    for start in range(0, 30, 10):
        _rows(any_store, campaign_id, range(start, start + 10))
        if interleaved:
            _rows(any_store, other, range(start, start + 10))

    work = _split(any_store, campaign_id, 2)

    covered = _covered(work, _ids(any_store, campaign_id))["email"]
    assert len(work) == 4
    assert sorted(len(rows) for rows in covered) == [6, 8, 8, 8]
    assert sum(len(rows) for rows in covered) == 30
