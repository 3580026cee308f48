"""The Share action end to end: the CLI, real Celery worker processes, and the four networks' fake servers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.support.fakes import FakeBluesky, FakeMastodon, FakeWebhook, FakeX, running
from tests.support.services import postgres_database, redis_database
from tests.support.social import BLUESKY, MASTODON_TOKEN, WEBHOOK_SECRET, X_KEYS
from workers.process import spawn_worker, stop_worker

CHANNELS = ["x", "mastodon:social", "bluesky", "webhook:slack"]


@pytest.fixture(params=["sqlite+filesystem", "postgresql+redis"])
def backend_env(request: pytest.FixtureRequest) -> Iterator[dict[str, str]]:
    with ExitStack() as stack:
        if request.param == "sqlite+filesystem":
            yield {}
        else:
            yield {
                "PUBLISHER_DATABASE_URL": stack.enter_context(postgres_database()),
                "PUBLISHER_BROKER_URL": stack.enter_context(redis_database()),
            }


@pytest.fixture
def fakes() -> Iterator[dict[str, object]]:
    with ExitStack() as stack:
        yield {
            "x": stack.enter_context(running(FakeX(*X_KEYS))),
            "mastodon:social": stack.enter_context(running(FakeMastodon(MASTODON_TOKEN))),
            "bluesky": stack.enter_context(running(FakeBluesky(*BLUESKY))),
            "webhook:slack": stack.enter_context(running(FakeWebhook(WEBHOOK_SECRET))),
        }


def accounts(fakes: dict) -> str:
    ck, cs, at, as_ = X_KEYS
    return json.dumps(
        {
            "x": f"x://{ck}:{cs}@{at}:{as_}?api={fakes['x'].base_url}",
            "mastodon:social": f"mastodon+http://{MASTODON_TOKEN}@127.0.0.1:{fakes['mastodon:social'].port}",
            "bluesky": f"bluesky+http://{BLUESKY[0]}:{BLUESKY[1]}@127.0.0.1:{fakes['bluesky'].port}",
            "webhook:slack": (
                f"webhook+slack+http://127.0.0.1:{fakes['webhook:slack'].port}/services/T1/B2?secret={WEBHOOK_SECRET}"
            ),
        }
    )


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "publisher", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
    )


def test_one_command_shares_to_every_network_once_and_a_second_share_is_refused(
    backend_env, fakes, seed_path: Path, tmp_path
):
    env = {**backend_env, "PUBLISHER_ACCOUNTS": accounts(fakes), "PUBLISHER_RETRY_BASE_SECONDS": "0.5"}
    # The networks misbehave first: the workers must wait out X's rate limit and retry Mastodon's 500.
    fakes["x"].rate_limit_wait = 2
    fakes["x"].script("rate_limit")
    fakes["mastodon:social"].script("error")
    article_id = run(env, "import", str(seed_path)).stdout.strip()

    preview = run(env, "share", article_id, *[a for c in CHANNELS for a in ("--channel", c)], "--preview")
    assert preview.returncode == 0, preview.stderr
    assert "── x (x): " in preview.stdout and "/280" in preview.stdout and "/300" in preview.stdout
    assert all(f.posts == [] for f in fakes.values())  # a preview sends nothing

    worker = spawn_worker(env, concurrency=2, log_path=tmp_path / "worker.log")
    try:
        shared = run(env, "share", article_id, *[a for c in CHANNELS for a in ("--channel", c)], "--wait")
    finally:
        stop_worker(worker)
    log = (tmp_path / "worker.log").read_text()
    assert shared.returncode == 0, shared.stdout + shared.stderr + log

    for name, fake in fakes.items():
        assert len(fake.posts) == 1, name  # exactly one post each
        assert fake.rejections == [], name
    lines = dict(line.split(": ", 1) for line in shared.stdout.strip().splitlines()[1:])
    assert lines["x"] == f"https://x.com/i/web/status/{fakes['x'].posts[0]['id']}"
    assert lines["mastodon:social"] == f"https://social.example/@editor/{fakes['mastodon:social'].posts[0]['id']}"
    assert lines["bluesky"].startswith(f"https://bsky.app/profile/{BLUESKY[0]}/post/")
    assert lines["webhook:slack"].startswith("posted (id msg_")
    assert fakes["x"].post_attempts == 2 and fakes["mastodon:social"].post_attempts == 2
    assert "U.S. Rejects" in fakes["webhook:slack"].posts[0]["payload"]["text"]

    again = run(env, "share", article_id, "--channel", "mastodon:social")
    assert again.returncode == 2
    message = " ".join(again.stderr.split())  # the console wraps long lines
    assert f"already shared to mastodon:social at {lines['mastodon:social']}" in message
    assert len(fakes["mastodon:social"].posts) == 1
    # Secrets never reach the worker's log or the command's output.
    for secret in (X_KEYS[1], X_KEYS[3], MASTODON_TOKEN, BLUESKY[1], WEBHOOK_SECRET):
        assert secret not in log + shared.stdout + shared.stderr + preview.stdout
