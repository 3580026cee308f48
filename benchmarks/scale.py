"""Ten million readers (issue 17): `publisher send` to a 10,000,000-subscriber list, and a 1,000,000-row CSV import.

A private PostgreSQL database and redis-server, dropped and stopped at the end. The list is seeded inside
PostgreSQL (INSERT ... SELECT FROM generate_series, its indexes and foreign keys built afterwards: minutes
less than streaming rows from Python). The send and the import each run in a child process
(benchmarks.enqueue, benchmarks.csv_import), so each peak RSS is that command's own.

`python -m benchmarks.scale` runs it alone; BENCH_READERS and BENCH_CSV_ROWS scale it down for a quick look
(the figures keep their names; `scale_readers` and `scale_csv_rows` say what was measured).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

import psycopg
from sqlalchemy import func, select

from benchmarks import targets
from benchmarks.common import ROOT, SEED
from benchmarks.delivery import check_tools, new_list, private_postgres, private_redis
from publisher import importers, library
from publisher.config import Settings
from publisher.store import Store
from publisher.store.models import MailingList, Subscription

READERS = int(os.environ.get("BENCH_READERS", "10000000"))
CSV_ROWS = int(os.environ.get("BENCH_CSV_ROWS", "1000000"))
BAD_EVERY = 100  # 1% of the CSV's rows are bad

# Built after the rows are in: one sort per index and one anti-join per foreign key instead of a probe per row.
_AFTER = [
    ("subscribers", "subscribers_email_key", "UNIQUE (email)"),
    ("subscriptions", "subscriptions_pkey", "PRIMARY KEY (list_id, subscriber_id)"),
    ("subscriptions", "subscriptions_list_id_fkey", "FOREIGN KEY (list_id) REFERENCES lists(id) ON DELETE CASCADE"),
    (
        "subscriptions",
        "subscriptions_subscriber_id_fkey",
        "FOREIGN KEY (subscriber_id) REFERENCES subscribers(id) ON DELETE CASCADE",
    ),
]


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def seed_readers(store: Store, url: str, name: str, count: int) -> None:
    """`count` active subscribers on a new list, made inside PostgreSQL from generate_series."""
    list_id = new_list(store, name)
    with psycopg.connect(_libpq(url)) as conn:
        conn.execute("SET synchronous_commit = off")
        conn.execute("SET maintenance_work_mem = '256MB'")
        first = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM subscribers").fetchone()[0]  # type: ignore[index]
        for table, constraint, _ in reversed(_AFTER):
            conn.execute(f"ALTER TABLE {table} DROP CONSTRAINT {constraint}")
        conn.execute("DROP INDEX ix_subscriptions_subscriber_id")
        last = first + count - 1
        conn.execute(
            "INSERT INTO subscribers (id, email, name, attributes, created_at) SELECT i, 'reader' || i || "
            "'@example.com', 'Reader ' || i, '{}', now() FROM generate_series(%s::int, %s::int) i",
            (first, last),
        )
        conn.execute(
            "INSERT INTO subscriptions (list_id, subscriber_id, status, source, created_at, updated_at) "
            "SELECT %s, i, 'active', 'bench', now(), now() FROM generate_series(%s::int, %s::int) i",
            (list_id, first, last),
        )
        for table, constraint, definition in _AFTER:
            conn.execute(f"ALTER TABLE {table} ADD CONSTRAINT {constraint} {definition}")
        conn.execute("CREATE INDEX ix_subscriptions_subscriber_id ON subscriptions (subscriber_id)")
        conn.execute("SELECT setval('subscribers_id_seq', %s)", (last,))
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE subscribers")  # the visibility map too: index-only scans, as in production
        conn.execute("VACUUM ANALYZE subscriptions")


def write_csv(path: Path, rows: int) -> int:
    """A subscriber CSV of `rows` rows (email, name, city), every BAD_EVERY-th address bad; how many are good."""
    good = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("email,name,city\n")
        step = 50_000
        for low in range(0, rows, step):
            lines = []
            for i in range(low, min(low + step, rows)):
                if i % BAD_EVERY == BAD_EVERY - 1:
                    lines.append(f"not-an-address-{i},Nobody {i},Nowhere\n")
                else:
                    good += 1
                    lines.append(f"Imported.{i}@Example.ORG,\"Imported, {i}\",Town {i % 977}\n")
            out.write("".join(lines))
    return good


def _child(module: str, args: list[str], env: dict[str, str]) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-m", module, *args],
        env={**os.environ, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    if done.returncode:
        raise RuntimeError(f"{module} failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _outbox_mb_per_million(url: str) -> float:
    with psycopg.connect(_libpq(url), autocommit=True) as conn:
        # The outbox is partitioned (migration 0023): the parent holds no storage, its partitions do.
        size, rows = conn.execute(  # type: ignore[misc]
            "SELECT (SELECT sum(pg_total_relation_size(relid)) FROM pg_partition_tree('outbox')),"
            " (SELECT count(*) FROM outbox)"
        ).fetchone()
    return round(float(size) / 2**20 / (rows / 1e6), 1)


def _queued_messages(broker_url: str) -> int:
    import redis

    client = redis.Redis.from_url(broker_url)
    try:
        return int(client.llen("email"))
    finally:
        client.close()


def _list_size(store: Store, name: str) -> int:
    with store.session() as session:
        return session.scalar(
            select(func.count())
            .select_from(Subscription)
            .join(MailingList, MailingList.id == Subscription.list_id)
            .where(MailingList.name == name)
        ) or 0


def run(settings: Settings, log: Callable[[str], object] = print) -> dict[str, float]:
    check_tools()
    results: dict[str, float] = {"scale_readers": READERS, "scale_csv_rows": CSV_ROWS}
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="publisher-scale-")))
        url = stack.enter_context(private_postgres())
        broker_url = stack.enter_context(private_redis(tmp))
        env = {
            "PUBLISHER_DATA_DIR": str(tmp / "data"),
            "PUBLISHER_DATABASE_URL": url,
            "PUBLISHER_BROKER_URL": broker_url,
            "PUBLISHER_SECRET_KEY": "bench",
            "PUBLISHER_BASE_URL": settings.base_url,
        }
        store = Store(url)
        stack.callback(store.dispose)
        [(article_id, _)] = library.save_articles(store, [importers.load(SEED)])

        log(f"scale: seeding {READERS:,} subscribers inside PostgreSQL ...")
        seed_readers(store, url, "readers", READERS)
        log(f"scale: `send` to {READERS:,} readers: creating the campaign and queueing every batch ...")
        sent = _child("benchmarks.enqueue", ["readers", str(article_id)], env)
        queued = _queued_messages(broker_url)
        if queued != sent["batches"]:
            raise RuntimeError(f"{sent['batches']} batches dispatched but {queued} messages on the email queue")
        results["enqueue_10m_seconds"] = sent["seconds"]
        results["enqueue_10m_peak_rss_mb"] = sent["peak_rss_mb"]
        results["enqueue_10m_batches"] = sent["batches"]
        results["outbox_mb_per_million_rows"] = _outbox_mb_per_million(url)

        path = tmp / "readers.csv"
        good = write_csv(path, CSV_ROWS)
        log(f"scale: importing a {CSV_ROWS:,}-row CSV ({CSV_ROWS - good:,} bad rows) ...")
        imported = _child("benchmarks.csv_import", [str(path), "imported"], env)
        if _list_size(store, "imported") != good:
            raise RuntimeError(f"the import left {_list_size(store, 'imported'):,} subscriptions, not {good:,}")
        results["csv_import_1m_seconds"] = imported["seconds"]
        results["csv_import_1m_peak_rss_mb"] = imported["peak_rss_mb"]
    return results


def main() -> None:
    os.environ.setdefault("PUBLISHER_SECRET_KEY", "bench")
    with tempfile.TemporaryDirectory() as tmp:
        results = run(Settings(data_dir=tmp, base_url="https://news.example.org"))
    print("\n".join(targets.lines(results)))
    print(f"outbox_mb_per_million_rows: {results['outbox_mb_per_million_rows']:,}")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
