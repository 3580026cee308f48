"""The Share page's Images fieldset and the API's `images`: the article's own images, each with its alt text,
picked by place on the page (never by a URL the form sends) or by URL in the API (another URL is a 422)."""

from __future__ import annotations

import httpx
import lxml.html
from sqlalchemy import func, select

from publisher.config import Settings
from publisher.store import Store
from publisher.store.models import OutboxRow
from tests.support.covers import article_with_images

from . import test_editor_share as share_page
from .conftest import csrf_of
from .test_editor_share import _post, _share_campaigns, _stored_extra

settings = share_page.settings  # the same accounts (x:work, mastodon:social) and API client as the Share tests
api = share_page.api

CRANE = ("https://img.example.org/crane.png", "A crane at dusk")
QUAY = ("https://img.example.org/quay.jpg", "The quay at dawn")


def _article(store: Store, settings: Settings) -> int:
    return article_with_images(store, settings, [CRANE, QUAY])


def _rows(store: Store) -> int:
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(OutboxRow)) or 0


def test_the_share_form_lists_the_article_s_images_with_thumbnails_and_labelled_alt_text(
    editor: httpx.Client, store: Store, settings: Settings
):
    page = f"/editor/articles/{_article(store, settings)}/share"
    doc = lxml.html.fromstring(editor.get(page).text)

    [fieldset] = doc.xpath('//fieldset[@class="share-images"]')
    assert fieldset.xpath("string(legend)") == "Images"
    assert fieldset.xpath(".//img/@src") == [CRANE[0], QUAY[0]]
    assert fieldset.xpath('.//input[@type="checkbox"][@name="image"]/@value') == ["0", "1"]
    for n, (_, alt) in enumerate([CRANE, QUAY]):
        [field] = fieldset.xpath(f'.//input[@id="image-alt-{n}"]')
        assert field.get("value") == alt and field.get("name") == f"image_alt_{n}"
        assert fieldset.xpath(f'string(.//label[@for="image-alt-{n}"])') == f"Alt text for image {n + 1}"


def test_picked_images_and_their_edited_alt_text_go_through_the_confirmation_to_the_post(
    editor: httpx.Client, store: Store, settings: Settings
):
    page = f"/editor/articles/{_article(store, settings)}/share"
    picked = {"channel": "mastodon:social", "image": ["1", "0"], "image_alt_1": "Boats at the quay"}
    confirm = _post(editor, page, page, picked)
    assert confirm.status_code == 200
    hidden = lxml.html.fromstring(confirm.text).xpath('//input[@type="hidden"]')
    pairs = [(i.get("name"), i.get("value")) for i in hidden]
    assert [p for p in pairs if p[0].startswith("image")] == [
        ("image", "1"),
        ("image_alt_1", "Boats at the quay"),
        ("image", "0"),
        ("image_alt_0", CRANE[1]),
    ]

    form: dict[str, list[str]] = {"csrf_token": [csrf_of(confirm.text)]}
    for name, value in pairs:
        if name != "csrf_token":
            form.setdefault(name, []).append(value)
    done = editor.post(page, data=form)
    assert done.status_code == 303
    [campaign_id] = _share_campaigns(store)
    assert _stored_extra(store, campaign_id)["images"] == [
        {"url": QUAY[0], "alt": "Boats at the quay"},
        {"url": CRANE[0], "alt": CRANE[1]},
    ]


def test_a_picked_image_without_alt_text_is_refused_on_the_form_saying_why(
    editor: httpx.Client, store: Store, settings: Settings
):
    page = f"/editor/articles/{_article(store, settings)}/share"
    refused = _post(editor, page, page, {"channel": "x:work", "image": "1", "image_alt_1": "  "})

    assert refused.status_code == 422
    assert "Image 2 needs alt text: describe it for the people who cannot see it." in refused.text
    assert _rows(store) == 0


def test_the_api_takes_the_article_s_images_by_url_and_refuses_others_with_a_422(
    api: httpx.Client,
    store: Store,
    settings: Settings,
):
    article_id = _article(store, settings)
    body = {"article_id": article_id, "channels": ["mastodon:social"]}

    foreign = api.post(
        "/api/campaigns/share", json={**body, "images": [{"url": "https://evil.example/x.png", "alt": "x"}]}
    )
    no_alt = api.post("/api/campaigns/share", json={**body, "images": [{"url": CRANE[0], "alt": ""}]})
    assert (foreign.status_code, no_alt.status_code) == (422, 422)
    assert "https://evil.example/x.png is not an image of this article" in foreign.json()["detail"]
    assert "needs alt text" in no_alt.json()["detail"]
    five = [{"url": CRANE[0], "alt": f"a crane {n}"} for n in range(5)]  # the same URL five times counts once
    assert api.post("/api/campaigns/share", json={**body, "images": five}).status_code == 201
    assert _rows(store) == 1

    shared = api.post(
        "/api/campaigns/share", json={**body, "force": True, "images": [{"url": QUAY[0], "alt": "Boats"}]}
    )
    assert shared.status_code == 201
    assert _stored_extra(store, shared.json()["id"])["images"] == [{"url": QUAY[0], "alt": "Boats"}]
