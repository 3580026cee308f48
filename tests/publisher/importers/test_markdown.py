"""The Markdown importer: title and sections from headings, blocks flattened to plain text, raw HTML
sanitized like an HTML import, bad files refused by name."""

import hashlib
from pathlib import Path

import pytest

from publisher.errors import ImportFailed
from publisher.importers import load, supported_suffixes
from publisher.importers.markdown import parse
from tests.conftest import PROJECT_ROOT

EXAMPLE = PROJECT_ROOT / "examples" / "articles" / "library-opens-late.md"


def _shape(text: str) -> tuple[str, list[tuple[str | None, list[str]]]]:
    article = parse(text.encode(), "t.md")
    return article.title, [(s.heading, list(s.paragraphs)) for s in article.sections]


def test_example_file_title_sections_and_paragraphs():
    article = load(EXAMPLE)

    assert article.title == "City Library Extends Its Opening Hours to Ten at Night"
    assert article.slug == "city-library-extends-its-opening-hours-to-ten-at-night"
    assert [s.heading for s in article.sections] == [None, "What changes", "Why now"]
    assert [len(s.paragraphs) for s in article.sections] == [1, 3, 4]
    # the front matter and the "Share" line are gone; wrapped lines are joined; bold is flattened
    assert article.paragraphs[0] == (
        "The central library will stay open until 10 p.m. on weekdays from next month, the city council said on "
        "Tuesday, after a pilot in two branches drew more readers than expected."
    )
    assert "author" not in " ".join(article.paragraphs) and "Share" not in article.paragraphs
    assert article.paragraphs[3] == "Weekend hours stay as they are."
    assert article.paragraphs[4].startswith('"Students told us')
    assert "the full decision is published on its website." in article.paragraphs[5]
    assert article.paragraphs[6:] == [
        "1. A review in six months will look at visitor numbers.",
        "2. The trial ends after a year unless the council renews it.",
    ]
    assert article.summary == article.paragraphs[0]
    assert article.source["format"] == "markdown"
    assert article.source["sha256"] == hashlib.sha256(EXAMPLE.read_bytes()).hexdigest()


def test_md_and_markdown_are_registered():
    assert {".md", ".markdown"} <= set(supported_suffixes())


@pytest.mark.parametrize(
    ("text", "title", "sections"),
    [
        pytest.param("# T\n\nOne.\n\nTwo.\n", "T", [(None, ["One.", "Two."])], id="atx-title"),
        pytest.param("T\n===\n\nBody.\n", "T", [(None, ["Body."])], id="setext-title"),
        pytest.param(
            "A **bold** first line\nand the rest of the paragraph.\n\nMore.\n",
            "A bold first line",
            [(None, ["and the rest of the paragraph.", "More."])],
            id="no-heading-first-line-is-title",
        ),
        pytest.param("Intro.\n\n# T\n\nBody.\n", "T", [(None, ["Intro.", "Body."])], id="text-before-title-kept"),
        pytest.param(
            "---\ntitle: ignored\ntags: [a]\n---\n# T\n\nBody.\n", "T", [(None, ["Body."])], id="front-matter-skipped"
        ),
        pytest.param(
            "# T\n\nIntro.\n\n## A\n\na.\n\n### B\n\nb.\n\n# C\n\nc.\n",
            "T",
            [(None, ["Intro."]), ("A", ["a."]), ("B", ["b."]), ("C", ["c."])],
            id="sections",
        ),
        pytest.param("# T\n\n## Empty\n\n## Full\n\nx.\n", "T", [("Full", ["x."])], id="empty-heading-dropped"),
        pytest.param(
            "# T\n\n- one\n- two\n  - nested\n\n3. three\n4. four\n",
            "T",
            [(None, ["one", "two", "nested", "3. three", "4. four"])],
            id="lists",
        ),
        pytest.param("# T\n\n> quoted\n> on two lines\n\n> second\n", "T", [(None, ["quoted on two lines", "second"])]),
        pytest.param(
            "# T\n\n```python\nprint('hi')\nx = 1\n```\n\n    indented code\n",
            "T",
            [(None, ["print('hi') x = 1", "indented code"])],
            id="code-blocks",
        ),
        pytest.param(
            "# T\n\n| City | Pop. |\n|---|---|\n| Oslo | 700k |\n",
            "T",
            [(None, ["City | Pop.", "Oslo | 700k"])],
            id="table",
        ),
        pytest.param(
            "# T\n\nSee [the report](https://example.org/r) ![chart](c.png)now, `code`, *em*, ~~old~~ and <https://e.org>.\n",
            "T",
            [(None, ["See the report now, code, em, old and https://e.org."])],
            id="inline-markup-flattened-link-url-and-image-dropped",
        ),
        pytest.param("# T\n\nline  \nbreak\\\nagain\n", "T", [(None, ["line break again"])], id="hard-breaks"),
        pytest.param(
            "# T\n\nShare\n\nTweet | Email\n\nShares in Tesla fell.\n",
            "T",
            [(None, ["Shares in Tesla fell."])],
            id="share-residue",
        ),
        pytest.param("# A &amp; B\n\n&lt;3 &copy;\n", "A & B", [(None, ["<3 ©"])], id="entities"),
        pytest.param("\ufeff# T\r\n\r\nBody.\r\n", "T", [(None, ["Body."])], id="bom-and-crlf"),
        pytest.param("# T\n\n<div>\n<p>raw <b>html</b></p>\n</div>\n", "T", [(None, ["raw html"])], id="raw-html"),
    ],
)
def test_structure(text: str, title: str, sections: list):
    assert _shape(text) == (title, sections)


HOSTILE = [
    pytest.param("a <script>alert(1)</script>b", id="inline-script"),
    pytest.param("a b\n\n<script>\nalert(1)\n</script>", id="block-script"),
    pytest.param("a b\n\n<style>p{color:red}</style>", id="style"),
    pytest.param('a <img src=x onerror="alert(1)">b', id="img-onerror"),
    pytest.param('<span onclick="alert(1)">a</span> b', id="event-handler"),
    pytest.param("[a](javascript:alert(1)) b", id="javascript-link"),
    pytest.param("[a](JaVaScRiPt:alert(1)) b", id="javascript-link-case"),
    pytest.param('[a][x] b\n\n[x]: javascript:alert(1) "t"', id="javascript-reference-link"),
    pytest.param('<a href="javascript:alert(1)">a</a> b', id="javascript-raw-link"),
    pytest.param("![x](javascript:alert(1))a b", id="javascript-image"),
    pytest.param('a b\n\n<iframe src="javascript:alert(1)"></iframe>', id="iframe"),
    pytest.param("a <!-- <script>alert(1)</script> -->b", id="comment"),
    pytest.param("a b\n\n<!--\n<script>alert(1)</script>\n-->", id="block-comment"),
]


@pytest.mark.parametrize("payload", HOSTILE)
def test_hostile_markdown_leaves_no_trace_in_the_article(payload: str):
    article = parse(f"# Title\n\n{payload}\n".encode(), "hostile.md")

    text = " ".join([article.title, article.summary, *article.paragraphs])
    assert article.paragraphs == ["a b"]
    for trace in ("<", ">", "script", "alert", "onerror", "javascript", "style", "iframe", "--", "]("):
        assert trace not in text.lower()


def test_code_about_html_is_kept_as_text():
    # Code spans and blocks are the author's text, markup or not: stored as characters, escaped when shown.
    article = parse(b"# T\n\nUse `<b>` for bold, and `&amp;` for &.\n")
    assert article.paragraphs == ["Use <b> for bold, and &amp; for &."]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the file is empty"),
        (b"\n \n\t", "the file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
        ("# Café\n\nx\n".encode("latin-1"), r"not valid UTF-8 \(byte 0xe9 at offset 5\)"),
        (b"# T\n\na \x07 bell\n", "control characters"),
        (b"![only an image](x.png)\n", r"no text in the file \(only markup, images or comments\)"),
        (b"<!-- a comment -->\n\n---\n", "no text in the file"),
        (b"![image](x.png)\n\nThen text.\n", r"no title; start the file with a `# Title` line"),
        (b"# Title only\n", "has a title but no body"),
        (b"# T\n\n<div>\n" + b"<div>" * 1001 + b"\n\nx\n", "elements nest more than 1000 levels deep"),
        (b"# T\n\n## Heading only\n", "has a title but no body"),
        (b"# T\n\nShare\n\n![x](y.png)\n", "has a title but no body"),
        (("# " + "long " * 100 + "\n\nx\n").encode(), "the title is 499 characters long; at most 300"),
    ],
)
def test_bad_files_are_refused_with_a_clear_error(data: bytes, message: str):
    with pytest.raises(ImportFailed, match=f"^bad.md: (.* )?{message}"):
        parse(data, "bad.md")


def test_load_picks_the_markdown_importer_by_suffix(tmp_path: Path):
    for name in ("notes.md", "NOTES.Markdown"):
        path = tmp_path / name
        path.write_bytes(b"# T\n\nBody.\n")
        assert load(path).source["format"] == "markdown"
