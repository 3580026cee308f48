"""The digest renders the article document: links, emphasis, lists, quotes, code, images, in HTML and text."""

from __future__ import annotations

from publisher.articles import (
    Article,
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
    Section,
    Strong,
    Text,
)
from publisher.config import Settings
from publisher.importers import parse
from publisher.render.blocks_html import render_html
from publisher.render.blocks_text import render_text
from publisher.render.email import render_digest
from tests.support.html import tags_of

MARKDOWN = b"""# A rich article

Read [the report](https://example.com/report?a=1&b=2) with *care* and **attention**, or `grep` it.

- first point
- second point
  1. nested one
  2. nested two
- third point with a [second link](https://example.org/two)

> A quoted line
> that goes on.

```python
print("<b>not bold</b>")
```

![A chart of the results](https://cdn.example.com/chart.png)

---

The end.
"""


def test_markdown_article_renders_every_element_in_html(settings: Settings):
    article = parse(MARKDOWN, "rich.md")
    html = render_digest([article], settings).html
    tags = tags_of(html)

    links = {a["href"]: a for a in tags.named("a")}
    assert "https://example.com/report?a=1&b=2" in links  # the URL exactly as stored, & escaped in the markup
    assert "https://example.org/two" in links
    assert "the report" in tags.text_in("p", "a")
    assert "care" in tags.text_in("em") and "attention" in tags.text_in("strong")
    assert "grep" in tags.text_in("p", "code")
    assert "nested one" in tags.text_in("ul", "li", "ol", "li")
    assert "first point" in tags.text_in("ul", "li")
    assert "A quoted line" in tags.text_in("blockquote", "p")
    assert 'print("<b>not bold</b>")' in tags.text_in("pre", "code")
    assert not tags.named("b")
    [img] = tags.named("img")
    assert img["src"] == "https://cdn.example.com/chart.png" and img["alt"] == "A chart of the results"
    assert "max-width:100%" in (img["style"] or "")
    assert tags.named("hr")
    # premailer inlined the digest's CSS into the new elements
    for tag in ("blockquote", "pre", "ul", "ol", "li", "hr"):
        assert all("style" in attrs for attrs in tags.named(tag)), tag
    assert "border-left:3px solid" in (tags.named("blockquote")[0]["style"] or "").replace(": ", ":")


def test_markdown_article_text_part_has_numbered_references(settings: Settings):
    article = parse(MARKDOWN, "rich.md")
    text = render_digest([article], settings).text

    assert "Read the report [1] with care and attention, or grep it." in " ".join(text.split())
    assert "second link [2]" in text
    assert "[1] https://example.com/report?a=1&b=2\n[2] https://example.org/two\n" in text
    assert "\n- first point\n- second point\n  1. nested one\n  2. nested two\n- third point" in text
    assert "\n> A quoted line that goes on.\n" in text
    assert '\n    print("<b>not bold</b>")\n' in text
    assert "[Image: A chart of the results]" in text
    assert text.index("[2] https://example.org/two") < text.index("Read on the web:")


def test_image_sizes_fit_the_column_and_local_images_are_left_out():
    blocks = (
        Image("https://cdn.example.com/wide.png", "Wide", width=1200, height=600),
        Image("https://cdn.example.com/small.png", "Small", caption="A caption", width=200, height=100),
        Image(None, "Not stored yet", local="img/local.png"),
    )
    tags = tags_of(render_html(blocks))
    wide, small = tags.named("img")
    assert (wide["width"], wide["height"]) == ("552", "276")
    assert (small["width"], small["height"]) == ("200", "100")
    html = render_html(blocks)
    assert "Not stored yet" not in html and "local.png" not in html
    assert "A caption" in tags.text_in("p")
    text = render_text(blocks).text
    assert "[Image: Wide]" in text and "[Image: Small] A caption" in text and "Not stored yet" not in text


def test_ordered_list_start_line_break_and_rule():
    blocks = (
        ListBlock(True, ((Paragraph((Text("three"),)),), (Paragraph((Text("four"),)),)), start=3),
        Paragraph((Text("one"), LineBreak(), Text("two"))),
        Rule(),
        Heading(1, (Text("Top"),)),
    )
    html = render_html(blocks)
    assert '<ol start="3">' in html and "one<br>two" in html and "<hr>" in html and "<h2>Top</h2>" in html
    text = render_text(blocks).text
    assert text.startswith("3. three\n4. four\n\none\ntwo\n\n* * *\n\nTop\n---")


def test_hostile_documents_stay_inert(settings: Settings):
    evil = '<script>alert(1)</script><img src=x onerror="alert(1)">"\'><a href="javascript:alert(1)">x</a>'
    blocks = (
        Heading(2, (Text(evil),)),
        Paragraph(
            (
                Link("https://example.com/?q=\"><script>alert(1)</script>", (Text(evil),)),
                Emphasis((Text(evil),)),
                Strong((InlineCode(evil),)),
            )
        ),
        ListBlock(False, ((Paragraph((Text(evil),)), Quote((CodeBlock(evil, "html\"><script>"),))),)),
        Image('https://cdn.example.com/x.png?"onerror="alert(1)', alt=evil, caption=evil, width=10, height=10),
    )
    article = Article(evil, "evil", evil, blocks=blocks)
    for full in (True, False):
        digest = render_digest([article, article], settings, full=full)
        tags = tags_of(digest.html)
        assert not tags.named("script")
        assert all(not name.startswith("on") for _, attrs in tags.tags for name in attrs)
        assert all(not (a["href"] or "").startswith("javascript:") for a in tags.named("a"))
        assert "<script" not in digest.html and "<a href=\"javascript" not in digest.html
    html = render_digest([article], settings).html
    [img] = tags_of(html).named("img")
    assert img["src"] == 'https://cdn.example.com/x.png?"onerror="alert(1)' and img["alt"] == evil
    assert "&lt;script&gt;" in html


def test_hostile_markdown_import_stays_inert(settings: Settings):
    hostile = (
        b"# Evil\n\n[click](javascript:alert(1)) <script>alert(2)</script> <b onclick=x>b</b>\n\n"
        b"![x](data:image/svg+xml;base64,PHN2Zz4=)\n\n<iframe src=https://evil.example></iframe>\n"
    )
    digest = render_digest([parse(hostile, "evil.md")], settings)
    tags = tags_of(digest.html)
    assert not tags.named("script") and not tags.named("iframe") and not tags.named("b")
    assert not any((a["href"] or "").startswith(("javascript:", "data:")) for a in tags.named("a"))
    assert not tags.named("img")
    assert "click" in digest.text and "javascript:" not in digest.text


def test_summaries_link_read_more_to_the_public_page(settings: Settings):
    one = Article("First story", "first", "Summary one.", (Section(None, ("Para one.",)),))
    two = Article("Second story", "second", "Summary two.", (Section(None, ("Para two.",)),))

    several = render_digest([one, two], settings)  # default for several: summaries
    more = [a for a in tags_of(several.html).named("a") if a["href"] == "https://news.example.org/articles/second"]
    assert any(True for _ in more)
    assert "Read more" in several.html and "Para two." not in several.html and "Summary two." in several.html
    assert "Read more: https://news.example.org/articles/second" in several.text
    assert "Para two." not in several.text

    single = render_digest([one], settings)  # default for one: full text
    assert "Para one." in single.html and "Read more" not in single.html
    summary_only = render_digest([one], settings, full=False)
    assert "Para one." not in summary_only.html and "Summary one." in summary_only.html
    assert "Read more: https://news.example.org/articles/first" in summary_only.text
    full = render_digest([one, two], settings, full=True)
    assert "Para one." in full.html and "Para two." in full.text and "Read more" not in full.html


def test_urls_reach_the_html_exactly_as_stored(settings: Settings):
    stored = [
        "https://example.com/caf\u00e9/a%20b?x[]=1&y=$2#frag",
        "mailto:desk@example.org?subject=Hi%20there",
        "https://[2001:db8::1]:8443/path",
    ]
    blocks = tuple(Paragraph((Link(url, (Text(f"link {i}"),)),)) for i, url in enumerate(stored))
    blocks += (Image("https://cdn.example.com/\u00fcber.png?w=$1", "Alt"),)
    digest = render_digest([Article("Urls", "urls", "s", blocks=blocks)], settings)
    tags = tags_of(digest.html)

    hrefs = [a["href"] for a in tags.named("a")]
    assert all(url in hrefs for url in stored)
    assert [img["src"] for img in tags.named("img")] == ["https://cdn.example.com/\u00fcber.png?w=$1"]
    for n, url in enumerate(stored, start=1):
        assert f"[{n}] {url}\n" in digest.text


def test_a_summary_shows_the_article_s_cover_as_a_linked_hero_image(settings: Settings):
    cover = Image("https://cdn.example.org/cover.jpg", "The harbour at dawn", "A caption", 1200, 800)
    one = Article("First story", "first", "Summary one.", blocks=(Paragraph((Text("Para one."),)), cover))
    two = Article("Second story", "second", "Summary two.", (Section(None, ("Para two.",)),))

    digest = render_digest([one, two], settings)

    [img] = tags_of(digest.html).named("img")
    assert (img["src"], img["alt"], img["width"], img["height"]) == (cover.src, cover.alt, "552", "368")
    assert "A caption" not in digest.html  # the caption belongs to the full text
    assert '<a href="https://news.example.org/articles/first" class="cover"' in digest.html


def test_a_list_item_of_several_paragraphs_keeps_a_blank_line_between_them_in_the_text_part():
    article = parse(b"# T\n\n- first para\n\n  second para of item\n- two\n", "t.md")

    assert render_text(article.blocks).text == "- first para\n\n  second para of item\n- two"
