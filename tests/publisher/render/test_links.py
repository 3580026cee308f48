"""Reader share links, the page partials and the links in digest emails."""

from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlsplit

from publisher import importers
from publisher.render.email import render_digest
from publisher.render.links import page_share_context, share_links
from publisher.render.templates import environment

URL = "https://news.example.org/articles/a?x=1&y=2"


def test_every_network_gets_a_link_carrying_the_url_and_title():
    links = {link.network: link.href for link in share_links(URL, "Café & “quotes”", "One line.")}
    assert list(links) == ["x", "mastodon", "bluesky", "linkedin", "facebook", "email"]
    x = parse_qs(urlsplit(links["x"]).query)
    assert links["x"].startswith("https://x.com/intent/post?") and x == {"text": ["Café & “quotes”"], "url": [URL]}
    assert parse_qs(urlsplit(links["mastodon"]).query)["url"] == [URL]
    assert links["mastodon"].startswith("https://mastodonshare.com/?")
    assert parse_qs(urlsplit(links["bluesky"]).query)["text"] == [f"Café & “quotes” {URL}"]
    assert parse_qs(urlsplit(links["linkedin"]).query)["url"] == [URL]
    assert parse_qs(urlsplit(links["facebook"]).query)["u"] == [URL]
    assert links["email"].startswith("mailto:?subject=Caf%C3%A9%20%26")  # %20, never "+", in mailto
    assert unquote(links["email"].split("body=")[1]) == f"One line.\n\n{URL}"


def test_page_partials_render_escaped_links_and_card_tags(settings, seed_path):
    article = importers.load(seed_path)
    context = page_share_context(article, settings, image_url="https://news.example.org/i.png?a=1&b=2")
    env = environment(settings.templates_dir)
    nav = env.get_template("web/_share_links.html.j2").render(context)
    head = env.get_template("web/_share_meta.html.j2").render(context)
    assert nav.count('<li class="share-') == 6 and "&amp;url=" in nav  # hrefs are escaped in HTML
    assert '<meta property="og:title" content="U.S. Rejects' in head
    assert '<meta name="twitter:card" content="summary_large_image">' in head
    assert 'content="https://news.example.org/i.png?a=1&amp;b=2"' in head
    assert f'<meta property="og:url" content="https://news.example.org/articles/{article.slug}">' in head


def test_digest_emails_carry_share_links(settings, seed_path):
    article = importers.load(seed_path)
    digest = render_digest([article], settings)
    assert "https://x.com/intent/post?text=" in digest.html and "mailto:?subject=" in digest.html
    assert "Share on Mastodon: https://mastodonshare.com/?text=" in digest.text
    assert "mailto:" not in digest.text
