"""`publisher share --thread/--numbered/--text`, as a user runs them: the preview shows each part."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from publisher import textrules
from publisher.store import Store
from publisher.store.models import OutboxRow

ACCOUNTS = json.dumps({"x:work": "x://CKEY:CSECRET@ATOKEN:ASECRET", "bluesky": "bluesky://me.example:APPPW@"})


def publisher(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "publisher", *args],
        capture_output=True,
        text=True,
        input=stdin,
        env={**os.environ, "COLUMNS": "200", "PUBLISHER_ACCOUNTS": ACCOUNTS},
        timeout=60,
    )


def test_preview_of_a_numbered_thread_shows_each_part_within_the_limit(seed_path: Path):
    article_id = publisher("import", str(seed_path)).stdout.strip()
    shown = publisher("share", article_id, "--channel", "x:work", "--thread", "--numbered", "--preview")
    assert shown.returncode == 0, shown.stderr
    parts = shown.stdout.split("── part ")[1:]
    assert len(parts) >= 2 and parts[0].startswith(f"1 of {len(parts)}\n")
    for k, part in enumerate(parts, 1):
        text = part.split("\n", 1)[1].strip()
        assert text.endswith(f" {k}/{len(parts)}") and textrules.length(text, "x") <= 280


def test_a_text_from_stdin_with_split_markers_is_queued_as_those_parts(seed_path: Path, store: Store):
    article_id = publisher("import", str(seed_path)).stdout.strip()
    shared = publisher("share", article_id, "--channel", "bluesky", "--text", "-", stdin="Hook.\n---\nDetail.\n")
    assert shared.returncode == 0, shared.stderr
    with store.session() as session:
        payload = session.scalars(select(OutboxRow.payload).where(OutboxRow.campaign_id == int(shared.stdout))).one()
    assert payload["text"] == "Hook." and [r["text"] for r in payload["replies"]] == ["Detail."]


def test_on_a_channel_without_threads_the_split_lines_become_paragraphs(seed_path: Path, store: Store):
    article_id = publisher("import", str(seed_path)).stdout.strip()
    shared = publisher("share", article_id, "--channel", "file", "--text", "-", stdin="One.\n---\nTwo.\n")
    assert shared.returncode == 0, shared.stderr
    with store.session() as session:
        payload = session.scalars(select(OutboxRow.payload).where(OutboxRow.campaign_id == int(shared.stdout))).one()
    assert (payload["text"], payload["replies"]) == ("One.\n\nTwo.", [])
