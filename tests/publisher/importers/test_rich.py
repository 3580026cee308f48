"""Importers keep what the format says: links, emphasis, code, nested lists, quotes, code blocks, images and
rules become the document's blocks; the language comes from the file, else the caller, else "en"."""

from pathlib import Path

import pytest

from publisher import importers
from publisher.articles import (
    CodeBlock,
    Emphasis,
    Heading,
    Image,
    InlineCode,
    LineBreak,
    Link,
    ListBlock,
    Paragraph,
    Quote,
    Rule,
    Strong,
    Text,
)
from publisher.importers import html, markdown, text


def p(*runs: object) -> Paragraph:
    return Paragraph(tuple(Text(r) if isinstance(r, str) else r for r in runs))  # type: ignore[misc]


def item(*words: str) -> tuple:
    return tuple(p(w) for w in words)


MARKDOWN = [
    pytest.param(
        "See [the report](https://example.org/r) and *em*, **strong**, `x < y` and <https://e.org/a>.",
        (
            p(
                "See ",
                Link("https://example.org/r", (Text("the report"),)),
                " and ",
                Emphasis((Text("em"),)),
                ", ",
                Strong((Text("strong"),)),
                ", ",
                InlineCode("x < y"),
                " and ",
                Link("https://e.org/a", (Text("https://e.org/a"),)),
                ".",
            ),
        ),
        id="inline-runs",
    ),
    pytest.param(
        "[write](mailto:desk@example.org) [ref][r]\n\n[r]: https://e.org/ref",
        (p(Link("mailto:desk@example.org", (Text("write"),)), " ", Link("https://e.org/ref", (Text("ref"),))),),
        id="mailto-and-reference-links",
    ),
    pytest.param("line  \nbreak\\\nagain", (p("line", LineBreak(), "break", LineBreak(), "again"),), id="hard-breaks"),
    pytest.param(
        "- one\n- two\n  - nested\n    1. deep\n",
        (
            ListBlock(
                False, (item("one"), (p("two"), ListBlock(False, ((p("nested"), ListBlock(True, (item("deep"),))),))))
            ),
        ),
        id="nested-bullet-and-ordered-lists",
    ),
    pytest.param("3. three\n4. four\n", (ListBlock(True, (item("three"), item("four")), 3),), id="ordered-from-3"),
    pytest.param("> quoted\n>\n> > inner", (Quote((p("quoted"), Quote((p("inner"),)))),), id="nested-quotes"),
    pytest.param(
        "```python\nprint('hi')\n  x = 1\n```\n\n    indented <b>\n",
        (CodeBlock("print('hi')\n  x = 1", "python"), CodeBlock("indented <b>")),
        id="fenced-and-indented-code",
    ),
    pytest.param(
        'Text.\n\n![A chart](https://e.org/c.png "Figure 1")\n\n![local](img/c.png)',
        (p("Text."), Image("https://e.org/c.png", "A chart", "Figure 1"), Image(None, "local", local="img/c.png")),
        id="images-alt-and-title-as-caption",
    ),
    pytest.param("Before.\n\n---\n\nAfter.", (p("Before."), Rule(), p("After.")), id="rule"),
    pytest.param("## A *b*\n\nx", (Heading(2, (Text("A "), Emphasis((Text("b"),)))), p("x")), id="heading-runs"),
    pytest.param("[a](javascript:alert(1)) [b](/relative) c", (p("a b c"),), id="bad-links-keep-their-text"),
]


@pytest.mark.parametrize(("body", "blocks"), MARKDOWN)
def test_markdown_keeps_the_structure(body: str, blocks: tuple):
    article = markdown.parse(f"# Title\n\n{body}\n".encode(), "t.md")

    assert article.blocks == blocks


HTML = [
    pytest.param(
        '<p>See <a href="https://example.org/r">the <b>report</b></a>, <i>em</i>, <code>x</code>.</p>',
        (
            p(
                "See ",
                Link("https://example.org/r", (Text("the "), Strong((Text("report"),)))),
                ", ",
                Emphasis((Text("em"),)),
                ", ",
                InlineCode("x"),
                ".",
            ),
        ),
        id="inline-runs",
    ),
    pytest.param("<p>line<br>wrapped<br><br>new</p>", (p("line", LineBreak(), "wrapped"), p("new")), id="breaks"),
    pytest.param(
        "<ul><li>one</li><li>two<ol start='4'><li>four</li></ol></li></ul>",
        (ListBlock(False, (item("one"), (p("two"), ListBlock(True, (item("four"),), 4)))),),
        id="nested-lists",
    ),
    pytest.param(
        "<blockquote><p>q</p><blockquote>inner</blockquote></blockquote>", (Quote((p("q"), Quote((p("inner"),)))),)
    ),
    pytest.param(
        '<pre><code class="language-js">let a = 1;\n  a++;</code></pre><pre>plain</pre>',
        (CodeBlock("let a = 1;\n  a++;", "js"), CodeBlock("plain")),
        id="code-blocks",
    ),
    pytest.param(
        '<figure><img src="https://e.org/c.png" alt="A chart" width="640" height="480">'
        "<figcaption>Figure <em>1</em></figcaption></figure><p>Text.</p>",
        (Image("https://e.org/c.png", "A chart", "Figure 1", 640, 480), p("Text.")),
        id="figure-with-caption",
    ),
    pytest.param(
        '<p>Text <img src="img/c.png" alt="c" title="T"> more.</p>',
        (p("Text more."), Image(None, "c", "T", local="img/c.png")),
        id="inline-image-after-its-paragraph",
    ),
    pytest.param("<p>a</p><hr><p>b</p>", (p("a"), Rule(), p("b")), id="rule"),
    pytest.param("<h3>Sub</h3><p>x</p>", (Heading(3, (Text("Sub"),)), p("x")), id="heading-level"),
]


@pytest.mark.parametrize(("body", "blocks"), HTML)
def test_html_keeps_the_structure(body: str, blocks: tuple):
    article = html.parse(f"<h1>Title</h1>{body}".encode(), "t.html")

    assert article.blocks == blocks


@pytest.mark.parametrize(
    ("line", "runs"),
    [
        ("See https://example.org/a.", ("See ", Link("https://example.org/a", (Text("https://example.org/a"),)), ".")),
        (
            "(at https://e.org/wiki/A_(b)) and HTTP://E.org",
            (
                "(at ",
                Link("https://e.org/wiki/A_(b)", (Text("https://e.org/wiki/A_(b)"),)),
                ") and ",
                Link("http://E.org", (Text("HTTP://E.org"),)),
            ),
        ),  # fmt: skip
        (
            "No link in javascript:alert(1) or ftp://e.org or www.e.org.",
            ("No link in javascript:alert(1) or ftp://e.org or www.e.org.",),
        ),
    ],
)
def test_plain_text_keeps_bare_urls_as_links(line: str, runs: tuple):
    article = text.parse(f"Title\n{line}\n".encode(), "t.txt")

    assert article.blocks == (p(*runs),)
    assert article.paragraphs == [line]


def test_the_seed_article_imports_as_before(seed_path: Path):
    article = importers.load(seed_path)

    assert [type(b).__name__ for b in article.blocks].count("Heading") == 2
    assert [len(s.paragraphs) for s in article.sections] == [3, 3, 9]
    assert all(isinstance(b, Heading | Paragraph) for b in article.blocks)
    assert "’" in " ".join(article.paragraphs) or "“" in " ".join(article.paragraphs)


@pytest.mark.parametrize(
    ("name", "data", "given", "lang"),
    [
        ("a.html", b'<html lang="de-CH"><h1>T</h1><p>x</p></html>', "fr", "de-CH"),
        ("a.html", b'<html lang="not a tag!"><h1>T</h1><p>x</p></html>', "fr", "fr"),
        ("a.html", b"<h1>T</h1><p>x</p>", "fr", "fr"),
        ("a.html", b"<h1>T</h1><p>x</p>", None, "en"),
        ("a.md", b"---\nlang: pt_BR\n---\n# T\n\nx\n", "fr", "pt-BR"),
        ("a.md", b"---\ntitle: T\n---\nx\n", "fr", "fr"),
        ("a.md", b"# T\n\nx\n", None, "en"),
        ("a.txt", b"T\nx\n", "nl", "nl"),
        ("a.txt", b"T\nx\n", None, "en"),
    ],
)
def test_the_language_is_the_files_else_the_callers_else_en(name: str, data: bytes, given: str | None, lang: str):
    assert importers.parse(data, name, given).lang == lang


def test_markdown_front_matter_gives_the_title_when_there_is_no_heading():
    article = markdown.parse(b'---\ntitle: "From the front matter"\nlang: sv\nauthor: x\n---\nFirst paragraph.\n')

    assert (article.title, article.paragraphs, article.lang) == ("From the front matter", ["First paragraph."], "sv")
    assert markdown.parse(b"---\ntitle: Ignored\n---\n# Heading wins\n\nx\n").title == "Heading wins"
