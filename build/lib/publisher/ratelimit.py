"""A per-channel rate limit in messages per second, shared by every worker.

A token bucket that hands out reservations: each message takes a token, the bucket may go into debt, and
the caller sleeps until its token would have been there. One round trip per message, fair across workers.
The bucket lives in Redis (one atomic Lua script, Redis's own clock) when the broker is Redis, else in the
database (`rate_buckets`, one row per channel, updated under a row lock).
"""

from __future__ import annotations

import time
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from publisher.config import Settings
from publisher.store import Store
from publisher.store.models import RateBucket

_RESERVE_LUA = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) + tonumber(now_parts[2]) / 1000000
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1]) or capacity
local ts = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(now - ts, 0) * rate) - 1
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('EXPIRE', KEYS[1], 3600)
if tokens >= 0 then return '0' end
return tostring(-tokens / rate)
"""


class RateLimiter(Protocol):
    def acquire(self) -> None: ...


class _Bucket:
    rate: float

    def reserve(self) -> float:
        """Take a token; the seconds to wait before using it."""
        raise NotImplementedError

    def acquire(self) -> None:
        """Block until this caller may send one message."""
        wait = self.reserve()
        if wait > 0:
            time.sleep(wait)


class RedisTokenBucket(_Bucket):
    def __init__(self, client: Any, channel: str, rate: float, capacity: float | None = None) -> None:
        self.client = client
        self.key = f"publisher:ratelimit:{channel}"
        self.rate = rate
        self.capacity = capacity if capacity is not None else max(rate, 1.0)
        self._script = client.register_script(_RESERVE_LUA)

    def reserve(self) -> float:
        return float(self._script(keys=[self.key], args=[self.rate, self.capacity]))


class DatabaseTokenBucket(_Bucket):
    def __init__(self, store: Store, channel: str, rate: float, capacity: float | None = None) -> None:
        self.store = store
        self.channel = channel
        self.rate = rate
        self.capacity = capacity if capacity is not None else max(rate, 1.0)

    def reserve(self) -> float:
        for _ in range(3):
            try:
                with self.store.session() as session:
                    bucket = session.execute(
                        select(RateBucket.tokens, RateBucket.updated_at)
                        .where(RateBucket.channel == self.channel)
                        .with_for_update()
                    ).first()
                    now = time.time()
                    if bucket is None:
                        tokens = self.capacity - 1
                        session.add(RateBucket(channel=self.channel, tokens=tokens, updated_at=now))
                    else:
                        elapsed = max(now - bucket.updated_at, 0.0)
                        tokens = min(self.capacity, bucket.tokens + elapsed * self.rate) - 1
                        session.execute(
                            update(RateBucket)
                            .where(RateBucket.channel == self.channel)
                            .values(tokens=tokens, updated_at=now)
                        )
                return 0.0 if tokens >= 0 else -tokens / self.rate
            except IntegrityError:  # two workers created the row at once: the other one won, read it again
                continue
        raise RuntimeError(f"could not reserve a token for {self.channel}")


def rate_limiter(settings: Settings, channel: str, store: Store | None = None) -> RateLimiter | None:
    """The shared limiter for this channel, or None when it has no limit."""
    rate = settings.rate_limits.get(channel)
    if not rate:
        return None
    url = settings.resolved_broker_url
    if url.startswith(("redis://", "rediss://")):
        import redis

        return RedisTokenBucket(redis.Redis.from_url(url), channel, rate)
    return DatabaseTokenBucket(store or Store(settings.resolved_database_url), channel, rate)
