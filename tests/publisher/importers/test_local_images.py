"""Images named by a relative path in an imported Markdown or HTML file come from beside it into the media
store; a missing or refused one is named, and then nothing at all is stored."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from publisher import importers
from publisher.articles import blocks as doc
from publisher.errors import ImportFailed
from publisher.importers.local_images import check_local_images, local_paths, take_local_images
from publisher.media import FileMediaStore, Limits
from tests.support.media import image_bytes

MARKDOWN = """# Field notes

A paragraph.

![A chart of the votes](img/chart.png "The vote, by region")

> ![The team](team.jpg)

- item
  ![Again the chart](img/chart.png)
- ![Remote](https://cdn.example.org/r.jpg)
"""


@pytest.fixture
def media(tmp_path: Path) -> FileMediaStore:
    return FileMediaStore(tmp_path / "media", "https://news.example.org/media")


def article_dir(tmp_path: Path, *, chart: bytes | None = None, team: bytes | None = None) -> Path:
    folder = tmp_path / "article"
    (folder / "img").mkdir(parents=True)
    (folder / "notes.md").write_text(MARKDOWN)
    (folder / "img" / "chart.png").write_bytes(chart if chart is not None else image_bytes(2000, 1000, "PNG"))
    if team is not False:
        (folder / "team.jpg").write_bytes(team if team is not None else image_bytes(800, 600))
    return folder


def images_of(blocks: tuple[doc.Block, ...]) -> list[doc.Image]:
    found: list[doc.Image] = []
    for block in blocks:
        if isinstance(block, doc.Image):
            found.append(block)
        elif isinstance(block, doc.Quote):
            found += images_of(block.blocks)
        elif isinstance(block, doc.ListBlock):
            for item in block.items:
                found += images_of(item)
    return found


def test_local_images_are_found_in_reading_order_in_quotes_and_lists_each_once(tmp_path):
    article = importers.load(article_dir(tmp_path) / "notes.md")

    assert local_paths(article.blocks) == ["img/chart.png", "team.jpg"]


def test_local_images_go_into_the_media_store_and_point_at_their_urls_with_sizes(tmp_path, media):
    folder = article_dir(tmp_path)
    article = importers.load(folder / "notes.md")

    taken = take_local_images(article, folder, media, Limits(), name="notes.md")

    chart, team, again, remote = images_of(taken.blocks)
    assert chart.src and chart.src.startswith("https://news.example.org/media/img/") and chart.src.endswith("/1200.png")
    assert (chart.alt, chart.caption) == ("A chart of the votes", "The vote, by region")
    assert (chart.width, chart.height) == (1200, 600)
    assert again.src == chart.src and again.alt == "Again the chart"
    assert team.src and team.src.endswith("/800.jpg") and (team.width, team.height) == (800, 600)
    assert remote.src == "https://cdn.example.org/r.jpg" and remote.local is None
    assert all(image.local is None for image in (chart, team, again))
    assert media.exists(chart.src.removeprefix("https://news.example.org/media/"))


def test_a_missing_local_image_is_named_and_nothing_is_stored(tmp_path, media):
    folder = article_dir(tmp_path)
    (folder / "team.jpg").unlink()
    article = importers.load(folder / "notes.md")

    named = r"notes\.md: image 'team\.jpg' not found \(looked for .*/article/team\.jpg\)"
    with pytest.raises(ImportFailed, match=named):
        check_local_images(article, folder, Limits(), name="notes.md")
    assert not media.root.exists()


def test_a_local_file_that_is_not_an_image_is_refused_by_name(tmp_path, media):
    folder = article_dir(tmp_path, chart=b"<svg onload=alert(1)></svg>")
    article = importers.load(folder / "notes.md")

    with pytest.raises(ImportFailed, match=r"notes\.md: img/chart\.png is not a JPEG, PNG, GIF or WebP image"):
        check_local_images(article, folder, Limits(), name="notes.md")


def test_an_html_file_s_local_images_are_taken_too(tmp_path, media):
    folder = tmp_path / "page"
    folder.mkdir()
    (folder / "photo.jpg").write_bytes(image_bytes(640, 480))
    (folder / "page.html").write_text(
        '<html lang="en"><body><h1>Page</h1><p>Text.</p><img src="photo.jpg" alt="A photo"></body></html>'
    )

    taken = take_local_images(importers.load(folder / "page.html"), folder, media, Limits(), name="page.html")

    [photo] = images_of(taken.blocks)
    assert photo.src and photo.src.endswith("/640.jpg") and photo.alt == "A photo"


def publisher(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "publisher", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
        timeout=60,
    )


def test_publisher_import_takes_local_images_and_article_show_prints_their_urls(tmp_path):
    folder = article_dir(tmp_path)

    imported = publisher("import", str(folder / "notes.md"))

    assert imported.returncode == 0, imported.stderr
    shown = json.loads(publisher("article", "show", imported.stdout.strip(), "--format", "json").stdout)
    srcs = [b.get("src") for b in shown["blocks"]["blocks"] if b["type"] == "image"]
    assert srcs and srcs[0].startswith("https://news.example.org/media/img/")
    media_dir = Path(os.environ["PUBLISHER_DATA_DIR"]) / "media" / "img"
    assert len(list(media_dir.iterdir())) == 2


def test_publisher_import_names_a_missing_image_and_stores_no_article_and_no_media(tmp_path):
    good = article_dir(tmp_path)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "bad.md").write_text("# Bad\n\nText.\n\n![Gone](gone.png)\n")

    imported = publisher("import", str(good / "notes.md"), str(bad / "bad.md"))

    assert imported.returncode != 0
    assert "bad.md: image 'gone.png' not found" in imported.stderr
    assert publisher("article", "list").stdout.count("Field notes") == 0
    assert not (Path(os.environ["PUBLISHER_DATA_DIR"]) / "media").exists()
