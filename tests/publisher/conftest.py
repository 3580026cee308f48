"""Fixtures: the fake social networks (tests/support/fakes.py), running on 127.0.0.1 for one test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.fakes import FakeBluesky, FakeMastodon, FakeWebhook, FakeX, running
from tests.support.social import BLUESKY, MASTODON_TOKEN, WEBHOOK_SECRET, X_KEYS


@pytest.fixture
def fake_x() -> Iterator[FakeX]:
    with running(FakeX(*X_KEYS)) as server:
        yield server


@pytest.fixture
def fake_mastodon() -> Iterator[FakeMastodon]:
    with running(FakeMastodon(MASTODON_TOKEN)) as server:
        yield server


@pytest.fixture
def fake_bluesky() -> Iterator[FakeBluesky]:
    with running(FakeBluesky(*BLUESKY)) as server:
        yield server


@pytest.fixture
def fake_webhook() -> Iterator[FakeWebhook]:
    with running(FakeWebhook(WEBHOOK_SECRET)) as server:
        yield server
