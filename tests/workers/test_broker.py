"""The embedded broker survives a full disk: no half-written message, and a bad one is set aside."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from kombu import Connection

from tests.support.disks import fill, tmpfs
from workers.broker import ALIAS, CORRUPT_DIR, Transport, register


def _connection(folder: Path) -> Connection:
    register()
    # kombu keeps declared bindings per process, class-wide: a fresh folder needs them declared again.
    Transport.global_state.clear()
    (folder / "queue").mkdir(parents=True, exist_ok=True)
    (folder / "control").mkdir(parents=True, exist_ok=True)
    return Connection(
        f"{ALIAS}://",
        transport_options={
            "data_folder_in": str(folder / "queue"),
            "data_folder_out": str(folder / "queue"),
            "control_folder": str(folder / "control"),
        },
    )


def test_an_empty_message_file_is_set_aside_and_the_next_message_is_read(tmp_path, caplog):
    queue_dir = tmp_path / "queue"
    with _connection(tmp_path) as conn:
        q = conn.SimpleQueue("email")
        # Named to sort before any real message, as an old leftover would.
        (queue_dir / f"0_{uuid.uuid4()}.email.msg").write_bytes(b"")  # what a failed write used to leave
        (queue_dir / f"00_{uuid.uuid4()}.email.msg").write_bytes(b'{"trunc')
        q.put({"campaign": 7})
        message = q.get(timeout=2)
        assert message.payload == {"campaign": 7}
        message.ack()
        q.close()
    kept = sorted(p.name for p in (queue_dir / CORRUPT_DIR).iterdir())
    assert len(kept) == 2 and all(name.endswith(".email.msg") for name in kept)
    assert not list(queue_dir.glob("*.msg")), "nothing unreadable is left where workers read"
    assert "skipped broker message" in caplog.text


def test_a_message_is_never_visible_half_written(tmp_path):
    with _connection(tmp_path) as conn:
        q = conn.SimpleQueue("email")
        q.put({"n": 1})
        q.close()
    names = os.listdir(tmp_path / "queue")
    assert len(names) == 1 and names[0].endswith(".email.msg")


@pytest.fixture
def tiny_disk(tmp_path):
    with tmpfs(tmp_path / "disk") as disk:
        yield disk


def test_a_write_on_a_full_disk_fails_cleanly_and_leaves_no_message_file(tiny_disk):
    with _connection(tiny_disk) as conn:
        q = conn.SimpleQueue("email")
        filler = fill(tiny_disk)
        with pytest.raises(Exception, match="cannot add a message"):
            q.put({"big": "y" * 200_000})
        assert not list((tiny_disk / "queue").iterdir()), "no 0-byte or partial file is left behind"
        filler.unlink()
        q.put({"after": True})
        assert q.get(timeout=2).payload == {"after": True}
        q.close()
