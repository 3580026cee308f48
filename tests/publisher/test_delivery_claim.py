"""Claiming a chunk: only the batch's rows of its campaign, read through the primary key's range."""

import re
from pathlib import Path

import pytest
from sqlalchemy import select, text

from publisher import campaigns
from publisher.config import Settings
from publisher.delivery.claim import claim, claimable
from publisher.store import Store
from publisher.store.models import OutboxRow, utcnow
from tests.support.factories import seed_article, subscribe


def _campaign(store: Store, settings: Settings, seed_path: Path, list_name: str, count: int) -> int:
    article_id = seed_article(store, seed_path)
    subscribe(store, list_name, count, domain=f"{list_name}.example.com")
    return campaigns.create_email_campaign(store, settings, [article_id], list_name, force=True)


def test_a_claim_over_another_campaigns_ids_takes_only_its_own_rows(any_store: Store, settings: Settings, seed_path):
    first = _campaign(any_store, settings, seed_path, "news", 5)
    second = _campaign(any_store, settings, seed_path, "other", 5)

    _, claimed = claim(any_store, first, settings.email_channel, 0, 10**9, settings.lease_seconds)

    with any_store.session() as session:
        owners = session.scalars(select(OutboxRow.campaign_id).where(OutboxRow.id.in_([c.id for c in claimed])))
        assert set(owners) == {first}
        assert session.scalar(select(OutboxRow.state).where(OutboxRow.campaign_id == second).limit(1)) == "queued"
    assert len(claimed) == 5


@pytest.mark.parametrize("any_store", ["postgresql"], indirect=True)
def test_a_new_campaigns_claim_reads_its_id_range_not_every_row_of_the_campaign(
    any_store: Store, settings: Settings, seed_path
):
    # Rows just written have no statistics: the planner must not take an index on campaign_id for selective,
    # which reads every row of the campaign for each chunk (a 20,000-row campaign, as `make bench` sends).
    campaign_id = _campaign(any_store, settings, seed_path, "news", 1)
    with any_store.session() as session:
        session.execute(
            text(
                "INSERT INTO outbox (campaign_id, recipient_id, channel, state, attempts) "
                "SELECT :campaign, g, :channel, 'queued', 0 FROM generate_series(1000, 21000) AS g"
            ),
            {"campaign": campaign_id, "channel": settings.email_channel},
        )
    with any_store.session() as session:
        first = session.scalar(select(OutboxRow.id).where(OutboxRow.campaign_id == campaign_id).order_by("id"))
        query = claimable(campaign_id, settings.email_channel, first + 5000, first + 5499, 600, 200, utcnow())
        compiled = query.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
        plan = "\n".join(session.scalars(text(f"EXPLAIN {compiled}")))

    # The outbox is partitioned by campaign on PostgreSQL (migration 0023): the index read is the primary key of
    # the partition the rows are in (outbox_default_pkey here), never one of its indexes on campaign_id.
    indexes = re.findall(r"(?:Index Scan using|Index Only Scan using|Bitmap Index Scan on) (outbox\w*)", plan)
    assert indexes and all(name.endswith("pkey") for name in indexes), plan
    assert "campaign_id_" not in " ".join(indexes) and "uq_outbox_delivery" not in plan, plan
