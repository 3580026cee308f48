"""`publisher send` of the same digest twice, as a user (or two at once) runs it (issue 18 item 3): the second
is refused naming --force, and processes racing each other make exactly one campaign."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from publisher.store import Store
from publisher.store.models import Campaign, OutboxRow
from tests.support.factories import seed_article, subscribe
from tests.support.services import postgres_database

RACERS = 4
READERS = 3_000  # enough rows that creating the campaign takes a while: the racers overlap


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "publisher", *args]


def environment(**env: str) -> dict[str, str]:
    return {**os.environ, "COLUMNS": "200", **env}


def publisher(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command(*args), capture_output=True, text=True, env=environment(**env), timeout=60)


def test_the_same_digest_again_is_refused_until_forced(seed_path: Path):
    article = publisher("import", str(seed_path)).stdout.strip()
    assert publisher("subscribers", "add", "a@example.com", "b@example.com", "--list", "readers").returncode == 0
    first = publisher("send", article, "--list", "readers")
    assert first.returncode == 0, first.stderr

    again = publisher("send", article, "--list", "readers", "--subject", "Once more")

    assert again.returncode == 2 and again.stdout == ""
    assert "went to list 'readers' at" in again.stderr and f"as campaign {first.stdout.strip()}" in again.stderr
    assert "use --force to send it again" in again.stderr and "Traceback" not in again.stderr
    forced = publisher("send", article, "--list", "readers", "--force")
    assert forced.returncode == 0, forced.stderr
    assert int(forced.stdout) == int(first.stdout) + 1
    off = publisher("send", article, "--list", "readers", PUBLISHER_DUPLICATE_SEND_WINDOW_HOURS="0")
    assert off.returncode == 0, off.stderr


def test_a_scheduled_send_counts_as_sent(seed_path: Path):
    article = publisher("import", str(seed_path)).stdout.strip()
    publisher("subscribers", "add", "a@example.com", "--list", "readers")
    tomorrow = publisher("send", article, "--list", "readers", "--at", _hours_ahead(20))
    assert tomorrow.returncode == 0, tomorrow.stderr

    now = publisher("send", article, "--list", "readers")

    assert now.returncode == 2 and "is scheduled to go to list 'readers'" in now.stderr and "--force" in now.stderr


def _hours_ahead(hours: int) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).isoformat(timespec="seconds")


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'race.db'}"
    else:
        with postgres_database() as url:
            yield url


@pytest.mark.timeout(180)
def test_sends_racing_each_other_make_exactly_one_campaign(database_url: str, seed_path: Path):
    store = Store(database_url)
    try:
        article_id = seed_article(store, seed_path)
        subscribe(store, "big", READERS)
    finally:
        store.dispose()
    env = environment(PUBLISHER_DATABASE_URL=database_url)

    racers = [
        subprocess.Popen(
            command("send", str(article_id), "--list", "big"),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(RACERS)
    ]
    results = [(p.wait(timeout=150), *p.communicate()) for p in racers]

    winners = [out.strip() for code, out, _ in results if code == 0]
    losers = [err for code, _, err in results if code != 0]
    assert len(winners) == 1, results
    assert len(losers) == RACERS - 1 and all(f"as campaign {winners[0]}; use --force" in e for e in losers), losers
    store = Store(database_url)
    try:
        with store.session() as session:
            assert session.scalar(select(func.count()).select_from(Campaign)) == 1
            assert session.scalar(select(func.count()).select_from(OutboxRow)) == READERS  # one copy each
    finally:
        store.dispose()
