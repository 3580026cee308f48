"""The outbox's partitions on PostgreSQL (issue 17, migration 0023): a big campaign's rows in a table of their own.

The outbox is PARTITION BY LIST (campaign_id): `outbox_default` (the DEFAULT partition) holds every small
campaign (a share's posts, a confirmation mail, a sequence step, a digest to a short list), and a mail
campaign of at least PARTITION_MIN_ROWS recipients gets `outbox_c<id>` before its rows are inserted, so
that compacting it later (publisher.campaigns.retention) is a DROP TABLE of that partition instead of a
DELETE of a million rows. SQLite has one plain table: every function here is a no-op there.

Creating a partition takes, until the enqueue's transaction commits, an ACCESS EXCLUSIVE lock on the
default partition (PostgreSQL scans it for rows of the new campaign: there are none) and a SHARE ROW
EXCLUSIVE lock on campaigns (the partition inherits the foreign key): small campaigns' deliveries and
campaign updates wait for a big campaign's enqueue to commit. A big campaign is rare; the wait is its
enqueue's length.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Select, func, literal, select, text
from sqlalchemy.orm import Session

PARTITION_MIN_ROWS = 10_000  # a campaign with at least this many rows gets a partition of its own
DEFAULT_PARTITION = "outbox_default"
_NAME = re.compile(r"^outbox_c(\d+)$")
_LOCK = 7_261_345  # pg_advisory_xact_lock(key, campaign id): one creator of a campaign's partition at a time


def partition_name(campaign_id: int) -> str:
    """The name of a campaign's own partition."""
    return f"outbox_c{int(campaign_id)}"


def is_outbox_partition(name: str) -> bool:
    """Whether a table name is one of the outbox's partitions (not part of the models' schema)."""
    return name == DEFAULT_PARTITION or _NAME.match(name) is not None


def partitioned(session: Session) -> bool:
    """Whether this database's outbox is partitioned (PostgreSQL at 0023 or later)."""
    if session.get_bind().dialect.name != "postgresql":
        return False
    kind = session.scalar(text("SELECT relkind FROM pg_class WHERE oid = to_regclass('outbox')"))
    return kind == "p"


def campaign_partitions(session: Session) -> dict[int, str]:
    """Every campaign partition by campaign id (empty on SQLite)."""
    if not partitioned(session):
        return {}
    names = session.scalars(
        text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = 'outbox'::regclass"
        )
    )
    found: dict[int, str] = {}
    for name in names:
        match = _NAME.match(name)
        if match:
            found[int(match.group(1))] = name
    return found


def has_partition(session: Session, campaign_id: int) -> bool:
    """Whether the campaign's rows are in a partition of their own."""
    if not partitioned(session):
        return False
    return session.scalar(text("SELECT to_regclass(:name)"), {"name": partition_name(campaign_id)}) is not None


def ensure_partition(session: Session, campaign_id: int, rows: Select[*tuple[Any, ...]]) -> bool:
    """Before `rows` (the SELECT about to be inserted) are written for the campaign: give it a partition of its
    own when it will have at least PARTITION_MIN_ROWS rows and has none yet; whether it has one now.

    The count is of rows matching `rows`'s WHERE (without its DISTINCT, which would read every row before
    the first came out) and stops at PARTITION_MIN_ROWS (a LIMIT), so a 10M-reader list costs a scan of
    10,000 index entries. A campaign that already has rows (in the default partition: a scheduled one
    getting its late joiners) keeps them there.
    """
    if not partitioned(session):
        return False
    session.execute(text("SELECT pg_advisory_xact_lock(:key, :id)"), {"key": _LOCK, "id": campaign_id})
    if has_partition(session, campaign_id):
        return True
    name = partition_name(campaign_id)
    if session.scalar(text("SELECT 1 FROM outbox WHERE campaign_id = :id LIMIT 1"), {"id": campaign_id}):
        return False
    matching = select(literal(1)).select_from(*rows.get_final_froms())
    if rows.whereclause is not None:
        matching = matching.where(rows.whereclause)
    expected = session.scalar(select(func.count()).select_from(matching.limit(PARTITION_MIN_ROWS).subquery()))
    if (expected or 0) < PARTITION_MIN_ROWS:
        return False
    session.execute(text(f"CREATE TABLE {name} PARTITION OF outbox FOR VALUES IN ({int(campaign_id)})"))
    return True


def drop_partition(session: Session, campaign_id: int) -> bool:
    """Drop a campaign's own partition and its rows at once; whether there was one.

    A lock wait is bounded (lock_timeout): a busy outbox makes this raise, and the caller tries again later.
    """
    if not has_partition(session, campaign_id):
        return False
    session.execute(text("SET LOCAL lock_timeout = '10s'"))
    # A DROP detaches it too; like a DETACH (CONCURRENTLY is refused while a default partition exists) it
    # takes the outbox's lock for a moment, and campaigns' (the partition's foreign key).
    session.execute(text(f"DROP TABLE {partition_name(campaign_id)}"))
    return True
