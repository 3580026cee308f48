from pathlib import Path

import pytest

from publisher.errors import ImportFailed
from publisher.importers import load
from publisher.importers.text import is_share_residue, parse


def test_seed_article_title_sections_and_paragraphs(seed_path: Path):
    raw_lines = [line.strip() for line in seed_path.read_text(encoding="utf-8").splitlines() if line.strip()]

    article = load(seed_path)

    assert article.title == "U.S. Rejects Netanyahu’s Request to Join Direct Military Action Against Iran"
    assert [s.heading for s in article.sections] == [None, "Why Israel Made the Request", "Washington Says No"]
    assert [len(s.paragraphs) for s in article.sections] == [3, 3, 9]
    assert len(article.paragraphs) == 15
    everything = [article.title] + [s.heading for s in article.sections if s.heading] + article.paragraphs
    assert "Share" not in everything
    # every paragraph is a line of the file, unchanged (curly quotes kept), in order
    body = [line for line in raw_lines[2:] if line not in ("Why Israel Made the Request", "Washington Says No")]
    assert article.paragraphs == body
    assert any("“We are not considering" in p for p in article.paragraphs)


def test_seed_article_summary_slug_and_source(seed_path: Path):
    article = load(seed_path)

    assert article.slug == "us-rejects-netanyahus-request-to-join-direct-military-action-against-iran"
    assert article.summary.startswith("As tensions in the Middle East")
    assert article.summary.endswith("conflict with Iran.")
    assert article.source["format"] == "text"
    assert len(article.source["sha256"]) == 64


def test_summary_stops_at_a_sentence_boundary():
    first = "One short sentence. " * 30
    article = parse(f"Title\n{first}\n".encode())
    assert article.summary.endswith("sentence.")
    assert len(article.summary) <= 300


def test_crlf_bom_and_blank_lines_are_tolerated():
    data = "\ufeffA Title\r\n\r\nShare\r\n\r\nFirst paragraph here.\r\nA Heading\r\nSecond paragraph.\r\n".encode()
    article = parse(data)
    assert article.title == "A Title"
    assert [(s.heading, s.paragraphs) for s in article.sections] == [
        (None, ("First paragraph here.",)),
        ("A Heading", ("Second paragraph.",)),
    ]


def test_short_unpunctuated_last_line_is_a_paragraph_not_a_heading():
    article = parse(b"Title\nA paragraph.\nThanks for reading\n")
    assert [s.heading for s in article.sections] == [None]
    assert article.paragraphs == ["A paragraph.", "Thanks for reading"]


@pytest.mark.parametrize("line", ["Share", "SHARE", "Share this article", "Share on Facebook", "Tweet | Share | Email"])
def test_share_button_residue_is_recognised(line: str):
    assert is_share_residue(line)


@pytest.mark.parametrize("line", ["Shares in Tesla fell", "Email", "Why Israel Made the Request", ""])
def test_ordinary_lines_are_not_share_residue(line: str):
    assert not is_share_residue(line)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"  \n\n \t\n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (b"Title only\n", "no body"),
        (b"Title\nShare\n", "no body"),
        ("Caf\xe9 latin-1\nbody.\n".encode("latin-1"), "not valid UTF-8"),
        (b"Title\nbody with a \x07 bell.\n", "control characters"),
    ],
)
def test_bad_files_are_refused_with_a_clear_error(data: bytes, message: str):
    with pytest.raises(ImportFailed, match=message):
        parse(data, "bad.txt")


def test_unknown_format_is_refused(tmp_path: Path):
    path = tmp_path / "article.docx"
    path.write_bytes(b"PK\x03\x04")
    with pytest.raises(ImportFailed, match=r"unknown format '.docx'"):
        load(path)


def test_missing_file_is_refused(tmp_path: Path):
    with pytest.raises(ImportFailed, match="no such file"):
        load(tmp_path / "nope.txt")
