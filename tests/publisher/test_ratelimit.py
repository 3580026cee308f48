"""The shared token bucket: two workers drawing from one bucket get the channel's rate between them."""

import time

import pytest

from publisher.config import Settings
from publisher.ratelimit import DatabaseTokenBucket, RedisTokenBucket, rate_limiter
from publisher.store import Store
from tests.support.services import redis_database


def reservations(buckets, count: int) -> list[tuple[float, float]]:
    """Reserve count tokens, alternating between the buckets (two workers), without sleeping.

    Each answer is (the wait told, the time the token is due: when the reservation was made plus that wait),
    so a slow loop (a loaded machine) changes the waits but never lets two tokens be due too close together.
    """
    answers = []
    for i in range(count):
        before = time.time()
        wait = buckets[i % len(buckets)].reserve()
        after = time.time()
        answers.append((wait, (before + after) / 2 + wait))
    return answers


def assert_shared_rate(answers: list[tuple[float, float]], rate: float) -> None:
    waits = [wait for wait, _ in answers]
    due = [at for _, at in answers]
    # The second worker's first token waits for the first worker's: one bucket, not one each.
    assert waits[0] == 0 and waits[1] > 0
    # However slowly the loop ran, no two tokens are due closer than 1/rate (a few ms of clock reading aside).
    gaps = [later - earlier for earlier, later in zip(due, due[1:], strict=False)]
    assert min(gaps) >= 1 / rate - 0.02, gaps


def test_database_bucket_is_shared_by_workers(store: Store):
    workers = [DatabaseTokenBucket(store, "smtp", rate=5, capacity=1) for _ in range(2)]
    assert_shared_rate(reservations(workers, 8), rate=5)


def test_redis_bucket_is_shared_by_workers():
    import redis

    with redis_database() as url:
        client = redis.Redis.from_url(url)
        workers = [RedisTokenBucket(client, "smtp", rate=5, capacity=1) for _ in range(2)]
        waits = reservations(workers, 8)
        client.close()
    assert_shared_rate(waits, rate=5)


def test_limiter_follows_the_broker_and_the_settings(store: Store, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PUBLISHER_RATE_LIMITS", '{"smtp": 50}')
    settings = Settings()
    assert isinstance(rate_limiter(settings, "smtp", store), DatabaseTokenBucket)
    assert rate_limiter(settings, "file", store) is None
    settings.broker_url = "redis://127.0.0.1:6379/0"
    assert isinstance(rate_limiter(settings, "smtp", store), RedisTokenBucket)


def test_a_rate_must_be_positive(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PUBLISHER_RATE_LIMITS", '{"smtp": 0}')
    with pytest.raises(ValueError, match="must be positive"):
        Settings()
