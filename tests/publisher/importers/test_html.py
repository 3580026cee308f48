"""The HTML importer: structure read from a page, hostile markup removed by nh3, bad files refused by name."""

import hashlib
import re
from pathlib import Path

import pytest

from publisher.errors import ImportFailed
from publisher.importers import load, supported_suffixes
from publisher.importers.html import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, parse, sanitize
from tests.conftest import PROJECT_ROOT

EXAMPLE = PROJECT_ROOT / "examples" / "articles" / "harbour-bridge-repairs.html"


def _shape(data: bytes) -> tuple[str, list[tuple[str | None, list[str]]]]:
    article = parse(data, "t.html")
    return article.title, [(s.heading, list(s.paragraphs)) for s in article.sections]


def test_example_page_title_sections_and_paragraphs():
    article = load(EXAMPLE)

    assert article.title == "Harbour Bridge to Close at Night for Three Weeks of Repairs"
    assert article.slug == "harbour-bridge-to-close-at-night-for-three-weeks-of-repairs"
    assert [s.heading for s in article.sections] == [None, "Detours", "Why the work is needed"]
    assert [len(s.paragraphs) for s in article.sections] == [1, 3, 2]
    # nav, the site name before the <h1>, the share buttons and the footer's "Share this article" are gone
    everything = " ".join([article.title, *article.paragraphs])
    for furniture in ("Home", "The Test Desk", "Share", "Tweet", "body {", "tracking"):
        assert furniture not in everything
    # entities decoded, inline markup and link URLs flattened to text
    assert article.paragraphs[0].startswith("The Harbour Bridge will close to traffic from 11 p.m. to 5 a.m.")
    assert "worn expansion joints," in article.paragraphs[0]
    assert (
        article.paragraphs[1]
        == "Drivers are asked to use the ring road; buses on route 14 will run by the east crossing instead."
    )
    assert article.paragraphs[4] == "“The joints have done thirty years of service,” said the chief engineer."
    assert "€2.4 million" in article.paragraphs[5] and "winter’s" in article.paragraphs[5]
    assert article.summary == article.paragraphs[0]
    assert article.source["format"] == "html" and len(article.source["sha256"]) == 64


def test_html_and_htm_are_registered():
    assert {".html", ".htm"} <= set(supported_suffixes())


@pytest.mark.parametrize(
    ("html", "title", "sections"),
    [
        pytest.param("<h1>T</h1><p>One.</p><p>Two.</p>", "T", [(None, ["One.", "Two."])], id="fragment"),
        pytest.param(
            "<html><head><title>From title</title></head><body><p>Body.</p></body></html>",
            "From title",
            [(None, ["Body."])],
            id="title-element-when-no-h1",
        ),
        pytest.param(
            "<title>Site | Page</title><h1>The h1 wins</h1><p>Body.</p>",
            "The h1 wins",
            [(None, ["Body."])],
            id="h1-before-title-element",
        ),
        pytest.param(
            "<p>Site name</p><h1>T</h1><p>Body.</p>", "T", [(None, ["Body."])], id="text-before-h1-is-furniture"
        ),
        pytest.param(
            "<h1>T</h1><p>Intro.</p><h2>A</h2><p>a.</p><h3>B</h3><p>b.</p><h1>C</h1><p>c.</p>",
            "T",
            [(None, ["Intro."]), ("A", ["a."]), ("B", ["b."]), ("C", ["c."])],
            id="h2-h3-and-later-h1-open-sections",
        ),
        pytest.param(
            "<h1>T</h1><h2>Empty</h2><h2>Full</h2><p>x.</p>",
            "T",
            [("Full", ["x."])],
            id="heading-without-paragraphs-dropped",
        ),
        pytest.param(
            "<h1>T</h1><ul><li>one</li><li><p>two</p></li></ul><ol start='4'><li>four</li><li>five</li></ol>",
            "T",
            [(None, ["one", "two", "4. four", "5. five"])],
            id="list-items-ordered-numbered",
        ),
        pytest.param(
            "<h1>T</h1><blockquote><p>q1.</p><p>q2.</p></blockquote><pre>a  b\n  c</pre>",
            "T",
            [(None, ["q1.", "q2.", "a b c"])],
            id="blockquote-and-pre",
        ),
        pytest.param(
            "<h1>T</h1><p>line<br>wrapped<br><br>new paragraph</p>",
            "T",
            [(None, ["line wrapped", "new paragraph"])],
            id="br-space-double-br-splits",
        ),
        pytest.param(
            "<h1>T</h1><div>Loose text in a div.<div>Nested.</div></div>",
            "T",
            [(None, ["Loose text in a div.", "Nested."])],
            id="text-loose-in-divs",
        ),
        pytest.param(
            "<h1>T</h1><table><tr><th>City</th><th>Pop.</th></tr><tr><td>Oslo</td><td>700k</td></tr></table>",
            "T",
            [(None, ["City | Pop.", "Oslo | 700k"])],
            id="table-rows",
        ),
        pytest.param(
            '<h1>T</h1><p>See <a href="https://example.org/r">the report</a> <img src="c.png" alt="chart">now.</p>',
            "T",
            [(None, ["See the report now."])],
            id="link-text-kept-url-and-image-dropped",
        ),
        pytest.param(
            "<h1>T</h1><p>Share</p><p>Share on Facebook | Email</p><p>Shares in Tesla fell.</p>",
            "T",
            [(None, ["Shares in Tesla fell."])],
            id="share-residue-dropped",
        ),
        pytest.param(
            "<h1>  Spaced\n  <em>title</em> </h1><p>a&amp;b &lt;3 &eacute;&#233;&#xe9;</p>",
            "Spaced title",
            [(None, ["a&b <3 ééé"])],
            id="whitespace-and-entities",
        ),
    ],
)
def test_structure(html: str, title: str, sections: list):
    assert _shape(html.encode()) == (title, sections)


HOSTILE = [
    pytest.param("<p>a <script>alert(1)</script>b</p>", id="script"),
    pytest.param('<p>a <script src="https://evil.example/x.js"></script>b</p>', id="script-src"),
    pytest.param("<p>a <SCRIPT>alert(1)</SCRIPT>b</p>", id="script-uppercase"),
    pytest.param('<p>a <img src=x onerror="alert(1)">b</p>', id="img-onerror"),
    pytest.param('<p onclick="alert(1)" onmouseover=alert(1)>a b</p>', id="event-handlers"),
    pytest.param('<p><a href="javascript:alert(1)">a</a> b</p>', id="javascript-link"),
    pytest.param('<p><a href="&#106;avascript&#58;alert(1)">a</a> b</p>', id="entity-javascript-link"),
    pytest.param('<p><a href="java\tscript:alert(1)">a</a> b</p>', id="tab-javascript-link"),
    pytest.param("<style>p{background:url(javascript:alert(1))}</style><p>a b</p>", id="style"),
    pytest.param('<p>a <span style="color:red">b</span></p>', id="style-attribute"),
    pytest.param('<p>a<iframe src="javascript:alert(1)">alert(1)</iframe> b</p>', id="iframe"),
    pytest.param("<p>a<!-- <script>alert(1)</script> --> b</p>", id="comment"),
    pytest.param("<p>a<!--[if IE]><script>alert(1)</script><![endif]--> b</p>", id="conditional-comment"),
    pytest.param('<p>a<svg onload="alert(1)"><script>alert(1)</script></svg> b</p>', id="svg"),
    pytest.param('<p>a<object data="javascript:alert(1)"></object> b</p>', id="object"),
    pytest.param('<p>a b</p><form action="javascript:alert(1)"><button>go</button></form>', id="form"),
    pytest.param('<p>a<noscript><img src=x onerror="alert(1)"></noscript> b</p>', id="noscript"),
    pytest.param("<p>a<template><script>alert(1)</script></template> b</p>", id="template"),
    pytest.param(
        '<p>a b</p><math><mtext><table><mglyph><style><img src=x onerror="alert(1)"></mtext></math>', id="mxss"
    ),
    pytest.param('<p>a<meta http-equiv="refresh" content="0;url=javascript:alert(1)"> b</p>', id="meta-refresh"),
    pytest.param('<p>a<base href="javascript:alert(1)//"> b</p>', id="base"),
]


@pytest.mark.parametrize("payload", HOSTILE)
def test_hostile_markup_leaves_no_trace_in_the_article(payload: str):
    article = parse(f"<h1>Title</h1>{payload}".encode(), "hostile.html")

    text = " ".join([article.title, article.summary, *article.paragraphs])
    assert article.paragraphs == ["a b"]  # only the visible text survives
    for trace in ("<", ">", "script", "alert", "onerror", "javascript", "style", "iframe", "svg", "--"):
        assert trace not in text.lower()


@pytest.mark.parametrize("payload", HOSTILE)
def test_the_sanitizer_keeps_only_allowed_tags_and_the_models_attributes(payload: str):
    cleaned = sanitize(payload)

    tags = re.findall(r"<(/?)([^\s/>]*)([^>]*)>", cleaned)
    assert tags, cleaned
    for _, name, attributes in tags:
        names = set(re.findall(r"([a-z-]+)=", attributes))
        assert name.lower() in ALLOWED_TAGS and names <= ALLOWED_ATTRIBUTES.get(name.lower(), set()), cleaned
    assert "javascript" not in cleaned.lower() and "alert" not in cleaned.lower()


def test_sanitizer_output_keeps_only_the_attributes_the_model_reads():
    cleaned = sanitize(
        '<ol start="3" class="x" onclick="y"><li id="a">x</li></ol><a href="https://e.org" target="_blank">l</a>'
        '<img src="https://e.org/c.png" alt="c" width="640" height="4e2" style="x" title="t">'
        '<pre><code class="hljs language-python" data-x="1">x</code></pre>'
    )
    assert cleaned == (
        '<ol start="3"><li>x</li></ol><a href="https://e.org">l</a>'
        '<img src="https://e.org/c.png" alt="c" width="640" title="t">'
        '<pre><code class="language-python">x</code></pre>'
    )


def test_escaped_markup_is_text_not_markup():
    # Entities that spell a tag are the author's text ("how <script> works"): kept as those characters,
    # which every renderer escapes (see tests/publisher/web/test_import_formats.py).
    article = parse(b"<h1>T</h1><p>&lt;script&gt;alert(1)&lt;/script&gt; and &amp;lt;b&amp;gt;</p>")
    assert article.paragraphs == ["<script>alert(1)</script> and &lt;b&gt;"]


@pytest.mark.parametrize(
    ("data", "paragraph"),
    [
        ('<meta charset="windows-1252"><h1>T</h1><p>Café “x”</p>'.encode("cp1252"), "Café “x”"),
        ('<meta charset="ISO-8859-1"><h1>T</h1><p>Café</p>'.encode("latin-1"), "Café"),
        (
            '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-15"><h1>T</h1><p>€5</p>'.encode(
                "iso-8859-15"
            ),
            "€5",
        ),
        ("\ufeff<h1>T</h1><p>Café</p>".encode(), "Café"),
        ('<meta charset="utf-8"><h1>T</h1><p>Café</p>'.encode(), "Café"),
    ],
)
def test_declared_charset_is_honoured(data: bytes, paragraph: str):
    assert parse(data).paragraphs == [paragraph]


def test_valid_utf8_wins_over_a_declared_charset():
    # HTML pasted into the editor or posted to the API arrives as UTF-8 whatever its <meta> says
    pasted = '<meta charset="iso-8859-1"><h1>T</h1><p>Café “x”</p>'.encode()
    assert parse(pasted).paragraphs == ["Café “x”"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the file is empty"),
        (b" \n\t ", "the file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
        ("<h1>T</h1><p>\ufeffx</p>".encode("utf-16"), "UTF-16; save it as UTF-8"),
        (
            "<h1>Café</h1><p>x</p>".encode("latin-1"),
            r"not valid UTF-8 \(byte 0xe9 at offset 7\) and no <meta charset> declares another encoding",
        ),
        ('<meta charset="klingon"><h1>T</h1><p>é</p>'.encode("latin-1"), "declares charset 'klingon'"),
        ('<meta charset="utf-8"><h1>T</h1><p>é</p>'.encode("latin-1"), "declares utf-8 but is not valid UTF-8"),
        (b'<meta charset="windows-1252"><h1>T</h1><p>\x81</p>', "not valid windows-1252 as its <meta charset>"),
        (b"<h1>T</h1><p>a \x07 bell</p>", "control characters"),
        (b"<!-- only a comment --><script>alert(1)</script>", "no text in the page"),
        (b"<p>A paragraph but no heading.</p>", r"no title; the page needs an <h1> or a <title>"),
        (b"<h1>Title only</h1>", "has a title but no body"),
        (b"<h1>T</h1><p>Share</p><script>x</script>", "has a title but no body"),
        (b"<title>T</title>", "has a title but no body"),
        (b"<h1>T</h1>" + b"<div>" * 1001 + b"x", "elements nest more than 1000 levels deep"),
        (("<h1>" + "long " * 100 + "</h1><p>x</p>").encode(), "the title is 499 characters long; at most 300"),
    ],
)
def test_bad_files_are_refused_with_a_clear_error(data: bytes, message: str):
    with pytest.raises(ImportFailed, match=f"^bad.html: (.* )?{message}"):
        parse(data, "bad.html")


def test_nesting_up_to_the_limit_is_read():
    assert parse(b"<h1>T</h1>" + b"<div>" * 1000 + b"deep" + b"</div>" * 1000).paragraphs == ["deep"]
    # closed siblings and tags the parser closes by itself do not add up
    assert parse(b"<h1>T</h1>" + b"<div><p>x</div>" * 5000 + b"<li>y" * 5000).paragraphs == ["x"] * 5000 + ["y"] * 5000


def test_load_picks_the_html_importer_by_suffix(tmp_path: Path):
    data = b"<h1>T</h1><p>Body.</p>"
    for name in ("page.html", "PAGE.HTM"):
        path = tmp_path / name
        path.write_bytes(data)
        source = load(path).source
        assert source == {"format": "html", "name": str(path), "sha256": hashlib.sha256(data).hexdigest()}
