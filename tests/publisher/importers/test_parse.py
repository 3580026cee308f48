"""importers.parse(data, filename): bytes from anywhere (an upload, a paste, the API) become an Article, the
filename's suffix choosing the importer; load(path) is the same on a file's bytes. Nothing touches the disk."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from publisher import editing, importers, library
from publisher.errors import ImportFailed
from publisher.store import Store


def test_parse_gives_the_same_article_as_load_named_as_given(seed_path: Path):
    parsed = importers.parse(seed_path.read_bytes(), "seed.txt")
    loaded = importers.load(seed_path)

    assert (parsed.title, parsed.sections, parsed.summary) == (loaded.title, loaded.sections, loaded.summary)
    assert parsed.source == {**loaded.source, "name": "seed.txt"}


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        ("notes.pdf", b"%PDF-1.7", "notes.pdf: unknown format '.pdf'; supported: .htm, .html, .markdown, .md"),
        ("README", b"Title\n\nBody.\n", "README: unknown format '(no suffix)'"),
        ("big.md", b"# T\n\n" + b"x" * importers.MAX_BYTES, "big.md: larger than 5 MiB"),
        ("empty.html", b"", "empty.html: the file is empty"),
    ],
)
def test_parse_refuses_bad_input_naming_the_filename(filename: str, data: bytes, message: str):
    with pytest.raises(ImportFailed) as refused:
        importers.parse(data, filename)
    assert str(refused.value).startswith(message)


def test_the_editor_imports_uploaded_bytes_without_a_temporary_file(
    store: Store, seed_path: Path, monkeypatch: pytest.MonkeyPatch
):
    def no_temporary_files(*args: object, **kwargs: object) -> None:
        raise AssertionError("an import wrote a temporary file")

    monkeypatch.setattr(tempfile, "TemporaryDirectory", no_temporary_files)
    monkeypatch.setattr(tempfile, "mkstemp", no_temporary_files)

    article_id, created = editing.import_bytes(store, "../../etc/uploaded.txt", seed_path.read_bytes())

    assert created
    article = library.get_article(store, article_id)
    assert article.title == importers.load(seed_path).title and article.source["name"] == "uploaded.txt"
    with pytest.raises(ImportFailed, match=r"^uploaded\.md: has a title but no body"):
        editing.import_bytes(store, "uploaded.md", b"just a paragraph\n")
