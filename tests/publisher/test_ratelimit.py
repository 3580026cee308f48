"""The shared token bucket: two workers drawing from one bucket get the channel's rate between them."""

import pytest

from publisher.config import Settings
from publisher.ratelimit import DatabaseTokenBucket, RedisTokenBucket, rate_limiter
from publisher.store import Store
from tests.support.services import redis_database


def reservations(buckets, count: int) -> list[float]:
    """Reserve count tokens, alternating between the buckets (two workers), without sleeping."""
    return [buckets[i % len(buckets)].reserve() for i in range(count)]


def assert_shared_rate(waits: list[float], rate: float) -> None:
    # The first token is free; after that each reservation waits about one more 1/rate than the previous
    # one (minus the little time the loop itself took), whichever worker asked.
    assert waits[0] == 0
    assert all(later > earlier for earlier, later in zip(waits[1:], waits[2:], strict=False))
    assert waits[-1] == pytest.approx((len(waits) - 1) / rate, abs=0.5)


def test_database_bucket_is_shared_by_workers(store: Store):
    workers = [DatabaseTokenBucket(store, "smtp", rate=10, capacity=1) for _ in range(2)]
    assert_shared_rate(reservations(workers, 20), rate=10)


def test_redis_bucket_is_shared_by_workers():
    import redis

    with redis_database() as url:
        client = redis.Redis.from_url(url)
        workers = [RedisTokenBucket(client, "smtp", rate=10, capacity=1) for _ in range(2)]
        waits = reservations(workers, 20)
        client.close()
    assert_shared_rate(waits, rate=10)


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
