"""What delivering a batch produces: the batch's tally, one chunk's health, the row updates, the backoff."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from publisher.channels import Result
from publisher.delivery.claim import Claimed
from publisher.states import RowState
from publisher.store.models import utcnow
from publisher.store.progress import MAX_REASON

MAX_BACKOFF_SECONDS = 3600.0


@dataclass
class BatchOutcome:
    sent: int = 0
    failed: int = 0
    suppressed: int = 0
    deferred: int = 0
    retry_in: float | None = None  # seconds until rows of this batch may be tried again
    errors: list[str] = field(default_factory=list)
    paused: str | None = None  # why the campaign was paused during this batch


@dataclass(frozen=True)
class Refusal:
    """A recipient the mail server refused with a 5xx: publisher.bounces decides what that means."""

    recipient_id: int
    address: str
    code: int | None
    reply: str


@dataclass
class ChunkHealth:
    """What one chunk says about the server: connection failures since the last answer, and whether it answered."""

    connection_failures: int = 0
    answered: bool = False
    last_error: str = ""
    refused: list[Refusal] = field(default_factory=list)  # recipients the server refused for good
    setup_failed: str | None = None  # SMTP security (extra-tls): the channel cannot work as configured

    def heard_back(self) -> None:
        """The server answered (whatever it said): the run of connection failures is over."""
        self.answered, self.connection_failures = True, 0


class Unsendable(str):
    """A row that cannot be sent because its data is bad: failed, not suppressed."""


def backoff(attempts: int, base: float) -> float:
    """Exponential backoff with ±20% jitter, capped at an hour."""
    delay = min(base * (2 ** max(attempts - 1, 0)), MAX_BACKOFF_SECONDS)
    return delay * random.uniform(0.8, 1.2)


def row_update(
    row: Claimed,
    state: RowState,
    *,
    attempted: bool = True,
    retry_at: datetime | None = None,
    result: Result | None = None,
    error: str | None = None,
) -> dict[str, Any]:
    """The bound parameters record.record writes for one claimed row; attempted counts this try."""
    return {
        "row_id": row.id,
        "new_state": state.value,
        "new_attempts": row.attempts + (1 if attempted else 0),
        "retry_at": retry_at,
        "new_provider_id": result.provider_id if result else None,
        "new_url": result.url if result else None,
        "new_error": error[:MAX_REASON] if error else None,
        "now": utcnow(),
    }
