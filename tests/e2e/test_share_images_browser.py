"""Picking images on the Share page in a real browser (issue 14, Media): the article's images are listed as
checkboxes with thumbnails and a labelled alt text field each; the editor picks two, rewrites one alt text,
confirms, and a real worker posts both to the fake Mastodon instance with those alt texts, in order.

Debian's Chromium driven by Playwright; axe-core checks the page; screenshots of the Images fieldset at
desktop and 375 px go to test-artifacts/share-images/.
"""

from __future__ import annotations

import pytest

from publisher.config import Settings
from publisher.media import key_of, open_store
from publisher.store import Store
from tests.e2e import test_share_edit_browser as share_edit
from tests.support.axe import describe, violations
from tests.support.browser import ARTIFACTS
from tests.support.covers import article_with_images, stored_images
from tests.support.fakes import FakeMastodon
from tests.support.web import LiveServer

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

SHOTS = ARTIFACTS / "share-images"
MASTODON = share_edit.MASTODON
ALTS = ("The crane lifts the first section", "Divers check the pier at low tide", "The reopened bridge at night")


# The Share page's browser, fake Mastodon instance, accounts and live server, as the edited-post test has them.
mastodon = share_edit.mastodon
settings = share_edit.settings
server = share_edit.server


def _serve_media(page, settings: Settings) -> None:
    """The media store's public URL is the site's, which this machine cannot reach: answer from the store."""
    store = open_store(settings)

    def answer(route) -> None:
        key = key_of(store, route.request.url)
        route.fulfill(status=200, body=store.get(key), content_type="image/png") if key else route.abort()

    page.route(f"{settings.resolved_media_public_url}/**", answer)


def _shoot(page, name: str) -> None:
    fieldset = page.locator("fieldset.share-images")
    SHOTS.mkdir(parents=True, exist_ok=True)
    fieldset.screenshot(path=str(SHOTS / f"images-{name}.png"))


def test_two_picked_images_with_an_edited_alt_text_are_posted_with_those_alts(
    browser, server: LiveServer, store: Store, settings: Settings, mastodon: FakeMastodon, tmp_path
):
    images = stored_images(settings, 3)
    article_id = article_with_images(store, settings, [(i.url, alt) for i, alt in zip(images, ALTS, strict=True)])
    with share_edit.share_page_of(
        browser, server, store, tmp_path, article_id, prepare=lambda page: _serve_media(page, settings)
    ) as page:
        images_set = page.get_by_role("group", name="Images")
        expect(images_set.get_by_role("checkbox")).to_have_count(3)
        expect(images_set.get_by_label("Alt text for image 2")).to_have_value(ALTS[1])
        images_set.get_by_label("Attach image 1 (the cover)").check()
        images_set.get_by_label("Attach image 3").check()
        images_set.get_by_label("Alt text for image 3").fill("The bridge lit up after dark")
        page.locator("fieldset.share-images img").last.evaluate("img => img.decode()")  # the thumbnails loaded
        assert page.locator("fieldset.share-images img").first.evaluate("img => img.naturalWidth") > 0
        found = violations(page)
        assert not found, describe(found)
        _shoot(page, "desktop")
        page.set_viewport_size({"width": 375, "height": 800})
        _shoot(page, "375px")

        page.get_by_role("button", name="Review and share…").click()
        expect(page.get_by_role("heading", name="Confirm")).to_be_visible()
        expect(page.locator("#share-images")).to_contain_text("The bridge lit up after dark")
        page.get_by_role("button", name="Yes, post it").click()
        expect(page.locator("#state")).to_have_text("done", timeout=90_000)
    log = (tmp_path / "worker.log").read_text(errors="replace")
    [toot] = mastodon.posts
    assert [a["description"] for a in toot["media"]] == [ALTS[0], "The bridge lit up after dark"], log
    assert mastodon.rejections == []
