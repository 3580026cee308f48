"""The embedded broker: kombu's filesystem transport, made safe on a full or failing disk.

kombu writes a message straight into its final `.msg` file, so a write that fails (disk full) leaves a
0-byte or truncated file behind; every worker that later reads it dies with a JSONDecodeError, for good.
This transport writes to a temporary name and renames it into place (a reader sees a whole message or
none), and a reader that meets an unreadable message moves it aside to `corrupt/`, logs it, and reads on.
The outbox is the truth, so a message lost this way costs latency only: the sweep re-dispatches.
"""

from __future__ import annotations

import logging
import os
import uuid
from pathlib import Path
from queue import Empty
from time import monotonic
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import TRANSPORT_ALIASES, filesystem
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads

log = logging.getLogger(__name__)

ALIAS = "publisher-filesystem"
CORRUPT_DIR = "corrupt"
_CLAIMED_SUFFIX = ".claimed"
_PARTIAL_SUFFIX = ".partial"


class Channel(filesystem.Channel):
    """Atomic writes, and reads that skip (and keep aside) what cannot be parsed."""

    def _put(self, queue: str, payload: Any, **kwargs: Any) -> None:  # type: ignore[override]  # noqa: ANN401
        name = f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = final + _PARTIAL_SUFFIX  # not "*.msg": no reader picks it up while it is written
        try:
            with open(partial, "wb", buffering=0) as f:
                f.write(str_to_bytes(dumps(payload)))
                os.fsync(f.fileno())
            os.replace(partial, final)
        except OSError as exc:
            _remove_quietly(partial)
            raise ChannelError(f"cannot add a message to the broker folder {self.data_folder_out}: {exc}") from exc

    def _get(self, queue: str, timeout: float | None = None) -> Any:  # noqa: ANN401 - a kombu payload
        wanted = f"{queue}.msg"
        folder = self.data_folder_in
        for filename in sorted(os.listdir(folder)):
            if filename.partition(".")[2] != wanted:
                continue
            path = os.path.join(folder, filename)
            claimed = path + _CLAIMED_SUFFIX
            try:
                os.rename(path, claimed)  # atomic: exactly one reader wins the message
            except OSError:
                continue  # another worker took it
            try:
                with open(claimed, "rb") as f:
                    payload = f.read()
            except OSError as exc:
                self._set_aside(claimed, filename, f"unreadable: {exc}")
                continue
            try:
                message = loads(bytes_to_str(payload))
            except (ValueError, UnicodeDecodeError) as exc:
                self._set_aside(claimed, filename, f"not a message ({len(payload)} bytes): {exc}")
                continue
            _remove_quietly(claimed)
            return message
        raise Empty()

    def _set_aside(self, claimed: str, filename: str, why: str) -> None:
        corrupt = Path(self.data_folder_in) / CORRUPT_DIR
        try:
            corrupt.mkdir(exist_ok=True)
            os.replace(claimed, corrupt / filename)
            where = f"moved to {corrupt / filename}"
        except OSError:
            _remove_quietly(claimed)
            where = "deleted (could not be moved aside)"
        log.warning("skipped broker message %s: %s; %s; the sweep re-dispatches its work", filename, why, where)


class Transport(filesystem.Transport):
    Channel = Channel


def _remove_quietly(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass


def register() -> None:
    """Make `publisher-filesystem://` a broker URL kombu knows (idempotent)."""
    TRANSPORT_ALIASES.setdefault(ALIAS, f"{__name__}:Transport")

