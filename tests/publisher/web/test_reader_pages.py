"""Reader pages (issue 12): the footer's subscribe link on every install, the publication's name instead of
a list's slug, the article page's head (summary once, date, cover, og:image, published_time), its
subscribe box, and the favicon."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from publisher import consent, editing, library, publication, subscriber_links, subscribers
from publisher.articles import Article
from publisher.articles import blocks as doc
from publisher.config import Settings
from publisher.store import Store
from publisher.store.models import Campaign, Subscriber
from tests.support.factories import seed_article, subscribe
from tests.support.html import tags_of

SEED_SLUG = "us-rejects-netanyahus-request-to-join-direct-military-action-against-iran"


def make_lists(store: Store, *names: str) -> None:
    with store.session() as session:
        for name in names:
            subscribers.ensure_list(session, name)


def signup_form(html: str) -> dict[str, list[str]]:
    """The signup form's list inputs: {"hidden": [...], "radio": [...]} by value."""
    inputs = [i for i in tags_of(html).named("input") if i.get("name") == "list"]
    return {kind: [str(i["value"]) for i in inputs if i.get("type") == kind] for kind in ("hidden", "radio")}


def visible_text(html: str) -> str:
    """The text a reader sees (tags and attribute values left out)."""
    return " ".join(text for _, text in tags_of(html).texts)


# --- the subscribe link -------------------------------------------------------------------------------


def test_with_no_list_at_all_the_subscribe_link_opens_a_friendly_page(http: httpx.Client):
    answer = http.get("/subscribe")

    assert answer.status_code == 200
    assert "Subscriptions are not open yet" in answer.text and 'name="email"' not in answer.text


def test_with_one_list_the_form_signs_up_to_it(http: httpx.Client, store: Store):
    make_lists(store, "readers")

    form = http.get("/subscribe").text

    assert signup_form(form) == {"hidden": ["readers"], "radio": []}
    assert "<h1>Subscribe to Publisher digest</h1>" in form and "readers" not in visible_text(form)


def test_with_several_lists_the_form_is_a_picker_with_readable_names(http: httpx.Client, store: Store):
    make_lists(store, "readers", "weekly-notes")

    form = http.get("/subscribe").text

    assert signup_form(form) == {"hidden": [], "radio": ["readers", "weekly-notes"]}
    labels = tags_of(form).text_in("fieldset", "label")
    assert "Readers" in labels and "Weekly notes" in labels and "weekly-notes" not in visible_text(form)


def test_the_public_list_is_the_one_offered_and_is_called_by_the_publications_name(
    http: httpx.Client, store: Store, settings: Settings
):
    make_lists(store, "readers", "weekly-notes")
    publication.update(store, settings, {"public_list": "weekly-notes", "name": "Harbour Weekly"})

    form = http.get("/subscribe").text

    assert signup_form(form) == {"hidden": ["weekly-notes"], "radio": []}
    assert "<h1>Subscribe to Harbour Weekly</h1>" in form and "<title>Subscribe · Harbour Weekly</title>" in form


def test_a_public_list_that_was_deleted_falls_back_to_the_lists_there_are(
    http: httpx.Client, store: Store, monkeypatch: pytest.MonkeyPatch
):
    make_lists(store, "readers")
    stale = publication.Publication("Desk", "Desk", "desk@example.org", public_list="gone")
    monkeypatch.setattr(publication, "load", lambda *_: stale)  # update() refuses a list that is not there

    assert signup_form(http.get("/subscribe").text)["hidden"] == ["readers"]


def test_a_bad_address_keeps_the_chosen_list_and_the_publications_name(http: httpx.Client, store: Store, settings):
    make_lists(store, "readers")
    publication.update(store, settings, {"name": "Harbour Weekly"})
    http.get("/subscribe")  # the site has been read once since the name changed

    answer = http.post("/subscribe", data={"email": "not-an-address", "list": "readers"})

    assert answer.status_code == 422 and signup_form(answer.text)["hidden"] == ["readers"]
    assert "<h1>Subscribe to Harbour Weekly</h1>" in answer.text


# --- the publication's name on the consent pages ------------------------------------------------------


def confirm_token_of(store: Store, campaign_id: int) -> str:
    with store.session() as session:
        body = session.scalar(select(Campaign.body_text).where(Campaign.id == campaign_id))
    match = re.search(r"/confirm/([A-Za-z0-9._-]+)", body or "")
    assert match, "the confirmation mail has its link"
    return match.group(1)


def test_consent_pages_name_the_publication_not_the_list(http: httpx.Client, store: Store, settings: Settings):
    make_lists(store, "readers", "weekly-notes")
    publication.update(store, settings, {"public_list": "readers", "name": "Harbour Weekly"})
    outcome = consent.request_signup(store, settings, "ana@example.com", list_name="readers")
    assert outcome.campaign_id is not None
    token = confirm_token_of(store, outcome.campaign_id)

    confirm = http.get(f"/confirm/{token}").text
    assert "to Harbour Weekly?" in confirm and "readers" not in visible_text(confirm)
    confirmed = http.post(f"/confirm/{token}").text
    assert "is now subscribed to Harbour Weekly" in confirmed and "readers" not in visible_text(confirmed)

    consent.request_signup(store, settings, "ana@example.com", list_name="weekly-notes")
    with store.session() as session:
        ana = session.scalar(select(Subscriber.id).where(Subscriber.email == "ana@example.com"))
        readers = subscribers.get_list(session, "readers").id
    link = subscriber_links.unsubscribe_token(settings.signing_key(), ana, readers, "ana@example.com")
    leave = http.get(f"/unsubscribe/{link}").text
    assert "Stop sending Harbour Weekly to" in leave and "readers" not in visible_text(leave)
    prefs = http.get(f"/preferences/{link}").text
    assert "Harbour Weekly" in tags_of(prefs).text_in("form", "label") and "Weekly notes" in prefs
    assert "readers" not in visible_text(prefs) and "weekly-notes" not in visible_text(prefs)
    left = http.post(f"/unsubscribe/{link}").text
    assert "will get no more emails from Harbour Weekly." in left


# --- the article page ---------------------------------------------------------------------------------


def test_the_article_page_shows_the_summary_once_and_its_date(http: httpx.Client, store: Store, seed_path: Path):
    article_id = seed_article(store, seed_path)
    published = editing.set_published(store, article_id, True)
    assert published is not None

    page = http.get(f"/articles/{SEED_SLUG}").text

    summary = library.get_article(store, article_id).summary
    assert page.count(summary) == 4  # in the body once, and in three meta tags (description, og, twitter)
    assert 'class="summary"' not in page  # the body opens with it, so it is not repeated above
    stamp = published.isoformat(timespec="seconds")
    assert f'<meta property="article:published_time" content="{stamp}">' in page
    assert f'<time datetime="{stamp}">{published.day} {published:%B %Y}</time>' in page


def test_a_summary_of_its_own_is_shown_above_the_body(http: httpx.Client, store: Store):
    article = Article(
        title="Tides",
        slug="tides",
        summary="What the tide tables say this month.",
        blocks=(doc.Paragraph((doc.Text("High water is at noon."),)),),
        source={"sha256": "tides"},
    )
    [(article_id, _)] = library.save_articles(store, [article])
    editing.set_published(store, article_id, True)

    page = http.get("/articles/tides").text

    assert '<p class="summary">What the tide tables say this month.</p>' in page


def publish(store: Store, slug: str, *blocks: doc.Block) -> None:
    summary = "The harbour at dawn."
    article = Article(title=slug.title(), slug=slug, summary=summary, blocks=blocks, source={"sha256": slug})
    [(article_id, _)] = library.save_articles(store, [article])
    editing.set_published(store, article_id, True)


COVER = "https://cdn.example.org/harbour.jpg"


@pytest.mark.parametrize("first", [True, False], ids=["cover-first", "cover-further-down"])
def test_the_cover_is_shown_once_and_is_the_og_image(http: httpx.Client, store: Store, first: bool):
    """A cover opening the body leads the page above it; one further down stays where the author put it."""
    image = doc.image(COVER, alt="Cranes against the sunrise")
    text = doc.Paragraph((doc.Text("The harbour at dawn."),))
    publish(store, "harbour", *((image, text) if first else (text, image)))

    page = http.get("/articles/harbour").text

    tags = tags_of(page)
    images = [img for img in tags.named("img") if img["src"] == COVER]
    assert len(images) == 1 and images[0]["alt"] == "Cranes against the sunrise"
    body = page.split('<div class="article-body">', 1)[1]
    assert ('<div class="cover">' in page) is first and (COVER in body) is not first
    assert [m["content"] for m in tags.named("meta") if m.get("property") == "og:image"] == [COVER]


def test_the_article_page_has_a_subscribe_box_for_the_public_list(http: httpx.Client, store: Store, seed_path: Path):
    editing.set_published(store, seed_article(store, seed_path), True)
    assert "subscribe-box" not in http.get(f"/articles/{SEED_SLUG}").text  # no list yet: no box
    subscribe(store, "readers", 1)

    page = http.get(f"/articles/{SEED_SLUG}").text

    box = page.split('<section class="subscribe-box"', 1)[1].split("</section>", 1)[0]
    assert '<form method="post" action="/subscribe"' in box
    assert '<input type="hidden" name="list" value="readers">' in box
    assert 'name="email" type="email" required' in box and '<button type="submit">Subscribe</button>' in box
    make_lists(store, "weekly")  # two lists and no public one: the box leads to the picker
    again = http.get(f"/articles/{SEED_SLUG}").text.split('<section class="subscribe-box"', 1)[1]
    assert '<form method="get" action="/subscribe"' in again and 'name="list"' not in again.split("</form>")[0]
    picker = http.get("/subscribe", params={"email": "ana@example.com"}).text
    assert 'value="ana@example.com"' in picker and signup_form(picker)["radio"] == ["readers", "weekly"]


# --- every page --------------------------------------------------------------------------------------


def test_every_reader_page_has_the_favicon(http: httpx.Client, store: Store, seed_path: Path):
    editing.set_published(store, seed_article(store, seed_path), True)
    make_lists(store, "readers")

    for path in ("/", "/digests", f"/articles/{SEED_SLUG}", "/subscribe", "/articles/missing", "/login"):
        assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in http.get(path).text, path
    icon = http.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")
    assert icon.content == http.get("/static/favicon.svg").content and b"<svg" in icon.content


def test_dark_mode_styles_the_reader_pages(http: httpx.Client):
    css = http.get("/static/style.css").text

    dark = css.split("@media (prefers-color-scheme: dark)", 1)[1]
    assert "body.public {" in dark and "--paper:" in dark and "body.public input" in dark
