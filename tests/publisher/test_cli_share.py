"""`publisher share` and auto-share on import, as a user runs them (a real process; no worker needed)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from publisher import campaigns
from publisher.config import Settings
from publisher.store import Store
from publisher.store.models import Campaign

ACCOUNTS = json.dumps({"x:work": "x://CKEY:CSECRET@ATOKEN:ASECRET", "bluesky": "bluesky://me.example:APPPW@"})


def publisher(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "publisher", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200", "PUBLISHER_ACCOUNTS": ACCOUNTS, **env},
        timeout=60,
    )


def test_preview_prints_each_post_with_its_counted_length(seed_path: Path):
    article_id = publisher("import", str(seed_path)).stdout.strip()
    shown = publisher("share", article_id, "--channel", "x:work", "--channel", "bluesky", "--preview")
    assert shown.returncode == 0, shown.stderr
    assert "── x:work (x): " in shown.stdout and "/280" in shown.stdout
    assert "── bluesky (bluesky): " in shown.stdout and "/300" in shown.stdout
    assert shown.stdout.count("https://news.example.org/articles/us-rejects") == 2
    assert "CSECRET" not in shown.stdout + shown.stderr


def test_an_unknown_account_is_refused_naming_the_known_ones(seed_path: Path):
    article_id = publisher("import", str(seed_path)).stdout.strip()
    refused = publisher("share", article_id, "--channel", "mastodon", "--preview")
    assert refused.returncode == 2
    assert "unknown channel 'mastodon'; known: file, smtp, x:work, bluesky" in refused.stderr


def test_bad_account_configuration_is_a_clear_error_without_the_secret(seed_path: Path):
    article_id = publisher("import", str(seed_path)).stdout.strip()
    bad = publisher("share", article_id, "--channel", "x", "--preview", PUBLISHER_ACCOUNTS='{"x": "x://CSECRET"}')
    assert bad.returncode == 2 and "an X URL is x://CONSUMER_KEY" in bad.stderr
    assert "CSECRET" not in bad.stderr


def test_import_shares_new_articles_when_configured(seed_path: Path):
    imported = publisher("import", str(seed_path), PUBLISHER_SHARE_ON_IMPORT="x:work")
    assert imported.returncode == 0, imported.stderr
    again = publisher("import", str(seed_path), PUBLISHER_SHARE_ON_IMPORT="x:work")
    assert again.returncode == 0
    store = Store(Settings().resolved_database_url)
    try:
        assert campaigns.earlier_share(store, int(imported.stdout), "x:work") == "(still queued)"
        assert campaigns.earlier_share(store, int(imported.stdout), "bluesky") is None
        with store.session() as session:  # imported before: not shared a second time
            assert session.scalar(select(func.count()).select_from(Campaign)) == 1
    finally:
        store.dispose()


def test_a_second_share_is_refused_naming_force_and_force_shares_again(seed_path: Path):
    article_id = publisher("import", str(seed_path)).stdout.strip()
    assert publisher("share", article_id, "--channel", "x:work").returncode == 0

    again = publisher("share", article_id, "--channel", "x:work")

    assert again.returncode == 2 and again.stdout == ""
    message = " ".join(again.stderr.split())  # the console wraps long lines
    refusal = f"article {article_id} is already shared to x:work at (still queued); use --force to share again"
    assert message == f"error: {refusal}"
    forced = publisher("share", article_id, "--channel", "x:work", "--force")
    assert forced.returncode == 0, forced.stderr


def test_image_attaches_the_cover_with_its_alt_text_and_no_image_is_the_default(tmp_path: Path):
    from tests.support.media import image_bytes

    (tmp_path / "cover.jpg").write_bytes(image_bytes(1200, 800))
    (tmp_path / "story.md").write_text("# A story\n\nIt happened.\n\n![The quay at dawn](cover.jpg)\n")
    article_id = publisher("import", str(tmp_path / "story.md")).stdout.strip()

    assert publisher("share", article_id, "--channel", "x:work").returncode == 0
    shared = publisher("share", article_id, "--channel", "x:work", "--image", "--force")

    assert shared.returncode == 0, shared.stderr
    store = Store(Settings().resolved_database_url)
    try:
        from publisher.store.models import OutboxRow

        with store.session() as session:
            rows = session.scalars(select(OutboxRow).order_by(OutboxRow.id))
            plain, attached = [row.payload["extra"] for row in rows]
    finally:
        store.dispose()
    assert plain["attach_image"] is False and attached["attach_image"] is True
    assert attached["image"]["alt"] == "The quay at dawn"
    assert attached["image"]["url"].startswith("https://news.example.org/media/img/")


def _stored_extras() -> list[dict]:
    store = Store(Settings().resolved_database_url)
    try:
        from publisher.store.models import OutboxRow

        with store.session() as session:
            return [row.payload["extra"] for row in session.scalars(select(OutboxRow).order_by(OutboxRow.id))]
    finally:
        store.dispose()


def test_attach_and_alt_pick_the_article_s_images_in_order_each_with_its_alt_text(tmp_path: Path):
    from tests.support.media import image_bytes

    (tmp_path / "a.jpg").write_bytes(image_bytes(1200, 800))
    (tmp_path / "b.jpg").write_bytes(image_bytes(800, 800))
    story = "# A story\n\n![The quay at dawn](a.jpg)\n\nIt happened.\n\n![Boats](b.jpg)\n"
    (tmp_path / "story.md").write_text(story)
    article_id = publisher("import", str(tmp_path / "story.md")).stdout.strip()
    [quay, boats] = [image["url"] for image in _image_urls(int(article_id))]

    shared = publisher("share", article_id, "-c", "x:work", "--attach", boats, "--alt", "Two boats", "--attach", quay)
    assert shared.returncode == 0, shared.stderr
    assert _stored_extras()[-1]["images"] == [
        {"url": boats, "alt": "Two boats"},
        {"url": quay, "alt": "The quay at dawn"},
    ]

    foreign = publisher("share", article_id, "-c", "bluesky", "--attach", "https://elsewhere.example/x.png")
    assert foreign.returncode != 0
    assert "https://elsewhere.example/x.png is not an image of this article" in " ".join(foreign.stderr.split())
    unpaired = publisher("share", article_id, "-c", "bluesky", "--alt", "An alt for no image")
    assert unpaired.returncode == 2 and "one --alt per --attach" in unpaired.stderr
    assert len(_stored_extras()) == 1


def _image_urls(article_id: int) -> list[dict[str, str]]:
    from publisher import library
    from publisher.render.images import article_images

    store = Store(Settings().resolved_database_url)
    try:
        return article_images(library.get_article(store, article_id))
    finally:
        store.dispose()
