"""The accessibility check (render.a11y): each finding, the contrast maths, and the shipped digest passing."""

from __future__ import annotations

import pytest

from publisher import publication
from publisher.articles import Article, Image, Paragraph, Section, Text
from publisher.config import Settings
from publisher.render.a11y import check_digest, contrast_ratio, parse_colour, relative_luminance
from publisher.render.email import render_digest

WORDS = " ".join(["word"] * 80)
ONE = Article("First story", "first", "Summary one.", (Section(None, (WORDS,)),))


def page(body: str) -> str:
    """A mail with a hidden preheader ("Preview") and this body."""
    preheader = '<div class="preheader" style="display:none">Preview</div>'
    return f"<!DOCTYPE html><html><head><title>t</title></head><body>{preheader}{body}</body></html>"


def codes(html: str, text: str = "text", preheader: str | None = "Preview") -> list[str]:
    return [f.code for f in check_digest(html, text, preheader)]


def styled(settings: Settings, **changes: object) -> Settings:
    fields = {**publication.defaults(settings).as_json(), **changes}
    return publication.apply(settings, publication.Publication(**fields))  # type: ignore[arg-type]


# --- the maths -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("one", "other", "ratio"),
    [
        ("#000000", "#ffffff", 21.0),
        ("#ffffff", "#ffffff", 1.0),
        ("#767676", "#ffffff", 4.54),  # the lightest grey that passes AA on white
        ("#777777", "#ffffff", 4.48),  # one step lighter: fails
        ("#0b5cad", "#ffffff", 6.67),  # the default accent on white
        ("#57606a", "#f4f4f0", 5.79),  # the digest's muted footer on its page colour
        ("#ff0000", "#ffffff", 4.0),
        ("#fff", "rgb(0, 0, 255)", 8.59),
    ],
)
def test_contrast_ratios_of_known_pairs(one: str, other: str, ratio: float):
    assert round(contrast_ratio(one, other), 2) == ratio
    assert round(contrast_ratio(other, one), 2) == ratio  # the order does not matter


def test_relative_luminance_and_colour_parsing():
    assert relative_luminance((0, 0, 0)) == 0 and relative_luminance((255, 255, 255)) == pytest.approx(1)
    assert relative_luminance((128, 128, 128)) == pytest.approx(0.2158, abs=1e-4)
    assert parse_colour("#AbC") == (170, 187, 204) == parse_colour("#aabbcc")
    assert parse_colour("white") == (255, 255, 255) and parse_colour("rgba(1, 2, 3, 0.5)") is None
    assert parse_colour("var(--ink)") is None
    with pytest.raises(ValueError, match="not a colour"):
        contrast_ratio("var(--ink)", "#fff")


# --- each finding --------------------------------------------------------------------------------------------


def test_the_shipped_digest_has_no_findings(settings: Settings):
    cover = Image("https://cdn.example.org/cover.jpg", "The harbour at dawn", None, 1200, 800)
    rich = Article("Rich", "rich", "Summary.", blocks=(Paragraph((Text(WORDS),)), cover))

    for articles in ([ONE], [rich, ONE]):
        digest = render_digest(articles, settings)
        assert check_digest(digest.html, digest.text, digest.preheader) == []


def test_an_image_without_alt_text(settings: Settings):
    html = page(f'<p>{WORDS}</p><img src="https://x.example/a.png"><img src="https://x.example/b.png" alt="">')
    findings = check_digest(html, "text", "Preview")

    assert [f.code for f in findings] == ["missing_alt"]  # alt="" on its own is a decorative image
    assert "https://x.example/a.png has no alt text" in findings[0].message
    assert all(f.severity == "warning" for f in findings)


def test_a_linked_image_with_empty_alt_leaves_its_link_unnamed():
    linked = page(f'<p>{WORDS}</p><a href="https://x.example/"><img src="https://x.example/a.png" alt=""></a>')
    named = page(f'<p>{WORDS}</p><a href="https://x.example/"><img src="https://x.example/a.png" alt=""> Home</a>')

    assert codes(linked) == ["missing_alt"]
    assert codes(named) == []


def test_an_image_only_email():
    poster = page('<img src="https://x.example/poster.png" alt="Our big sale"><p>Shop now</p>')

    [finding] = check_digest(poster, "text", "Preview")
    assert finding.code == "image_only" and "1 image and 2 words of text" in finding.message
    assert codes(page(f'<img src="https://x.example/p.png" alt="A poster"><p>{WORDS}</p>')) == []
    assert codes(page("<p>Short, but no images at all.</p>")) == []


@pytest.mark.parametrize(
    ("body", "found"),
    [
        ('<p style="color:#777777">grey on white</p>', True),
        ('<p style="color:#767676">grey on white</p>', False),
        ('<td style="background:#f4f4f0 url(x.png)"><p style="color:#999">pale on page</p></td>', True),
        ('<td bgcolor="#000000"><p style="color:#333333">dark on black</p></td>', True),
        ('<td bgcolor="#000000"><p style="color:#ffffff">white on black</p></td>', False),
        ('<p style="color:#949494;font-size:24px">large grey</p>', False),  # 3.03:1: large text needs 3:1
        ('<p style="color:#949494;font-size:18px">small grey</p>', True),
        ('<p style="color:#949494;font-size:19px;font-weight:bold">bold 19 px</p>', False),
        ('<h1 style="color:#949494">a heading</h1>', False),
        ('<p style="color:#0000ff"><a href="#">unstyled link</a> on white</p>', False),  # the default blue passes
        ('<td style="background-color:#0000ee"><a href="#">default blue on blue</a></td>', True),
        ('<p style="color:var(--ink)">a variable</p>', False),  # not read, so not guessed at
    ],
)
def test_text_contrast_under_wcag_aa(body: str, found: bool):
    assert (codes(page(f"<p>{WORDS}</p>" + body)) == ["low_contrast"]) is found


def test_a_pale_accent_colour_is_found_in_the_rendered_digest(settings: Settings):
    digest = render_digest([ONE], styled(settings, accent_colour="#9fc5ef"))

    findings = check_digest(digest.html, digest.text, digest.preheader)

    assert [f.code for f in findings] == ["low_contrast"]  # one finding per pair of colours, not per link
    assert "#9fc5ef on #fff: contrast 1.79:1" in findings[0].message and "under WCAG AA's 4.5:1" in findings[0].message


def test_hidden_text_is_not_checked():
    html = page(f'<p>{WORDS}</p><div style="display:none;color:#fefefe">hidden</div>')
    assert codes(html) == []


def test_a_missing_preheader_and_one_the_html_does_not_show():
    html = page(f"<p>{WORDS}</p>")

    assert codes(html, preheader=None) == ["no_preheader"]
    assert codes(html, preheader="  ") == ["no_preheader"]
    [finding] = check_digest(html, "text", "Something else entirely")
    assert finding.code == "no_preheader" and "not in the HTML part" in finding.message
    assert codes(html, "t", "Preview") == []


def test_an_empty_text_part_and_an_empty_html_part():
    assert codes(page(f"<p>{WORDS}</p>"), text=" \n") == ["no_text"]
    assert codes("", text="text") == ["no_html"]
