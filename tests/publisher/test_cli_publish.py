"""`publisher publish` as a user runs it (a real process, no worker: --no-wait, or nothing to wait for).
tests/e2e/test_publish_timeline.py follows a publish to the end with a worker."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def publisher(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "publisher", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
        timeout=60,
    )


def test_with_nothing_to_mail_or_share_it_publishes_and_prints_the_timeline(seed_path: Path):
    article_id = publisher("import", str(seed_path)).stdout.strip()
    done = publisher("publish", article_id, "--no-mail", "--no-share")
    assert done.returncode == 0, done.stderr
    [publish_id, *lines] = done.stdout.splitlines()
    assert publish_id.isdigit()
    assert "Publish by cli: publish the article" in lines[0]
    assert "Published: the article is in the public archive" in lines[1]


def test_no_wait_prints_the_timeline_as_json_with_the_digest_pending(seed_path: Path):
    article_id = publisher("import", str(seed_path)).stdout.strip()
    assert publisher("subscribers", "add", "a@example.com", "b@example.com", "--list", "readers").returncode == 0
    done = publisher("publish", article_id, "--list", "readers", "--share", "file", "--no-wait", "--format", "json")
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["lists"] == ["readers"] and found["accounts"] == ["file"] and found["final"] is False
    assert found["digest"]["total"] == 2 and found["digest"]["pending"] == 2
    assert any(e["kind"] == "post" and e["channel"] == "file" for e in found["entries"])


def test_an_unknown_list_or_account_is_refused_naming_it(seed_path: Path):
    article_id = publisher("import", str(seed_path)).stdout.strip()
    no_list = publisher("publish", article_id, "--list", "nobody")
    assert no_list.returncode == 2 and "there is no list called 'nobody' to mail on Publish" in no_list.stderr
    no_account = publisher("publish", article_id, "--share", "mastodon:nowhere")
    assert no_account.returncode == 2 and "unknown account 'mastodon:nowhere' to share to" in no_account.stderr
    # Nothing happened: publishing now is the first time (not "Already published").
    assert "Published: the article is in the public archive" in publisher("publish", article_id, "--no-mail").stdout


def test_a_duplicate_send_is_on_the_timeline_and_the_exit_code_is_1(seed_path: Path):
    article_id = publisher("import", str(seed_path)).stdout.strip()
    assert publisher("subscribers", "add", "a@example.com", "--list", "readers").returncode == 0
    assert publisher("send", article_id, "--list", "readers").returncode == 0
    done = publisher("publish", article_id, "--list", "readers", "--no-share", "--no-wait")
    assert done.returncode == 1
    assert "Not mailed: this digest (the same articles, in the same order) went to list 'readers'" in done.stdout
