"""CeleryDispatcher: a campaign's batches are each one task message on their channel's queue, in order."""

from __future__ import annotations

import json

import pytest

from publisher.config import Settings
from publisher.errors import BrokerUnavailable
from tests.support.services import redis_database
from workers.dispatch import DELIVER_TASK, CeleryDispatcher


def _queued(url: str, queue: str) -> list[tuple[str, list[object]]]:
    import redis

    client = redis.Redis.from_url(url)
    try:
        messages = [json.loads(raw) for raw in reversed(client.lrange(queue, 0, -1))]  # LPUSHed: oldest last
    finally:
        client.close()
    return [(m["headers"]["task"], json.loads(_body(m))[0]) for m in messages]


def _body(message: dict) -> str:
    import base64

    return base64.b64decode(message["body"]).decode()


def test_every_batch_of_a_campaign_is_one_message_on_its_queue(tmp_path):
    with redis_database() as url:
        dispatcher = CeleryDispatcher(Settings(data_dir=tmp_path, broker_url=url))
        try:
            dispatcher.deliver_many(7, [("email", 1, 500, "email"), ("email", 501, 900, "email")])
            dispatcher.deliver(7, "mastodon", 901, 901, "share.mastodon")
        finally:
            dispatcher.close()

        assert _queued(url, "email") == [(DELIVER_TASK, [7, "email", 1, 500]), (DELIVER_TASK, [7, "email", 501, 900])]
        assert _queued(url, "share.mastodon") == [(DELIVER_TASK, [7, "mastodon", 901, 901])]


def test_a_broker_that_is_not_there_is_named_with_the_campaign(tmp_path):
    settings = Settings(data_dir=tmp_path, broker_url="redis://127.0.0.1:1/0")
    dispatcher = CeleryDispatcher(settings)
    dispatcher.app.conf.broker_connection_retry = False
    dispatcher.app.conf.task_publish_retry = False
    try:
        with pytest.raises(BrokerUnavailable, match="campaign 7 is saved"):
            dispatcher.deliver_many(7, [("email", 1, 500, "email")])
    finally:
        dispatcher.close()
