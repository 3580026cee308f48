"""Store.autocommit(): each statement its own transaction on PostgreSQL (no BEGIN/COMMIT round trips);
one transaction on SQLite, as Store.session()."""

import pytest
from sqlalchemy import func, insert, select

from publisher.store import Store
from publisher.store.models import MailingList


class Boom(Exception):
    pass


def test_a_statement_is_committed_on_its_own_on_postgresql_and_with_the_block_on_sqlite(any_store: Store):
    with pytest.raises(Boom), any_store.autocommit() as session:
        session.execute(insert(MailingList).values(name="kept-or-not"))
        raise Boom

    with any_store.session() as session:
        count = session.scalar(select(func.count()).select_from(MailingList).where(MailingList.name == "kept-or-not"))
    assert count == (1 if any_store.dialect == "postgresql" else 0)
