"""A document written as Markdown reads back as the same document: the editor shows an article's Markdown
and saves it through the Markdown importer, so nothing may be lost or gained on the way."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from publisher.articles import blocks as doc
from publisher.articles import sections_of
from publisher.articles.markdown import escape_text, to_markdown
from publisher.importers import html, markdown
from publisher.importers.text import is_share_residue


def read_back(blocks: tuple[doc.Block, ...]) -> tuple[doc.Block, ...]:
    """What the Markdown importer makes of the blocks' Markdown under a title."""
    return markdown.parse(("# Title\n\n" + to_markdown(blocks)).encode(), "t.md").blocks


def t(text: str) -> doc.Text:
    return doc.Text(text)


EVERY_KIND = (
    doc.Paragraph(
        (
            t("See "),
            doc.Link("https://example.org/r?a=1&b=(2)", (doc.Strong((t("the report"),)),)),
            t(", "),
            doc.InlineCode("x < y"),
            t(" and "),
            doc.Emphasis((t("this"),)),
            doc.LineBreak(),
            t("1. not a list, # not a heading"),
        )
    ),
    doc.Heading(2, (t("A heading "), doc.Emphasis((t("with emphasis"),)))),
    doc.ListBlock(False, ((doc.Paragraph((t("one"),)), doc.ListBlock(True, ((doc.Paragraph((t("nested"),)),),), 3)),)),
    doc.ListBlock(False, ((doc.Paragraph((t("a second list, not more items"),)),),)),
    doc.Quote((doc.Paragraph((t("quoted"),)), doc.CodeBlock("def f():\n    return '```'", "python"))),
    doc.Image("https://cdn.example.org/chart.png", "A chart", "Figure 1: \"the\" results"),
    doc.Image("https://cdn.example.org/sized.png", "Sized & alt", None, 640, 480),
    doc.Image(None, "A local one", local="img/local.png"),
    doc.Heading(3, (t("Rules and code"),)),
    doc.Rule(),
    doc.CodeBlock("plain code\n\n  indented"),
    doc.Paragraph((t("mailto "), doc.Link("mailto:desk@example.org", (t("the desk"),)), t("."))),
)


def test_every_block_and_inline_run_reads_back_the_same():
    assert read_back(EVERY_KIND) == EVERY_KIND


@pytest.mark.parametrize(
    "text",
    [
        "*not emphasis* and _not either_ and **not strong**",
        "[not a link](https://example.org) ![not an image](x.png)",
        "<b>not a tag</b> &amp; not an entity &#65; <https://example.org>",
        "`not code` ~~not struck~~ a | b \\ backslash",
        "# not a heading",
        "> not a quote",
        "- not a list",
        "+ not a list",
        "2019. not a list",
        "3) not a list",
        "--- not a rule",
        "===",
        "wow!",
    ],
)
def test_markdown_characters_in_text_stay_text(text: str):
    blocks = (doc.Paragraph((t(text),)),)

    assert read_back(blocks) == blocks


def test_an_exclamation_mark_before_a_link_is_no_image():
    blocks = (doc.Paragraph((t("Wow!"), doc.Link("https://example.org/", (t("look"),)))),)

    assert read_back(blocks) == blocks
    assert "Wow\\![look](https://example.org/)" in to_markdown(blocks)


@pytest.mark.parametrize(
    "runs",
    [
        (t("in"), doc.Emphasis((t("side"),)), t("word")),
        (t("a"), doc.Emphasis((t(" spaced "),)), t("b")),
        (doc.Emphasis((t("one"),)), doc.Emphasis((t("two"),))),
        (doc.Strong((doc.Emphasis((t("both"),)),)),),
        (doc.Emphasis((doc.Strong((t("both"),)),)),),
        (doc.Emphasis((doc.Emphasis((t("twice"),)),)),),
        (t("x"), doc.Strong((t('"quoted"'),)), t("y")),
    ],
)
def test_emphasis_the_flanking_rules_would_misread_is_written_as_tags(runs):
    blocks = (doc.Paragraph(runs),)

    assert read_back(blocks) == blocks


def test_readable_markdown_where_it_can_be():
    blocks = (doc.Paragraph((t("A "), doc.Emphasis((t("b"),)), t(" "), doc.Strong((t("c"),)), t("."))),)

    assert to_markdown(blocks) == "A _b_ **c**.\n"


def test_non_ascii_urls_are_kept_as_written():
    blocks = (doc.Paragraph((doc.Link("https://bücher.example/Straße?q=ü", (t("Bücher"),)),)),)

    assert read_back(blocks) == blocks


def test_an_imported_html_article_shows_as_markdown_and_reads_back_the_same():
    page = b"""<h1>T</h1><p>A <a href="https://example.org/x">link</a>, <em>em</em> and <b>bold</b>.</p>
    <ul><li>one<ol start="4"><li>four</li></ol></li><li><p>two</p><p>more</p></li></ul>
    <figure><img src="https://cdn.example.org/p.jpg" alt="A photo" width="800" height="600">
    <figcaption>The caption</figcaption></figure><pre><code class="language-sql">SELECT 1;</code></pre>"""
    article = html.parse(page, "page.html")

    assert read_back(article.blocks) == article.blocks


def test_escape_text_leaves_plain_words_alone():
    assert escape_text("U.S. officials said on Tuesday, 10 p.m.") == "U.S. officials said on Tuesday, 10 p.m."


# --- property: any document as importers build it reads back the same ---

LETTERS = "abcXYZ019 éü中"
MARKUP = "\\`*_[]<>!&#|~-+=.()\":;"
words = st.text(alphabet=LETTERS + MARKUP, min_size=1, max_size=12)
urls = st.sampled_from(
    [
        "https://example.org/",
        "https://example.org/a_(b)*c",
        "https://example.org/?q=1&amp;x=2",
        "http://example.org/ü#frag",
        "mailto:desk@example.org",
    ]
)


def inline(depth: int) -> st.SearchStrategy[doc.Inline]:
    leaves = st.one_of(
        words.map(doc.Text),
        words.map(lambda w: doc.InlineCode(" ".join(w.split()))),
        st.just(doc.LineBreak()),
    )
    if depth == 0:
        return leaves
    children = st.lists(inline(depth - 1), min_size=1, max_size=3).map(tuple)
    return st.one_of(
        leaves,
        children.map(doc.Emphasis),
        children.map(doc.Strong),
        st.builds(doc.Link, urls, st.lists(inline(depth - 1).filter(_no_link), min_size=1, max_size=2).map(tuple)),
    )


def _no_link(run: doc.Inline) -> bool:
    return not isinstance(run, doc.Link) and all(_no_link(c) for c in getattr(run, "children", ()))


def _single_breaks(runs: tuple[doc.Inline, ...]) -> bool:
    """No line break at the start or next to another (two in a row split a paragraph), at any depth."""
    flat: list[str] = []

    def walk(items: tuple[doc.Inline, ...]) -> None:
        for run in items:
            if isinstance(run, doc.Link | doc.Emphasis | doc.Strong):
                walk(run.children)
            else:
                flat.append("br" if isinstance(run, doc.LineBreak) else "x")

    walk(runs)
    return bool(flat) and flat[0] != "br" and "br,br" not in ",".join(flat)


inlines = (
    st.lists(inline(2), min_size=1, max_size=5)
    .map(lambda runs: doc.normalize_inlines(tuple(runs)))
    .filter(lambda runs: bool(doc.one_line(runs)) and _single_breaks(runs))
    .filter(lambda runs: not is_share_residue(doc.one_line(runs)))
)
code = st.text(alphabet="ab{}<>&`~ \n#*", min_size=1, max_size=30).map(lambda s: s.lstrip("\n").rstrip())
images = st.builds(
    doc.image,
    st.sampled_from(["https://cdn.example.org/a.png", "img/b_(1).png"]),
    words,
    st.none() | words,
    st.none() | st.integers(1, 2000),
    st.none() | st.integers(1, 2000),
).filter(lambda found: found is not None)


def block(depth: int) -> st.SearchStrategy[doc.Block]:
    leaves = st.one_of(
        inlines.map(doc.Paragraph),
        st.builds(doc.Heading, st.integers(1, 6), inlines),
        st.builds(doc.CodeBlock, code.filter(str.strip), st.none() | st.sampled_from(["python", "c++", "objective-c"])),
        images,
        st.just(doc.Rule()),
    )
    if depth == 0:
        return leaves
    inner = st.lists(block(depth - 1), min_size=1, max_size=3).map(tuple)
    items = st.lists(inner, min_size=1, max_size=3).map(tuple)
    return st.one_of(
        leaves,
        st.builds(doc.Quote, inner),
        st.builds(doc.ListBlock, st.just(False), items),
        st.builds(doc.ListBlock, st.just(True), items, st.integers(0, 1000)),
    )


def _without_empty_headings(blocks: list[doc.Block]) -> tuple[doc.Block, ...]:
    """As every importer keeps them: a top-level heading only with something other than a heading after it."""
    kept = [b for i, b in enumerate(blocks) if not isinstance(b, doc.Heading) or _followed(blocks, i)]
    return tuple(kept)


def _followed(blocks: list[doc.Block], index: int) -> bool:
    return index + 1 < len(blocks) and not isinstance(blocks[index + 1], doc.Heading)


documents = st.lists(block(2), min_size=1, max_size=6).map(_without_empty_headings)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(documents)
def test_any_document_reads_back_the_same(blocks: tuple[doc.Block, ...]):
    assume(sections_of(blocks))

    assert read_back(blocks) == blocks


def test_a_media_store_copy_is_plain_markdown_its_size_given_back_by_the_store_on_save():
    from publisher.articles import blocks as doc
    from publisher.articles.markdown import to_markdown

    url = "https://news.example.org/media/img/" + "a" * 32 + "/1200.png"
    stored = doc.Image(url, "A chart", None, 1200, 600)
    elsewhere = doc.Image("https://cdn.example.org/chart.png", "A chart", None, 1200, 600)

    assert to_markdown((stored,)).strip() == f"![A chart]({url})"
    assert to_markdown((elsewhere,)).startswith("<img ")
