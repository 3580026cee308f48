"""Threads end to end: `publisher share --text/--thread`, a real Celery worker, the fakes and a real PDS.

The second part of each thread fails with a 500 on its first try: the worker records the part posted,
retries the row, and the thread goes on from part two; every part is posted once.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.support.fakes import FakeBluesky, FakeMastodon, FakeX, running
from tests.support.pds import INSTALL_TIMEOUT, ON_THE_PDS_WORKER, shared_pds
from tests.support.social import BLUESKY, MASTODON_TOKEN, X_KEYS
from workers.process import spawn_worker, stop_worker

TEXTS = ["The bridge reopens on Friday 🌉.", "Traffic returns in stages: 港口 first.", "More soon. مرحبا"]
pytestmark = [pytest.mark.timeout(INSTALL_TIMEOUT), ON_THE_PDS_WORKER]  # the PDS test may install it from npm first


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "publisher", *args]
    return subprocess.run(command, capture_output=True, text=True, env={**os.environ, **env}, timeout=120)


@pytest.fixture
def fakes() -> Iterator[dict[str, object]]:
    with ExitStack() as stack:
        yield {
            "x": stack.enter_context(running(FakeX(*X_KEYS))),
            "mastodon": stack.enter_context(running(FakeMastodon(MASTODON_TOKEN))),
            "bluesky": stack.enter_context(running(FakeBluesky(*BLUESKY))),
        }


def share_with_a_worker(env: dict[str, str], tmp_path: Path, seed_path: Path, channels: list[str]) -> str:
    text = tmp_path / "thread.txt"
    text.write_text("\n---\n".join(TEXTS) + "\n")
    article_id = run(env, "import", str(seed_path)).stdout.strip()
    worker = spawn_worker(env, concurrency=1, log_path=tmp_path / "worker.log")
    try:
        args = [a for c in channels for a in ("--channel", c)]
        shared = run(env, "share", article_id, *args, "--text", str(text), "--wait")
    finally:
        stop_worker(worker)
    log = (tmp_path / "worker.log").read_text()
    assert shared.returncode == 0, shared.stdout + shared.stderr + log
    return shared.stdout + log


def test_a_thread_whose_second_part_fails_resumes_through_a_worker_on_every_fake(fakes, seed_path, tmp_path):
    ck, cs, at, as_ = X_KEYS
    accounts = {
        "x": f"x://{ck}:{cs}@{at}:{as_}?api={fakes['x'].base_url}",
        "mastodon": f"mastodon+http://{MASTODON_TOKEN}@127.0.0.1:{fakes['mastodon'].port}",
        "bluesky": f"bluesky+http://{BLUESKY[0]}:{BLUESKY[1]}@127.0.0.1:{fakes['bluesky'].port}",
    }
    env = {"PUBLISHER_ACCOUNTS": json.dumps(accounts), "PUBLISHER_RETRY_BASE_SECONDS": "0.5"}
    for fake in fakes.values():
        fake.fail_post(2)
    output = share_with_a_worker(env, tmp_path, seed_path, list(fakes))

    for name, fake in fakes.items():
        assert [p["text"] for p in fake.posts] == TEXTS, name  # each part once
        assert fake.post_attempts == 4, name  # part 1, part 2 (500), part 2, part 3
    x_ids = [p["id"] for p in fakes["x"].posts]
    assert [p.get("in_reply_to") for p in fakes["x"].posts] == [None, *x_ids[:2]]
    m_ids = [p["id"] for p in fakes["mastodon"].posts]
    assert [p.get("in_reply_to") for p in fakes["mastodon"].posts] == [None, *m_ids[:2]]
    b = fakes["bluesky"].posts
    assert [p["record"].get("reply", {}).get("parent", {}).get("uri") for p in b] == [None, b[0]["uri"], b[1]["uri"]]
    assert f"x: https://x.com/i/web/status/{x_ids[0]}" in output  # the thread's first part
    for secret in (X_KEYS[1], X_KEYS[3], MASTODON_TOKEN, BLUESKY[1]):
        assert secret not in output


def test_a_thread_through_a_worker_on_the_real_pds_has_its_root_and_parent_refs(seed_path, tmp_path):
    pds = shared_pds()
    handle = f"e2e-{secrets.token_hex(3)}.test"
    session = pds.create_account(handle, secrets.token_urlsafe(12))
    password = pds.app_password(session["accessJwt"])
    url = f"bluesky+http://{handle}:{password}@127.0.0.1:{pds.port}"
    env = {"PUBLISHER_ACCOUNTS": json.dumps({"bluesky": url}), "PUBLISHER_RETRY_BASE_SECONDS": "0.5"}
    output = share_with_a_worker(env, tmp_path, seed_path, ["bluesky"])

    records = sorted(pds.records(session["did"]), key=lambda r: r["value"]["createdAt"])
    assert [r["value"]["text"] for r in records] == TEXTS
    root, second, third = records
    for record, parent in ((second, root), (third, second)):
        reply = record["value"]["reply"]
        assert (reply["root"]["uri"], reply["root"]["cid"]) == (root["uri"], root["cid"])
        assert (reply["parent"]["uri"], reply["parent"]["cid"]) == (parent["uri"], parent["cid"])
    assert "embed" in root["value"] and "embed" not in second["value"]
    assert f"bluesky: https://bsky.app/profile/{handle}/post/{root['uri'].rsplit('/', 1)[1]}" in output
    assert password not in output
