"""Many subscribers at once on PostgreSQL: a list's readers written with COPY (as benchmarks/delivery.py does),
for tests that need tens of thousands of them in a second or two."""

from __future__ import annotations

from publisher.store import Store
from publisher.store.models import MailingList

STAMP = "2026-01-01T00:00:00Z"


def seed_list(store: Store, name: str, count: int, domain: str = "example.com") -> list[str]:
    """`count` active subscribers, reader00000@domain on, on a new list; their addresses."""
    with store.session() as session:
        mailing_list = MailingList(name=name)
        session.add(mailing_list)
        session.flush()
        list_id = mailing_list.id
    addresses = [f"reader{i:05d}@{domain}" for i in range(count)]
    raw = store.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("SELECT coalesce(max(id), 0) FROM subscribers")
        first = cursor.fetchone()[0] + 1
        with cursor.copy("COPY subscribers (id, email, name, attributes, created_at) FROM STDIN") as copy:
            copy.write("".join(f"{first + i}\t{a}\tReader {i}\t{{}}\t{STAMP}\n" for i, a in enumerate(addresses)))
        with cursor.copy(
            "COPY subscriptions (list_id, subscriber_id, status, source, created_at, updated_at) FROM STDIN"
        ) as copy:
            copy.write("".join(f"{list_id}\t{first + i}\tactive\ttest\t{STAMP}\t{STAMP}\n" for i in range(count)))
        cursor.execute("SELECT setval('subscribers_id_seq', (SELECT max(id) FROM subscribers))")
        cursor.execute("ANALYZE subscribers")
        cursor.execute("ANALYZE subscriptions")
        raw.commit()
    finally:
        raw.close()
    return addresses
