import re
from pathlib import Path

from publisher.articles import Article, Section
from publisher.config import Settings
from publisher.importers import load
from publisher.render.email import placeholder, render_digest


def test_digest_html_has_inlined_styles_and_absolute_links(seed_path: Path, settings: Settings):
    digest = render_digest([load(seed_path)], settings)

    kept = re.findall(r"<style>(.*?)</style>", digest.html, re.S)
    assert [css.strip()[:6] for css in kept] == ["@media"]  # only the media query is left in a style tag
    assert re.search(r'<p style="[^"]*font-size:17px', digest.html)
    hrefs = re.findall(r'href="([^"]+)"', digest.html)
    own = [h for h in hrefs if "intent" not in h and "share" not in h and not h.startswith("mailto:")]
    assert own and all(h.startswith("https://news.example.org/") for h in own)
    assert all(h.startswith(("https://", "mailto:")) for h in hrefs)  # reader share links (issue 6) too
    assert "https://news.example.org/articles/us-rejects-netanyahus-request" in digest.html


def test_digest_text_is_title_headings_and_paragraphs(seed_path: Path, settings: Settings):
    article = load(seed_path)
    digest = render_digest([article], settings)

    text = " ".join(digest.text.split())
    assert "<" not in digest.text.replace(placeholder(digest.key, "NAME"), "")
    assert "Why Israel Made the Request -----" in text
    for paragraph in article.paragraphs:
        assert " ".join(paragraph.split()) in text
    positions = [text.index(article.title), text.index("Why Israel Made"), text.index("Washington Says No")]
    assert positions == sorted(positions)


def test_several_articles_make_one_digest(settings: Settings):
    a = Article("First story", "first", "Summary one.", (Section(None, ("Para one.",)),))
    b = Article("Second story", "second", "Summary two.", (Section("Head", ("Para two.",)),))

    digest = render_digest([a, b], settings, full=True)

    assert digest.subject == "First story (+1 more)"
    for needle in ("First story", "Second story", "Summary two.", "Para two."):
        assert needle in digest.html and needle in digest.text


def test_article_text_is_escaped_in_html(settings: Settings):
    hostile = Article("<script>alert(1)</script>", "x", "s", (Section(None, ('<img src=x onerror="alert(1)">',)),))

    digest = render_digest([hostile], settings)

    assert "<script>alert" not in digest.html
    assert "<img" not in digest.html
    assert "&lt;script&gt;" in digest.html


def test_placeholders_carry_a_per_render_key(settings: Settings, seed_path: Path):
    article = load(seed_path)
    one, two = render_digest([article], settings), render_digest([article], settings)
    assert one.key != two.key
    assert placeholder(one.key, "NAME") in one.html
    assert placeholder(one.key, "TOKEN") in one.text


def test_the_text_footer_keeps_the_tracking_note_and_the_view_link_on_lines_of_their_own(seed_path: Path, settings):
    with_view = render_digest([load(seed_path)], settings, view_url="https://news.example.org/digests/7").text
    without = render_digest([load(seed_path)], settings, standalone=True).text

    assert "in total, never per reader.\nView in browser: https://news.example.org/digests/7\n" in with_view
    assert "in total, never per reader.\nManage preferences: " in without
