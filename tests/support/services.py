"""Local services (PostgreSQL, Redis, RabbitMQ): used when they answer; under CI=true a missing one fails."""

from __future__ import annotations

import atexit
import os
import random
import secrets
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

import pytest

PG_HOST, PG_PORT = "127.0.0.1", 5432
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
RABBIT_HOST, RABBIT_PORT = "127.0.0.1", 5672


def port_open(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def require(name: str, host: str, port: int) -> None:
    """Skip (with the reason) when a service is down; under CI=true that is a failure instead."""
    if port_open(host, port):
        return
    reason = f"{name} is not answering on {host}:{port}"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI must start it (see .ci/run)")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def postgres_database(*, migrated: bool = False) -> Iterator[str]:
    """A fresh PostgreSQL database for one test; dropped afterwards.

    Empty, or with `migrated` a copy of this process's template at the schema's head (tests/support/stores.py),
    which a Store opens without migrating.
    """
    require("PostgreSQL", PG_HOST, PG_PORT)
    import psycopg

    name = f"publisher_test_{secrets.token_hex(4)}"
    template = f' TEMPLATE "{_postgres_template()}"' if migrated else ""
    with psycopg.connect(_PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"{template}')
    try:
        yield _pg_url(name)
    finally:
        with psycopg.connect(_PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


_PG_ADMIN = f"host={PG_HOST} port={PG_PORT} dbname=test user=postgres"


def _pg_url(name: str) -> str:
    return f"postgresql+psycopg://postgres@{PG_HOST}:{PG_PORT}/{name}"


@cache
def _postgres_template() -> str:
    """This process's template database, migrated once and dropped when the process ends."""
    import psycopg

    from publisher.store import Store
    from tests.support.stores import postgres_template_name

    name = postgres_template_name()
    with psycopg.connect(_PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    Store(_pg_url(name)).dispose()  # every connection closed: a template must have none

    def drop() -> None:
        with psycopg.connect(_PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    atexit.register(drop)
    return name


@contextmanager
def redis_database() -> Iterator[str]:
    """A Redis URL on a flushed database number no other test holds: parallel workers never share queues.

    Each of the databases 1 to 15 is claimed with a key in database 0 (SET NX, expiring after an hour should a
    test process die holding it), so the suite's own workers and any other test run on the machine each get
    their own; when all are held, the test waits for one.
    """
    require("Redis", REDIS_HOST, REDIS_PORT)
    import redis

    claims = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=0)
    token = secrets.token_hex(8)
    db = _claim_redis_database(claims, token)
    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=db)
    client.flushdb()
    try:
        yield f"redis://{REDIS_HOST}:{REDIS_PORT}/{db}"
    finally:
        client.flushdb()
        client.close()
        if claims.get(_REDIS_CLAIM.format(db)) == token.encode():
            claims.delete(_REDIS_CLAIM.format(db))
        claims.close()


_REDIS_CLAIM = "publisher-tests:db:{}"


def _claim_redis_database(claims: Any, token: str, wait: float = 120.0) -> int:
    deadline = time.monotonic() + wait
    while True:
        numbers = list(range(1, 16))
        random.shuffle(numbers)
        for db in numbers:
            if claims.set(_REDIS_CLAIM.format(db), token, nx=True, ex=3600):
                return db
        if time.monotonic() > deadline:
            pytest.fail("every Redis test database (1-15) is held by another test for two minutes")
        time.sleep(0.2)


@contextmanager
def rabbitmq_broker() -> Iterator[str]:
    """The local RabbitMQ (guest/guest), with publisher's queues emptied before and after."""
    require("RabbitMQ", RABBIT_HOST, RABBIT_PORT)
    from kombu import Connection, Exchange, Queue

    from publisher.channels import QUEUES

    url = f"amqp://guest:guest@{RABBIT_HOST}:{RABBIT_PORT}//"

    def purge() -> None:
        with Connection(url, connect_timeout=5) as conn:
            channel = conn.default_channel
            for name in QUEUES:
                Queue(name, Exchange(name), routing_key=name)(channel).declare()
                channel.queue_purge(name)

    purge()
    try:
        yield url
    finally:
        purge()
