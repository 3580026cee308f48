"""The bounce report on a big store: `python -m benchmarks.bounce_report [--events N] [--database-url URL]`.

Fills a fresh store (SQLite in a temporary folder, or the PostgreSQL database given, which must be empty)
with N bounce events (default 1,000,000) over 100 campaigns of 10,000 sent mails each and 5,000 receiving
domains (a few big providers take most), then times publisher.bounces.stats.bounce_report: all time, the
last 7 days, and one campaign (best of 3). PostgreSQL is vacuumed after the load, as autovacuum would;
SQLite gets no ANALYZE (most installs never run one). Not part of `make bench`: filling takes minutes.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from publisher.bounces.reasons import effect_of
from publisher.bounces.report import KIND_OF_EFFECT
from publisher.bounces.stats import bounce_report
from publisher.config import Settings
from publisher.store import Store
from publisher.store.models import BounceEvent, Campaign, OutboxRow

CAMPAIGNS, SENT = 100, 10_000
REASONS = {"userunknown": 50, "mailboxfull": 20, "blocked": 8, "spamdetected": 6, "expired": 5, "hostunknown": 5}
BIG = ["gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com", "gmx.de", "web.de", "mail.ru"]


def fill(store: Store, events: int, log: bool = True) -> None:
    rng = random.Random(13)
    domains = BIG + [f"d{n}.example" for n in range(5000 - len(BIG))]
    weights = [200.0] * len(BIG) + [1.0] * (len(domains) - len(BIG))
    now = datetime.now(UTC)
    with store.session() as session:
        session.execute(
            insert(Campaign), [{"id": c, "kind": "email", "state": "done", "subject": f"#{c}"} for c in range(1, 101)]
        )
        for c in range(1, CAMPAIGNS + 1):
            session.execute(
                insert(OutboxRow),
                [{"campaign_id": c, "recipient_id": r, "channel": "email", "state": "sent"} for r in range(SENT)],
            )
    names, reason_weights = list(REASONS), list(REASONS.values())
    done = 0
    while done < events:
        chunk = min(50_000, events - done)
        picked_domains = rng.choices(domains, weights, k=chunk)
        picked_reasons = rng.choices(names, reason_weights, k=chunk)
        rows = [
            {
                "email": f"r{done + i}@{domain}",
                "kind": KIND_OF_EFFECT[effect_of(reason)],
                "reason": reason,
                "domain": domain,
                "diagnostic": f"550 5.x.x <r{done + i}@{domain}>: {reason}",
                "campaign_id": rng.randint(1, CAMPAIGNS),
                "subscriber_id": done + i,
                "report_id": f"<b{done + i}@mx>",
                "received_at": now - timedelta(minutes=rng.randint(0, 60 * 24 * 90)),
            }
            for i, (domain, reason) in enumerate(zip(picked_domains, picked_reasons, strict=True))
        ]
        with store.session() as session:
            session.execute(insert(BounceEvent), rows)
        done += chunk
        if log:
            print(f"  {done:,} events", flush=True)
    if store.dialect == "postgresql":
        # What autovacuum does soon after a bulk load; without it no index-only scan is possible yet.
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM (ANALYZE) bounce_events")
            conn.exec_driver_sql("VACUUM (ANALYZE) outbox")


def timed(store: Store, settings: Settings, label: str, **kwargs: object) -> float:
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        with store.session() as session:
            summary = bounce_report(session, settings, **kwargs)  # type: ignore[arg-type]
        best = min(best, time.perf_counter() - started)
    print(f"{label:<14} {best * 1000:8.0f} ms  ({summary.total:,} events, {len(summary.domains)} domains shown)")
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=None, help="an empty PostgreSQL database (default: SQLite)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        settings = Settings(data_dir=tmp, secret_key="bench")
        store = Store(url)
        started = time.perf_counter()
        fill(store, args.events)
        print(f"filled in {time.perf_counter() - started:.0f} s ({store.dialect})")
        timed(store, settings, "all time")
        timed(store, settings, "last 7 days", since=datetime.now(UTC) - timedelta(days=7))
        timed(store, settings, "one campaign", campaign_id=42)
        store.dispose()


if __name__ == "__main__":
    main()
