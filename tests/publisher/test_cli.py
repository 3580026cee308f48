"""The `publisher` command as a user runs it: a real process, exit codes, stdout and stderr."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def publisher(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "publisher", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
        cwd=cwd,
        timeout=60,
    )


def test_import_then_show_as_json(seed_path: Path):
    imported = publisher("import", str(seed_path))
    assert imported.returncode == 0, imported.stderr
    article_id = imported.stdout.strip()

    shown = publisher("article", "show", article_id, "--format", "json")

    assert shown.returncode == 0, shown.stderr
    data = json.loads(shown.stdout)
    assert data["id"] == int(article_id)
    assert data["title"] == "U.S. Rejects Netanyahu’s Request to Join Direct Military Action Against Iran"
    assert data["slug"] == "us-rejects-netanyahus-request-to-join-direct-military-action-against-iran"
    assert [s["heading"] for s in data["sections"]] == [None, "Why Israel Made the Request", "Washington Says No"]
    assert [len(s["paragraphs"]) for s in data["sections"]] == [3, 3, 9]


def test_importing_the_same_file_again_returns_the_same_id(seed_path: Path):
    first = publisher("import", str(seed_path)).stdout.strip()
    again = publisher("import", str(seed_path))
    assert again.stdout.strip() == first
    assert "imported before" in again.stderr


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.txt", b"", "the file is empty"),
        ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binary file"),
        ("notes.pdf", b"%PDF-1.7", "unknown format '.pdf'"),
        ("title.txt", b"Only a title\n", "no body"),
    ],
)
def test_bad_files_are_refused_and_nothing_is_stored(tmp_path: Path, seed_path: Path, name, content, message):
    bad = tmp_path / name
    bad.write_bytes(content)

    result = publisher("import", str(seed_path), str(bad))

    assert result.returncode == 2
    assert message in result.stderr and name in result.stderr
    assert "Traceback" not in result.stderr
    assert publisher("article", "show", "1").returncode == 2  # the good file was not stored either


def test_unknown_article_id_is_named():
    result = publisher("article", "show", "42")
    assert result.returncode == 2
    assert "no article with id 42" in result.stderr


def test_invalid_address_is_named_and_nothing_added():
    result = publisher("subscribers", "add", "ok@example.com", "not-an-email", "--list", "news")
    assert result.returncode == 2
    assert "'not-an-email' is not a valid email address" in result.stderr
    assert "nothing was added" in result.stderr

    ok = publisher("subscribers", "add", "ok@example.com", "--list", "news")
    assert ok.returncode == 0 and "1 added to 'news'" in ok.stdout


def test_csv_import_with_bad_rows_stores_nothing_unless_told(tmp_path: Path):
    csv = tmp_path / "people.csv"
    csv.write_bytes(b"email,name\ngood@example.com,Good\nnope,Bad\n")

    refused = publisher("subscribers", "import", str(csv), "--list", "news")
    assert refused.returncode == 2
    assert "line 3: 'nope' is not a valid email address" in refused.stderr

    skipped = publisher("subscribers", "import", str(csv), "--list", "news", "--skip-bad")
    assert skipped.returncode == 0
    assert "1 added to 'news'" in skipped.stdout and "1 skipped" in skipped.stdout


def test_send_to_unknown_article_is_refused_before_queueing():
    publisher("subscribers", "add", "ok@example.com", "--list", "news")
    result = publisher("send", "7", "--list", "news")
    assert result.returncode == 2
    assert "no article with id 7" in result.stderr


def test_status_of_unknown_campaign():
    result = publisher("status", "9", "--format", "json")
    assert result.returncode == 2 and "no campaign with id 9" in result.stderr


# --- Markdown and HTML article files ---

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "articles"


def test_import_markdown_and_html_files():
    md, page = EXAMPLES / "library-opens-late.md", EXAMPLES / "harbour-bridge-repairs.html"

    imported = publisher("import", str(md), str(page))

    assert imported.returncode == 0, imported.stderr
    ids = imported.stdout.split()
    assert len(ids) == 2
    shown = [json.loads(publisher("article", "show", i, "--format", "json").stdout) for i in ids]
    assert shown[0]["title"] == "City Library Extends Its Opening Hours to Ten at Night"
    assert shown[0]["source"]["format"] == "markdown"
    assert [s["heading"] for s in shown[0]["sections"]] == [None, "What changes", "Why now"]
    assert shown[1]["title"] == "Harbour Bridge to Close at Night for Three Weeks of Repairs"
    assert shown[1]["source"]["format"] == "html"
    assert [s["heading"] for s in shown[1]["sections"]] == [None, "Detours", "Why the work is needed"]


def test_a_bad_html_file_stores_nothing_from_the_same_run(tmp_path: Path):
    bad = tmp_path / "no-title.html"
    bad.write_bytes(b"<p>A paragraph.</p><script>alert(1)</script>")

    result = publisher("import", str(EXAMPLES / "library-opens-late.md"), str(bad))

    assert result.returncode == 2
    assert "no-title.html: no title; the page needs an <h1> or a <title>" in result.stderr
    assert "Traceback" not in result.stderr
    assert publisher("article", "show", "1").returncode == 2


def test_show_as_json_has_the_language_the_public_url_and_the_document(tmp_path: Path):
    page = tmp_path / "rich.md"
    page.write_text("# Rich\n\nSee [the report](https://example.org/r).\n\n- one\n  - two\n", encoding="utf-8")
    article_id = publisher("import", "--lang", "pt-BR", str(page)).stdout.strip()

    data = json.loads(publisher("article", "show", article_id, "--format", "json").stdout)

    assert data["lang"] == "pt-BR"
    assert data["url"] == "https://news.example.org/articles/rich"
    assert data["blocks"]["version"] == 1
    [paragraph, bullets] = data["blocks"]["blocks"]
    assert paragraph["children"][1] == {
        "type": "link",
        "href": "https://example.org/r",
        "children": [{"type": "text", "text": "the report"}],
    }
    assert bullets["type"] == "list" and bullets["items"][0][1]["type"] == "list"  # "two" nested under "one"
    assert data["sections"] == [{"heading": None, "paragraphs": ["See the report.", "one", "two"]}]


def test_the_language_is_the_files_then_lang_then_publisher_language(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    declared = tmp_path / "declared.html"
    declared.write_text('<html lang="de"><h1>Declared</h1><p>x</p></html>', encoding="utf-8")
    plain = tmp_path / "plain.txt"
    plain.write_text("Plain\nSome text.\n", encoding="utf-8")
    other = tmp_path / "other.txt"
    other.write_text("Other\nMore text.\n", encoding="utf-8")

    ids = publisher("import", "--lang", "fr", str(declared), str(plain)).stdout.split()
    monkeypatch.setenv("PUBLISHER_LANGUAGE", "nl")
    ids += publisher("import", str(other)).stdout.split()
    monkeypatch.delenv("PUBLISHER_LANGUAGE")

    langs = [json.loads(publisher("article", "show", i, "--format", "json").stdout)["lang"] for i in ids]
    assert langs == ["de", "fr", "nl"]
    refused = publisher("import", "--lang", "not a language", str(plain))
    assert refused.returncode == 2 and "--lang" in refused.stderr


def test_send_with_summaries_renders_read_more_and_full_is_the_default_for_one(seed_path: Path):
    from publisher.config import Settings
    from publisher.store import Store
    from publisher.store.models import Campaign

    article = publisher("import", str(seed_path)).stdout.strip()
    assert publisher("subscribers", "add", "a@example.com", "--list", "news").returncode == 0
    summaries = publisher("send", article, "--list", "news", "--summaries")
    assert summaries.returncode == 0, summaries.stderr
    full = publisher("send", article, "--list", "news", "--force")
    assert full.returncode == 0, full.stderr

    store = Store(Settings().resolved_database_url)
    try:
        with store.session() as session:
            short = session.get(Campaign, int(summaries.stdout))
            whole = session.get(Campaign, int(full.stdout))
            assert short is not None and whole is not None
            assert "Read more: https://" in short.body_text and "Why Israel Made the Request" not in short.body_text
            assert "Why Israel Made the Request" in whole.body_text and "Read more" not in whole.body_html
    finally:
        store.dispose()


def test_with_no_data_dir_set_the_platform_s_user_data_dir_is_used_and_named_once(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PUBLISHER_")}
    env.update(HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path / "data-home"), COLUMNS="300")
    run = lambda: subprocess.run(  # noqa: E731 - the same command twice
        [sys.executable, "-m", "publisher", "article", "list"], capture_output=True, text=True, env=env,
        cwd=tmp_path, timeout=60,
    )

    first, second = run(), run()

    where = tmp_path / "data-home" / "publisher"
    assert first.returncode == 0, first.stderr
    assert f"created the data directory {where} (PUBLISHER_DATA_DIR sets another)" in first.stderr
    assert (where / "publisher.db").is_file() and not (tmp_path / "var").exists()
    assert "created the data directory" not in second.stderr
