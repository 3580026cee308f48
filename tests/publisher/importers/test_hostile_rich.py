"""Hostile markup on the rich model: now that links, images and code survive import, no javascript:, data:
or vbscript: URL survives anywhere in the document, no handler, style or SVG leaves a trace in its text, and
nesting beyond the model's depth keeps only its text."""

import json

import pytest

from publisher.articles import MAX_NESTING, Article, Link
from publisher.importers import html, markdown

BAD_SCHEMES = ("javascript", "data", "vbscript", "file")


def _values(node: object, key: str) -> list[str]:
    found: list[str] = []
    if isinstance(node, dict):
        for k, v in node.items():
            if k == key and isinstance(v, str):
                found.append(v)
            found.extend(_values(v, key))
    elif isinstance(node, list):
        for v in node:
            found.extend(_values(v, key))
    return found


def _depth(node: object, kinds: set[str]) -> int:
    """How deep containers of these types nest in a document's JSON."""
    if isinstance(node, list):
        return max((_depth(v, kinds) for v in node), default=0)
    if isinstance(node, dict):
        inner = max((_depth(v, kinds) for v in node.values()), default=0)
        return inner + (1 if node.get("type") in kinds else 0)
    return 0


def assert_inert(article: Article) -> None:
    document = article.to_dict()["blocks"]
    for url in _values(document, "href") + _values(document, "src") + _values(document, "local"):
        assert not url.lower().startswith(BAD_SCHEMES), url
        assert url.lower().startswith(("http://", "https://", "mailto:")) or "/" not in url[:1], url
    texts = " ".join(_values(document, "text") + _values(document, "alt") + _values(document, "caption"))
    for trace in ("<", ">", "script", "alert", "onerror", "onload", "javascript", "expression(", "svg", "style"):
        assert trace not in texts.lower(), (trace, texts)
    assert "onerror" not in json.dumps(document) and "expression(" not in json.dumps(document)


HTML = [
    pytest.param('<a href="javascript:alert(1)">a</a> b', id="a-href-javascript"),
    pytest.param('<a href="JaVaScRiPt:alert(1)">a</a> b', id="a-href-javascript-case"),
    pytest.param('<a href="&#106;avascript&#58;alert(1)">a</a> b', id="a-href-entities"),
    pytest.param('<a href=" java\tscript:alert(1)">a</a> b', id="a-href-tab"),
    pytest.param('<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">a</a> b', id="a-href-data"),
    pytest.param('<a href="vbscript:msgbox(1)">a</a> b', id="a-href-vbscript"),
    pytest.param('<a href="https://e.org" onclick="alert(1)" style="x:expression(alert(1))">a</a> b', id="a-handlers"),
    pytest.param(
        'a b<img src="data:image/svg+xml;base64,PHN2Zz48c2NyaXB0PmFsZXJ0KDEpPC9zY3JpcHQ+PC9zdmc+">', id="img-data"
    ),
    pytest.param('a b<img src="javascript:alert(1)" alt="x">', id="img-javascript"),
    pytest.param('a b<img src="https://e.org/x.png" onerror="alert(1)" onload="alert(1)">', id="img-onerror"),
    pytest.param('a b<img src=x onerror="alert(1)">', id="img-relative-onerror"),
    pytest.param('a b<svg><image href="javascript:alert(1)"/><script>alert(1)</script></svg>', id="svg"),
    pytest.param('a b<svg onload="alert(1)"><a href="javascript:alert(1)">x</a></svg>', id="svg-link"),
    pytest.param('<span style="width:expression(alert(1))">a</span> b', id="style-expression"),
    pytest.param("a b<style>p{width:expression(alert(1))}</style>", id="style-element-expression"),
    pytest.param('<code class="language-x onload=alert(1)">a</code> b', id="code-class"),
    pytest.param('<figure><img src="javascript:alert(1)"><figcaption>a b</figcaption></figure>', id="figure-bad-img"),
]


@pytest.mark.parametrize("payload", HTML)
def test_hostile_html_leaves_no_url_or_trace_in_the_document(payload: str):
    article = html.parse(f"<h1>Title</h1><p>{payload}</p>".encode(), "hostile.html")

    assert article.paragraphs == ["a b"]
    assert_inert(article)


MARKDOWN = [
    pytest.param("[a](javascript:alert(1)) b", id="link-javascript"),
    pytest.param("[a](data:text/html,alert) b", id="link-data"),
    pytest.param("[a](vbscript:msgbox) b", id="link-vbscript"),
    pytest.param('[a][x] b\n\n[x]: data:text/html,x "t"', id="reference-data"),
    pytest.param("![x](data:image/png;base64,AAA)a b", id="image-data"),
    pytest.param("![x](javascript:alert(1))a b", id="image-javascript"),
    pytest.param('a b <img src="javascript:alert(1)" onerror="alert(1)">', id="raw-img"),
    pytest.param('<a href="data:text/html,x" onclick="alert(1)">a</a> b', id="raw-link-data"),
    pytest.param("a b\n\n<svg><script>alert(1)</script></svg>", id="raw-svg"),
    pytest.param('<span style="x:expression(alert(1))">a</span> b', id="raw-style-expression"),
]


@pytest.mark.parametrize("payload", MARKDOWN)
def test_hostile_markdown_leaves_no_url_or_trace_in_the_document(payload: str):
    article = markdown.parse(f"# Title\n\n{payload}\n".encode(), "hostile.md")

    assert article.paragraphs == ["a b"]
    assert_inert(article)


def test_links_that_are_allowed_survive_the_hostile_neighbours():
    article = html.parse(b'<h1>T</h1><p><a href="https://e.org/x" onclick="alert(1)">a</a> b</p>')

    [paragraph] = article.blocks
    assert paragraph.children[0] == Link("https://e.org/x", paragraph.children[0].children)  # type: ignore[union-attr]
    assert_inert(article)


@pytest.mark.parametrize(
    "markup",
    [
        pytest.param("<blockquote>" * 900 + "deep" + "</blockquote>" * 900, id="quotes"),
        pytest.param("<ul><li>" * 450 + "deep" + "</li></ul>" * 450, id="lists"),
        pytest.param("<em>" * 900 + "deep" + "</em>" * 900, id="emphasis"),
        pytest.param('<a href="https://e.org">' * 300 + "deep" + "</a>" * 300, id="links"),
    ],
)
def test_nesting_beyond_the_models_depth_keeps_only_its_text(markup: str):
    article = html.parse(f"<h1>T</h1>{markup}".encode(), "deep.html")

    assert article.paragraphs == ["deep"]
    document = article.to_dict()["blocks"]
    assert 0 < _depth(document, {"quote", "list", "link", "emphasis", "strong"}) <= MAX_NESTING


def test_markdown_nesting_beyond_the_models_depth_keeps_only_its_text():
    # markdown-it itself stops at 20 levels (and drops what is deeper); 19 are read and flattened to the limit
    article = markdown.parse(("# T\n\n" + "> " * 19 + "deep\n").encode(), "deep.md")

    assert article.paragraphs == ["deep"]
    assert _depth(article.to_dict()["blocks"], {"quote"}) == MAX_NESTING
