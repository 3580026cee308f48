"""The Dispatcher that publisher.campaigns hands batches to: a Celery message per batch, by task name."""

from __future__ import annotations

from collections.abc import Iterable

from celery import Celery
from kombu.exceptions import KombuError

from publisher.config import Settings
from publisher.errors import BrokerUnavailable
from workers.app import create_app

DELIVER_TASK = "workers.tasks.deliver_batch"


class CeleryDispatcher:
    """Sends (campaign id, channel, id range) to the channel's queue; no addresses or HTML travel."""

    def __init__(self, settings: Settings, app: Celery | None = None) -> None:
        self.app = app or create_app(settings)

    def deliver(self, campaign_id: int, channel: str, first_id: int, last_id: int, queue: str) -> None:
        self.deliver_many(campaign_id, [(channel, first_id, last_id, queue)])

    def deliver_many(self, campaign_id: int, batches: Iterable[tuple[str, int, int, str]]) -> None:
        """Every (channel, first id, last id, queue) of a campaign through one producer taken from the pool once.

        A campaign of ten million rows is a thousand messages or more: the pool's acquire and release per
        message were a fifth of the time of publishing them (issue 17).
        """
        try:
            with self.app.producer_or_acquire() as producer:
                for channel, first_id, last_id, queue in batches:
                    args = (campaign_id, channel, first_id, last_id)
                    self.app.send_task(DELIVER_TASK, args=args, queue=queue, producer=producer)
        except (KombuError, OSError) as exc:  # a full disk under the filesystem broker, Redis down, ...
            raise BrokerUnavailable(
                f"campaign {campaign_id} is saved, but the broker could not take its batches ({exc}); "
                "a worker's sweep hands them out once the broker works again"
            ) from exc

    def close(self) -> None:
        self.app.close()
