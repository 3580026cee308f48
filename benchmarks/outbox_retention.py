"""The outbox over time (issue 17): compacting a finished 1,000,000-row campaign on PostgreSQL, against a DELETE.

On a private database: 1,000,000 subscribers (COPY), then two finished digests to all of them, their outbox
rows written with COPY: one into the partition of its own that publisher.store.partitions makes for a big
campaign, one into the default partition (where a campaign too small for a partition lives). Timed in the
same run:

- `drop_campaign_1m_seconds`: compacting the first, everything publisher.insight.retention does: its
  totals (counts by state, delivered and failed per domain over a join to the subscribers, unsubscribes,
  throughput; `compact_totals_1m_seconds`) and the DROP of its partition (`drop_partition_1m_seconds`).
  Target: under 10 s. Run as the two steps a resumed compaction takes (totals written, then compact()),
  so each is timed alone.
- `delete_campaign_1m_seconds`: the baseline, one plain `DELETE FROM outbox WHERE campaign_id = ...` of the
  second (no totals), as an unpartitioned outbox would have to; `delete_vacuum_1m_seconds` adds the VACUUM
  that makes the deleted rows' space reusable (a DROP gives it back to the file system at once).

The tables are vacuumed after the COPY, as autovacuum has long done for a campaign finished 120 days ago.
Run alone: `python -m benchmarks.outbox_retention` (needs PostgreSQL on 127.0.0.1:5432).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text

from benchmarks import targets
from benchmarks.delivery import private_postgres, seed_list
from publisher.insight import retention
from publisher.store import Store
from publisher.store.models import Campaign, MailingList, Subscription
from publisher.store.partitions import ensure_partition, partition_name

ROWS = 1_000_000
_STEP = 100_000  # COPY in slices, so a million rows stay small in memory


def _campaign(store: Store, list_id: int) -> int:
    finished = datetime.now(UTC) - timedelta(days=120)
    with store.session() as session:
        campaign = Campaign(
            kind="email", state="done", subject="Bench", list_id=list_id, created_at=finished, finished_at=finished
        )
        session.add(campaign)
        session.flush()
        return campaign.id


def _copy_rows(store: Store, table: str, campaign_id: int, first_subscriber: int) -> None:
    """ROWS sent rows of the campaign into this table (a partition of the outbox), with COPY."""
    stamp = (datetime.now(UTC) - timedelta(days=121)).isoformat()
    raw = store.engine.raw_connection()
    try:
        cursor = raw.cursor()  # type: ignore[attr-defined]
        columns = "campaign_id, recipient_id, channel, state, attempts, updated_at"
        with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for low in range(0, ROWS, _STEP):
                copy.write(
                    "".join(
                        f"{campaign_id}\t{first_subscriber + i}\tsmtp\tsent\t1\t{stamp}\n"
                        for i in range(low, min(low + _STEP, ROWS))
                    )
                )
        raw.commit()
    finally:
        raw.close()
    _vacuum(store, table)


def _totals(store: Store, campaign_id: int) -> None:
    """The first step of a compaction alone: the campaign's totals, written (publisher.insight.retention)."""
    with store.session() as session:
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None
        retention.write_totals(session, campaign)


def _vacuum(store: Store, table: str) -> None:
    """VACUUM (ANALYZE): rows of a campaign finished months ago have long been vacuumed (hint bits set), and the
    first read after a COPY would otherwise write the whole table back."""
    with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f"VACUUM (ANALYZE) {table}"))


def _timed(step: Callable[[], object]) -> float:
    start = time.perf_counter()
    step()
    return round(time.perf_counter() - start, 2)


def run(log: Callable[[str], None] = print) -> dict[str, float]:
    with private_postgres() as url:
        store = Store(url)
        try:
            log(f"outbox retention: seeding {ROWS:,} subscribers and two {ROWS:,}-row finished campaigns ...")
            seed_list(store, "bench", ROWS, 0)
            _vacuum(store, "subscribers")
            with store.session() as session:
                list_id = session.scalar(select(MailingList.id).where(MailingList.name == "bench"))
                first = session.scalar(text("SELECT min(id) FROM subscribers"))
            assert list_id is not None and first is not None
            dropped, deleted = _campaign(store, list_id), _campaign(store, list_id)
            with store.session() as session:
                rows = select(Subscription.subscriber_id).where(Subscription.list_id == list_id)
                assert ensure_partition(session, dropped, rows), "a 1M-row campaign gets a partition of its own"
            _copy_rows(store, partition_name(dropped), dropped, first)
            _copy_rows(store, "outbox_default", deleted, first)

            log("outbox retention: compacting one (totals, then DROP of its partition), DELETE of the other ...")
            totals_seconds = _timed(lambda: _totals(store, dropped))
            outcome: list[retention.Compacted | None] = []
            drop_seconds = _timed(lambda: outcome.append(retention.compact(store, dropped)))
            assert outcome[0] is not None and outcome[0].partition and outcome[0].rows == ROWS, outcome

            def delete() -> None:
                with store.session() as session:
                    session.execute(text("DELETE FROM outbox WHERE campaign_id = :c"), {"c": deleted})

            delete_seconds = _timed(delete)
            vacuum_seconds = _timed(lambda: _vacuum(store, "outbox_default"))
            with store.session() as session:
                left = session.scalar(text("SELECT count(*) FROM outbox"))
            assert left == 0, f"{left} rows left"
        finally:
            store.dispose()
    return {
        "drop_campaign_1m_seconds": round(totals_seconds + drop_seconds, 2),
        "compact_totals_1m_seconds": totals_seconds,
        "drop_partition_1m_seconds": drop_seconds,
        "delete_campaign_1m_seconds": delete_seconds,
        "delete_vacuum_1m_seconds": round(delete_seconds + vacuum_seconds, 2),
        "drop_vs_delete": round(drop_seconds / delete_seconds, 3) if delete_seconds else 0.0,
    }


def baseline(results: dict[str, float]) -> str:
    """The line that puts the drop beside the plain DELETE of the same run."""
    return (
        f"outbox retention: totals {results['compact_totals_1m_seconds']:,} s + DROP of the partition"
        f" {results['drop_partition_1m_seconds']:,} s; baseline: a plain DELETE"
        f" {results['delete_campaign_1m_seconds']:,} s, with its VACUUM {results['delete_vacuum_1m_seconds']:,} s"
    )


if __name__ == "__main__":
    figures = run()
    print(json.dumps(figures, indent=2))
    print("\n".join(targets.lines(figures)))
    print(baseline(figures))
