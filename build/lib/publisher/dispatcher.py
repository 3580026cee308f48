"""The Dispatcher protocol: how a campaign hands a batch of outbox rows to a worker.

A foundation, like the clock: campaigns depend on this protocol, workers.dispatch.CeleryDispatcher
implements it, and the composition root (publisher.runtime, which re-exports it) wires one in.
"""

from __future__ import annotations

from typing import Protocol


class Dispatcher(Protocol):
    """Hands a batch of outbox rows to a worker: ids only, on the channel's queue."""

    def deliver(self, campaign_id: int, channel: str, first_id: int, last_id: int, queue: str) -> None: ...
