"""The digest as a publication sends it: table layout, preheader, masthead, footer with the postal address
and the reader's links, dark mode, and the language's direction."""

from __future__ import annotations

import re

from publisher import publication
from publisher.articles import Article, Paragraph, Section, Text
from publisher.config import Settings
from publisher.render.email import render_digest
from tests.support.html import tags_of

ONE = Article("First story", "first", "Summary one.", (Section(None, ("Para one.",)),))
TWO = Article("Second story", "second", "Summary two.", (Section(None, ("Para two.",)),))


def styled(settings: Settings, **changes: object) -> Settings:
    fields = {**publication.defaults(settings).as_json(), **changes}
    return publication.apply(settings, publication.Publication(**fields))  # type: ignore[arg-type]


def test_the_layout_is_presentation_tables_600_wide_for_outlook(settings: Settings):
    html = render_digest([ONE, TWO], settings).html

    tables = tags_of(html).named("table")
    assert tables and all(t.get("role") == "presentation" for t in tables)
    assert "<!--[if mso]><table role=\"presentation\" width=\"600\"" in html
    assert not re.search(r'<div class="(wrap|article|masthead|footer)"', html)


def test_the_preheader_is_hidden_preview_text_defaulting_to_the_first_summary(settings: Settings):
    default = render_digest([ONE, TWO], settings).html
    chosen = render_digest([ONE], settings, preheader="This week:\n harbours").html

    [hidden] = [d for d in tags_of(default).named("div") if d.get("class") == "preheader"]
    assert "display:none" in (hidden["style"] or "") and "mso-hide:all" in (hidden["style"] or "")
    assert re.search(r'class="preheader"[^>]*>Summary one\.', default)
    assert re.search(r'class="preheader"[^>]*>This week: harbours', chosen)


def test_light_and_dark_colour_schemes(settings: Settings):
    html = render_digest([ONE], settings).html

    assert '<meta name="color-scheme" content="light dark">' in html
    dark = html[html.index("@media (prefers-color-scheme: dark)") :]
    assert ".article" in dark and "!important" in dark


def test_the_footer_has_the_postal_address_and_the_reader_s_links_in_both_parts(settings: Settings):
    shown = styled(settings, postal_address="1 Quay Street\nPort Town PT1 2AB")

    digest = render_digest([ONE], shown, view_url="https://news.example.org/digests/7")

    footer = digest.html[digest.html.index('class="footer"') :]
    assert "1 Quay Street, Port Town PT1 2AB" in footer
    links = {a["href"]: a for a in tags_of(footer).named("a")}
    token = digest.placeholder("TOKEN")
    assert set(links) == {
        "https://news.example.org/digests/7",
        f"https://news.example.org/preferences/{token}",
        f"https://news.example.org/unsubscribe/{token}",
    }
    assert "View in browser: https://news.example.org/digests/7" in digest.text
    assert f"Manage preferences: https://news.example.org/preferences/{token}" in digest.text
    assert "1 Quay Street\nPort Town PT1 2AB" in digest.text


def test_the_masthead_shows_the_logo_name_and_description_in_the_accent_colour(settings: Settings):
    shown = styled(
        settings,
        name="Harbour Notes",
        description="News from the quay",
        logo_url="https://news.example.org/media/img/a/600.png",
        accent_colour="#aa3300",
    )

    html = render_digest([ONE], shown).html

    [logo] = tags_of(html).named("img")
    assert (logo["src"], logo["alt"]) == ("https://news.example.org/media/img/a/600.png", "Harbour Notes")
    assert "News from the quay" in html and "border-bottom:3px solid #a30" in html  # premailer shortens colours


def test_a_right_to_left_language_renders_right_to_left(settings: Settings):
    arabic = Article("عنوان", "arabic", "ملخص.", blocks=(Paragraph((Text("فقرة."),)),), lang="ar")

    html = render_digest([arabic], settings).html

    assert '<html lang="ar" dir="rtl">' in html
    assert re.search(r'<td class="article"[^>]*lang="ar"[^>]*dir="rtl"', html)
