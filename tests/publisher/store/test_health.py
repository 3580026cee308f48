"""A full disk or a read-only data directory is named in one line; reads go on where they can."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from publisher.errors import StorageUnavailable
from publisher.store import Store
from publisher.store.models import MailingList
from tests.support.disks import fill, remount_read_only, tmpfs


@pytest.fixture
def disk(tmp_path):
    with tmpfs(tmp_path / "data", size="4m") as mounted:
        yield mounted


def _lists(store: Store) -> int:
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(MailingList)) or 0


def test_a_read_only_data_directory_still_reads_and_refuses_writes_by_name(disk):
    url = f"sqlite:///{disk / 'publisher.db'}"
    first = Store(url)
    with first.session() as session:
        session.add(MailingList(name="news"))
    first.dispose()
    remount_read_only(disk)
    try:
        store = Store(url)
        assert store.read_only and _lists(store) == 1
        with pytest.raises(StorageUnavailable, match=f"the data directory {disk} is read-only") as refused:
            with store.session() as session:
                session.add(MailingList(name="more"))
        assert refused.value.kind == "read-only"
        store.dispose()
    finally:
        remount_read_only(disk, read_only=False)


def test_a_new_database_on_a_read_only_directory_is_refused_in_one_line(disk):
    remount_read_only(disk)
    try:
        with pytest.raises(StorageUnavailable, match="is read-only"):
            Store(f"sqlite:///{disk / 'publisher.db'}")
    finally:
        remount_read_only(disk, read_only=False)


def test_a_full_disk_is_named_and_reads_go_on(disk):
    store = Store(f"sqlite:///{disk / 'publisher.db'}")
    filler = fill(disk)
    with pytest.raises(StorageUnavailable, match=f"the data directory {disk} is full") as refused:
        with store.session() as session:
            session.add_all(MailingList(name=f"list {i} " + "x" * 150) for i in range(5000))
    assert refused.value.kind == "full"
    assert _lists(store) == 0
    filler.unlink()
    with store.session() as session:
        session.add(MailingList(name="news"))
    assert _lists(store) == 1
    store.dispose()


def test_a_store_opened_on_a_full_disk_reads_then_writes_again_once_there_is_room(
    disk, monkeypatch: pytest.MonkeyPatch
):
    from publisher.store import session as store_session

    monkeypatch.setattr(store_session, "RECOVER_EVERY_SECONDS", 0.0)
    url = f"sqlite:///{disk / 'publisher.db'}"
    Store(url).dispose()  # a database at the current schema, closed: its -wal and -shm files are gone
    filler = fill(disk)
    store = Store(url)  # cannot create -wal/-shm on a full disk: opens for reading
    assert store.read_only and _lists(store) == 0
    with pytest.raises(StorageUnavailable, match="is full"):
        with store.session() as session:
            session.add(MailingList(name="news"))
    filler.unlink()
    with store.session() as session:  # a long-lived process needs no restart
        session.add(MailingList(name="news"))
    assert not store.read_only and _lists(store) == 1
    store.dispose()
