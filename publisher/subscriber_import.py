"""Importing subscribers by the million (issue 17): rows stream into a temporary table, then set-based statements.

The rows go in with COPY on PostgreSQL and executemany a slice at a time on SQLite; nothing holds them all in
memory. The outcome and the report are add_to_list's over read_csv's people: an address on several rows is
taken once, as its first row gives it; suppressed addresses are left out and reported (with allow_suppressed,
taken off the suppression list, and their bounced or complained subscription to the list is active again);
new addresses become subscribers; every address is subscribed to the list unless it already is (whatever
that subscription's status). All of it is one transaction: `check` (called once every row is read) can
still refuse the whole import, and nothing is written.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from itertools import islice
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Connection,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    cast,
    delete,
    exists,
    func,
    insert,
    literal,
    select,
    update,
)

from publisher.store import Store
from publisher.store.models import Subscriber, Subscription, Suppression, utcnow
from publisher.store.types import UTCDateTime
from publisher.subscriber_rows import NewSubscriber
from publisher.subscribers import AddReport, ensure_list

_SLICE = 10_000  # rows per executemany on SQLite, and between progress calls
_TEMP = MetaData()
_COLUMNS = ("line", "email", "name", "attributes")


def _table(name: str) -> Table:
    return Table(
        name,
        _TEMP,
        Column("line", Integer),
        Column("email", String(320)),
        Column("name", String(200)),
        Column("attributes", Text),
        prefixes=["TEMPORARY"],
    )


_ROWS = _table("import_rows")  # every good row as read
_PEOPLE = _table("import_people")  # the first row of each address
_SORT_MEMORY = "256MB"  # PostgreSQL's work_mem for the import's transaction: a million rows sort in memory


def import_people(
    store: Store,
    list_name: str,
    people: Iterable[tuple[int, NewSubscriber]],
    *,
    source: str = "cli",
    allow_suppressed: bool = False,
    progress: Callable[[int], None] | None = None,
    check: Callable[[], None] | None = None,
) -> AddReport:
    """Add (line, person) rows to a list (created if needed) in one transaction; see the module's docstring."""
    report = AddReport()
    with store.session() as session:
        list_id = ensure_list(session, list_name).id
        conn = session.connection()
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"SET LOCAL work_mem = '{_SORT_MEMORY}'")
        for table in (_ROWS, _PEOPLE):
            table.drop(conn, checkfirst=True)
            table.create(conn)
        _load(conn, people, progress)
        if check is not None:
            check()
        _analyze(conn, _ROWS)
        first = select(_ROWS.c.email, func.min(_ROWS.c.line).label("line")).group_by(_ROWS.c.email).subquery()
        conn.execute(
            insert(_PEOPLE).from_select(
                _COLUMNS,
                select(*_ROWS.c).join(first, and_(first.c.email == _ROWS.c.email, first.c.line == _ROWS.c.line)),
            )
        )
        conn.exec_driver_sql("CREATE INDEX ix_import_people_email ON import_people (email)")  # once, when filled
        _analyze(conn, _PEOPLE)
        blocked = sorted(conn.scalars(select(Suppression.email).join(_PEOPLE, _PEOPLE.c.email == Suppression.email)))
        if blocked and allow_suppressed:
            conn.execute(delete(Suppression).where(Suppression.email.in_(select(_PEOPLE.c.email))))
        elif blocked:
            report.suppressed = blocked
            conn.execute(delete(_PEOPLE).where(_PEOPLE.c.email.in_(select(Suppression.email))))
        _subscribe(conn, list_id, source, report)
        if blocked and allow_suppressed:  # re-added on purpose: their bounced subscription here is active again
            for start in range(0, len(blocked), 1000):
                ids = select(Subscriber.id).where(Subscriber.email.in_(blocked[start : start + 1000]))
                conn.execute(
                    update(Subscription)
                    .where(
                        Subscription.list_id == list_id,
                        Subscription.subscriber_id.in_(ids),
                        Subscription.status.in_(("bounced", "complained")),
                    )
                    .values(status="active")
                )
        for table in (_PEOPLE, _ROWS):
            table.drop(conn)
    return report


def _analyze(conn: Connection, table: Table) -> None:
    """Statistics for a temporary table (autovacuum never sees one): the joins on it get a plan for its size."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"ANALYZE {table.name}")


_Progress = Callable[[int], None] | None


def _load(conn: Connection, people: Iterable[tuple[int, NewSubscriber]], progress: _Progress) -> None:
    """Every row into import_rows: COPY on PostgreSQL, executemany a slice at a time elsewhere."""
    rows = iter(people)
    if conn.dialect.name == "postgresql":
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy("COPY import_rows (line, email, name, attributes) FROM STDIN") as copy:
            while block := list(islice(rows, _SLICE)):
                for line, person in block:
                    copy.write_row((line, person.email, person.name, json.dumps(person.attributes)))
                if progress:
                    progress(len(block))
        return
    while block := list(islice(rows, _SLICE)):
        conn.execute(insert(_ROWS), [_row(line, person) for line, person in block])
        if progress:
            progress(len(block))


def _row(line: int, person: NewSubscriber) -> dict[str, Any]:
    return {"line": line, "email": person.email, "name": person.name, "attributes": json.dumps(person.attributes)}


def _subscribe(conn: Connection, list_id: int, source: str, report: AddReport) -> None:
    """New addresses become subscribers (in file order); each is subscribed to the list unless it already is."""
    now = literal(utcnow(), UTCDateTime())
    attributes = cast(_PEOPLE.c.attributes, JSON) if conn.dialect.name == "postgresql" else _PEOPLE.c.attributes
    conn.execute(
        insert(Subscriber).from_select(
            ["email", "name", "attributes", "created_at"],
            select(_PEOPLE.c.email, _PEOPLE.c.name, attributes, now)
            .where(~exists().where(Subscriber.email == _PEOPLE.c.email))
            .order_by(_PEOPLE.c.line),
        )
    )
    mine = _PEOPLE.c.email == Subscriber.email
    subscribed = exists().where(Subscription.list_id == list_id, Subscription.subscriber_id == Subscriber.id)
    total = conn.scalar(select(func.count()).select_from(_PEOPLE)) or 0
    already = conn.scalar(select(func.count()).select_from(Subscriber).join(_PEOPLE, mine).where(subscribed)) or 0
    conn.execute(
        insert(Subscription).from_select(
            ["list_id", "subscriber_id", "status", "source", "created_at", "updated_at"],
            select(literal(list_id), Subscriber.id, literal("active"), literal(source), now, now)
            .join_from(Subscriber, _PEOPLE, mine)
            .where(~subscribed)
            .order_by(Subscriber.id),
        )
    )
    report.already += already
    report.added += total - already
