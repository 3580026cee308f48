from pathlib import Path

import httpx

from publisher import editing, library, subscribers
from publisher.articles import Article, Section
from publisher.store import Store
from tests.support.factories import seed_article


def test_article_page_at_its_stable_url(http: httpx.Client, store: Store, seed_path: Path):
    editing.set_published(store, seed_article(store, seed_path), True)

    response = http.get("/articles/us-rejects-netanyahus-request-to-join-direct-military-action-against-iran")

    assert response.status_code == 200
    assert "<h1>U.S. Rejects Netanyahu’s Request" in response.text
    assert "<h2>Why Israel Made the Request</h2>" in response.text
    assert '<link rel="canonical" href="https://news.example.org/articles/us-rejects-' in response.text


def test_archive_lists_articles(http: httpx.Client, store: Store, seed_path: Path):
    editing.set_published(store, seed_article(store, seed_path), True)
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
    [(article_id, _)] = library.save_articles(store, [hostile])
    editing.set_published(store, article_id, True)

    page = http.get("/articles/hostile").text

    assert "<script>alert" not in page and "<img" not in page and '<a href="javascript' not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_draft_is_not_shown_to_readers(http: httpx.Client, store: Store, seed_path: Path):
    seed_article(store, seed_path)

    assert (
        http.get("/articles/us-rejects-netanyahus-request-to-join-direct-military-action-against-iran").status_code
        == 404
    )
    assert "us-rejects" not in http.get("/").text


def test_article_page_has_open_graph_and_share_links(http: httpx.Client, store: Store, seed_path: Path):
    editing.set_published(store, seed_article(store, seed_path), True)

    page = http.get("/articles/us-rejects-netanyahus-request-to-join-direct-military-action-against-iran").text

    assert '<meta property="og:title" content="U.S. Rejects Netanyahu’s Request' in page
    assert '<meta name="twitter:card" content="summary">' in page
    assert page.count('property="og:title"') == 1  # the partial's tags, not a second hand-written set
    url = "https%3A%2F%2Fnews.example.org%2Farticles%2Fus-rejects-netanyahus-request"
    for network, start in [
        ("x", "https://x.com/intent/post?text=U.S.%20Rejects"),
        ("mastodon", "https://mastodonshare.com/?text=U.S.%20Rejects"),
        ("bluesky", "https://bsky.app/intent/compose?text=U.S.%20Rejects"),
        ("linkedin", f"https://www.linkedin.com/sharing/share-offsite/?url={url}"),
        ("facebook", f"https://www.facebook.com/sharer/sharer.php?u={url}"),
        ("email", "mailto:?subject=U.S.%20Rejects"),
    ]:
        assert f'<li class="share-{network}"><a href="{start}' in page


def test_archive_of_sent_digests(http: httpx.Client, store: Store, settings, seed_path: Path):
    from publisher import campaigns
    from tests.support.factories import RecordingDispatcher, subscribe

    article_id = seed_article(store, seed_path)
    subscribe(store, "readers", 2)
    done = campaigns.create_email_campaign(store, settings, [article_id], "readers", subject="Done digest")
    unfinished = campaigns.create_email_campaign(
        store, settings, [article_id], "readers", subject="Queued digest", force=True
    )
    campaigns.dispatch(store, settings, RecordingDispatcher(), done)
    with store.session() as session:
        from sqlalchemy import update

        from publisher.store.models import OutboxRow
        from publisher.store.progress import finish_if_done

        session.execute(update(OutboxRow).where(OutboxRow.campaign_id == done).values(state="sent"))
        finish_if_done(session, done)

    archive = http.get("/digests").text
    assert f'<a href="/digests/{done}">Done digest</a>' in archive and "Queued digest" not in archive
    page = http.get(f"/digests/{done}").text  # "View in browser": the mail as it went out, naming nobody
    assert 'href="https://news.example.org/articles/us-rejects-netanyahus-request' in page
    assert f'href="https://news.example.org/digests/{done}"' in page and "View in browser</a></p>" in page
    assert "Hello" not in page and "You receive this" not in page and "Unsubscribe" not in page
    assert "%%PUB" not in page and "/unsubscribe/" not in page and "/preferences/" not in page
    assert http.get(f"/digests/{unfinished}").status_code == 404
    assert http.get("/digests/99999999999").status_code in (404, 422)


def test_public_pages_link_to_the_signup_form(http: httpx.Client, store: Store, seed_path: Path):
    editing.set_published(store, seed_article(store, seed_path), True)
    pages = ["/", "/digests", "/articles/us-rejects-netanyahus-request-to-join-direct-military-action-against-iran"]

    for path in pages:
        footer = http.get(path).text.split('<footer class="site-footer">', 1)[1]
        assert '<a href="/subscribe">Subscribe by email</a>' in footer, path
    with store.session() as session:
        subscribers.ensure_list(session, "readers")
    form = http.get("/subscribe")
    assert form.status_code == 200 and 'name="email"' in form.text and 'value="readers"' in form.text
