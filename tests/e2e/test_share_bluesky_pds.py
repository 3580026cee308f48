"""Sharing to a real Bluesky PDS (@atproto/pds, no AppView) through the CLI and a real Celery worker.

An article in several scripts (emoji, CJK, Arabic) with a cover image and two hashtags is shared; the record
read back from the PDS carries the text, the link and tag facets at the right UTF-8 byte offsets, the
article's language as `langs` and an external card whose thumbnail is a blob the PDS holds.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from publisher import sharing
from publisher.config import Settings
from tests.support.covers import png
from tests.support.pds import INSTALL_TIMEOUT, ON_THE_PDS_WORKER, Pds, shared_pds
from workers.process import spawn_worker, stop_worker

TITLE = "Harbour bridge 🌉 reopens — 港口大桥重新开放 — إعادة فتح جسر الميناء"
BODY = (
    "The crane 🏗️ lifted the last section on Monday 👷🏽‍♀️. 工程在五月结束。"
    " يقول المهندسون إن العمل انتهى في موعده. Traffic returns on Friday 🇩🇪🇯🇵."
)
HASHTAGS = ("Harbour", "港口")


pytestmark = [pytest.mark.timeout(INSTALL_TIMEOUT), ON_THE_PDS_WORKER]  # the first test may install the PDS from npm


@pytest.fixture
def pds() -> Pds:
    """The run's PDS; skips (fails under CI=true) with the reason when node, npm or the package is missing."""
    return shared_pds()


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "publisher", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
    )


def article_file(directory: Path) -> Path:
    (directory / "cover.png").write_bytes(png(800, 450))
    path = directory / "bridge.md"
    path.write_text(f"# {TITLE}\n\n{BODY}\n\n![A crane lifting a bridge section](cover.png)\n\nMore soon.\n")
    return path


def test_a_share_through_a_worker_is_read_back_from_the_pds_with_facets_langs_and_a_thumbnail(
    pds, tmp_path, monkeypatch, store
):
    handle = f"desk-{secrets.token_hex(3)}.test"
    session = pds.create_account(handle, secrets.token_urlsafe(12))
    password = pds.app_password(session["accessJwt"])
    env = {
        "PUBLISHER_ACCOUNTS": json.dumps({"bluesky": f"bluesky+http://{handle}:{password}@127.0.0.1:{pds.port}"}),
        "PUBLISHER_SHARE_HASHTAGS": ",".join(HASHTAGS),
        "PUBLISHER_RETRY_BASE_SECONDS": "0.5",
    }
    imported = run(env, "import", "--lang", "ar", str(article_file(tmp_path)))
    assert imported.returncode == 0, imported.stderr
    article_id = imported.stdout.strip()

    worker = spawn_worker(env, concurrency=1, log_path=tmp_path / "worker.log")
    try:
        shared = run(env, "share", article_id, "--channel", "bluesky", "--wait")
    finally:
        stop_worker(worker)
    log = (tmp_path / "worker.log").read_text()
    assert shared.returncode == 0, shared.stdout + shared.stderr + log
    assert password not in log + shared.stdout + shared.stderr

    for key, value in env.items():  # the same settings as the commands', to compose the expected post here
        monkeypatch.setenv(key, value)
    [preview] = sharing.preview(store, Settings(), int(article_id), ["bluesky"])
    [listed] = pds.records(session["did"])
    assert shared.stdout.strip().endswith(listed["uri"].rsplit("/", 1)[1])
    record = pds.record(listed["uri"])["value"]
    text = record["text"]
    encoded = text.encode("utf-8")
    assert text == preview.text and preview.length <= 300
    assert text.startswith(TITLE) and "工程在五月结束" in text and "يقول المهندسون" in text
    assert text.endswith("#Harbour #港口")
    assert record["langs"] == ["ar"]

    features = {
        encoded[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode(): f["features"] for f in record["facets"]
    }
    [link] = [piece for piece in features if piece.startswith("https://news.example.org/")]
    assert features[link] == [{"$type": "app.bsky.richtext.facet#link", "uri": link}]
    for tag in HASHTAGS:
        assert features[f"#{tag}"] == [{"$type": "app.bsky.richtext.facet#tag", "tag": tag}]
    assert len(record["facets"]) == 3

    external = record["embed"]["external"]
    assert record["embed"]["$type"] == "app.bsky.embed.external" and external["uri"] == link
    assert external["title"] == TITLE
    thumb = external["thumb"]
    blob = pds.blob(session["did"], thumb["ref"]["$link"])
    assert thumb["mimeType"] == "image/png" and blob.startswith(b"\x89PNG") and len(blob) == thumb["size"] <= 1_000_000
