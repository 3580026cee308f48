"""`publisher media add`: images into the media store, their URLs printed; a bad file named, nothing stored."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.support.media import image_bytes


def publisher(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "publisher", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
        timeout=60,
    )


def media_dir() -> Path:
    return Path(os.environ["PUBLISHER_DATA_DIR"]) / "media"


def test_media_add_prints_each_image_s_url_and_json_lists_its_copies(tmp_path):
    (tmp_path / "a.jpg").write_bytes(image_bytes(1600, 1000))
    (tmp_path / "b.png").write_bytes(image_bytes(300, 200, "PNG"))

    added = publisher("media", "add", str(tmp_path / "a.jpg"), str(tmp_path / "b.png"))

    assert added.returncode == 0, added.stderr
    first, second = added.stdout.split()
    assert first.startswith("https://news.example.org/media/img/") and first.endswith("/1200.jpg")
    assert second.endswith("/300.png")
    listed = json.loads(publisher("media", "add", str(tmp_path / "a.jpg"), "--format", "json").stdout)
    assert [c["width"] for c in listed[0]["copies"]] == [600, 1200, 1600] and listed[0]["url"] == first


def test_media_add_names_a_file_that_is_not_an_image_and_stores_nothing(tmp_path):
    (tmp_path / "a.jpg").write_bytes(image_bytes(800, 600))
    (tmp_path / "notes.txt").write_text("not an image")

    added = publisher("media", "add", str(tmp_path / "a.jpg"), str(tmp_path / "notes.txt"))

    assert added.returncode == 2
    assert "notes.txt is not a JPEG, PNG, GIF or WebP image" in added.stderr
    assert not media_dir().exists()
