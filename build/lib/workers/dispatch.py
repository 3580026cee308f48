"""The Dispatcher that publisher.campaigns hands batches to: a Celery message per batch, by task name."""

from __future__ import annotations

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
        try:
            self.app.send_task(DELIVER_TASK, args=(campaign_id, channel, first_id, last_id), queue=queue)
        except (KombuError, OSError) as exc:  # a full disk under the filesystem broker, Redis down, ...
            raise BrokerUnavailable(
                f"campaign {campaign_id} is saved, but the broker could not take its batches ({exc}); "
                "a worker's sweep hands them out once the broker works again"
            ) from exc

    def close(self) -> None:
        self.app.close()
