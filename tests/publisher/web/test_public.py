from pathlib import Path

import httpx

from publisher import library
from publisher.articles import Article, Section
from publisher.store import Store
from tests.support.factories import seed_article


def test_article_page_at_its_stable_url(http: httpx.Client, store: Store, seed_path: Path):
    seed_article(store, seed_path)

    response = http.get("/articles/us-rejects-netanyahus-request-to-join-direct-military-action-against-iran")

    assert response.status_code == 200
    assert "<h1>U.S. Rejects Netanyahu’s Request" in response.text
    assert "<h2>Why Israel Made the Request</h2>" in response.text
    assert '<link rel="canonical" href="https://news.example.org/articles/us-rejects-' in response.text


def test_archive_lists_articles(http: httpx.Client, store: Store, seed_path: Path):
    seed_article(store, seed_path)
    response = http.get("/")
    assert response.status_code == 200
    assert 'href="/articles/us-rejects-netanyahus-request' in response.text


def test_unknown_article_is_a_404_page(http: httpx.Client):
    response = http.get("/articles/nope")
    assert response.status_code == 404
    assert "Not found" in response.text


def test_article_text_is_escaped(http: httpx.Client, store: Store):
    hostile = Article(
        title="<script>alert(1)</script>",
        slug="hostile",
        summary='<img src=x onerror="alert(1)">',
        sections=(Section("<b>h</b>", ('<a href="javascript:alert(1)">x</a>',)),),
        source={"sha256": "h"},
    )
    library.save_articles(store, [hostile])

    page = http.get("/articles/hostile").text

    assert "<script>alert" not in page and "<img" not in page and '<a href="javascript' not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
