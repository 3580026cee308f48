"""`publisher share ID --track-clicks`, as a user runs it: the queued posts link through /r/<token>; with the
publication's tracking off the command refuses, naming why, and queues nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from publisher import publication
from publisher.config import Settings
from publisher.store import Store
from publisher.store.models import Campaign, OutboxRow

ACCOUNTS = json.dumps({"x:work": "x://CKEY:CSECRET@ATOKEN:ASECRET", "bluesky": "bluesky://me.example:APPPW@"})


def publisher(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "publisher", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200", "PUBLISHER_ACCOUNTS": ACCOUNTS},
        timeout=60,
    )


def test_track_clicks_queues_posts_whose_links_are_tracked(seed_path: Path, store: Store):
    article_id = publisher("import", str(seed_path)).stdout.strip()

    shared = publisher("share", article_id, "--channel", "x:work", "--channel", "bluesky", "--track-clicks")

    assert shared.returncode == 0, shared.stderr
    with store.session() as session:
        rows = session.execute(
            select(OutboxRow.channel, OutboxRow.payload).where(OutboxRow.campaign_id == int(shared.stdout))
        ).all()
    posts = dict(rows)
    assert "/r/" in posts["x:work"]["text"] and "/r/" in posts["x:work"]["url"]
    bluesky = posts["bluesky"]
    assert "/r/" not in bluesky["text"]  # Bluesky counts a link in full: the text shows the article's URL
    assert [f["uri"] for f in bluesky["extra"]["facets"]] == [bluesky["url"]] and "/r/" in bluesky["url"]


def test_track_clicks_is_refused_while_the_publication_tracks_nothing(seed_path: Path, store: Store):
    article_id = publisher("import", str(seed_path)).stdout.strip()
    publication.update(store, Settings(), {"tracking": "off"})

    shared = publisher("share", article_id, "--channel", "x:work", "--track-clicks")

    assert shared.returncode != 0
    assert "tracking mode is off" in shared.stderr
    with store.session() as session:
        assert session.scalars(select(Campaign).where(Campaign.kind == "share")).all() == []
