"""Tracked digests: mode off leaves the mail alone; aggregate and individual rewrite every http(s) link of the
HTML part to /r/<token>, keep the reader's own links, add a hidden honeypot and a pixel; the text part keeps
the original URLs; the public copy links straight to the articles."""

from __future__ import annotations

import email
import email.policy
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from publisher import campaigns, publication
from publisher.campaigns.archive import public_copy
from publisher.config import Settings
from publisher.delivery.sources import campaign_template
from publisher.render.mime import Recipient
from publisher.store import Store
from publisher.store.insight import TrackedLink
from publisher.store.models import Campaign
from publisher.tracking_tokens import Token, TokenSigner
from tests.support.factories import seed_article, subscribe
from tests.support.html import tags_of

BASE = "https://news.example.org"


def make_campaign(store: Store, settings: Settings, seed_path: Path, mode: str, **more: object) -> int:
    publication.update(store, settings, {"tracking": mode, **more})
    article_id = seed_article(store, seed_path)
    subscribe(store, "news", 2)
    return campaigns.create_email_campaign(store, settings, [article_id], "news")


def received(store: Store, settings: Settings, campaign_id: int, recipient_id: int = 1) -> tuple[str, str]:
    """The (html, text) parts of the mail one recipient gets."""
    with store.session() as session:
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None
        template = campaign_template(session, campaign, settings)
    raw = template.build(Recipient(id=recipient_id, email="reader@example.com", name="Reader", token="tok"))
    mail = email.message_from_bytes(raw, policy=email.policy.default)
    html = mail.get_body(("html",)).get_content()  # type: ignore[union-attr]
    text = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    return html, text


def links_of(store: Store, campaign_id: int) -> list[TrackedLink]:
    with store.session() as session:
        return list(
            session.scalars(
                select(TrackedLink).where(TrackedLink.campaign_id == campaign_id).order_by(TrackedLink.position)
            )
        )


def test_mode_off_has_no_pixel_and_no_rewritten_link(store: Store, settings: Settings, seed_path: Path):
    campaign_id = make_campaign(store, settings, seed_path, "off")
    html, text = received(store, settings, campaign_id)
    assert "/r/" not in html and "/o/" not in html
    assert links_of(store, campaign_id) == []
    assert f"{BASE}/articles/" in html
    assert "This newsletter records no opens or clicks." in html and "records no opens or clicks" in text
    with store.session() as session:
        assert session.get(Campaign, campaign_id).tracking == "off"  # type: ignore[union-attr]


@pytest.mark.parametrize("mode", ["aggregate", "individual"])
def test_every_http_link_is_rewritten_and_the_readers_own_links_are_not(
    store: Store, settings: Settings, seed_path: Path, mode: str
):
    campaign_id = make_campaign(store, settings, seed_path, mode)
    html, text = received(store, settings, campaign_id, recipient_id=1)
    tags = tags_of(html)
    hrefs = [a["href"] or "" for a in tags.named("a") if a.get("href")]
    signer = TokenSigner(settings.signing_key())

    stored = links_of(store, campaign_id)
    tracked = [h for h in hrefs if h.startswith(f"{BASE}/r/")]
    untouched = [h for h in hrefs if not h.startswith(f"{BASE}/r/")]
    assert untouched and all(
        h.startswith((f"{BASE}/unsubscribe/", f"{BASE}/preferences/", "mailto:")) for h in untouched
    ), untouched
    assert len(tracked) == len(stored) and len(stored) >= 5  # title, read more, share links, view in browser
    for position, href in enumerate(tracked, start=1):
        assert signer.parse(href.rsplit("/", 1)[1]) == Token("click", campaign_id, position, 1)
    assert [s.position for s in stored] == list(range(1, len(stored) + 1))
    assert any(s.url.startswith(f"{BASE}/articles/") for s in stored)
    assert all(s.url.startswith(("https://", "http://")) for s in stored)
    [pixel] = [img for img in tags.named("img") if "/o/" in (img.get("src") or "")]
    assert pixel["alt"] == "" and pixel["width"] == "1" and pixel["height"] == "1"
    assert signer.parse(pixel["src"].rsplit("/", 1)[1].removesuffix(".gif")) == Token("open", campaign_id, 0, 1)  # type: ignore[union-attr]
    assert f"{BASE}/articles/" in text and "/r/" not in text  # the plain-text part keeps the original URLs
    with store.session() as session:
        assert session.get(Campaign, campaign_id).tracking == mode  # type: ignore[union-attr]


def test_the_honeypot_is_hidden_from_readers_keyboards_and_screen_readers(
    store: Store, settings: Settings, seed_path: Path
):
    campaign_id = make_campaign(store, settings, seed_path, "aggregate")
    html, _ = received(store, settings, campaign_id)
    [trap] = [s for s in links_of(store, campaign_id) if s.honeypot]
    assert trap.position == len(links_of(store, campaign_id))  # the last link
    [anchor] = re.findall(r"<a [^>]*tabindex=\"-1\"[^>]*>(.*?)</a>", html, re.DOTALL)
    assert anchor == ""  # no text to read out
    tag = re.search(r"<a [^>]*tabindex=\"-1\"[^>]*>", html).group(0)  # type: ignore[union-attr]
    assert 'aria-hidden="true"' in tag and "display:none" in tag


def test_each_recipient_gets_their_own_tokens(store: Store, settings: Settings, seed_path: Path):
    campaign_id = make_campaign(store, settings, seed_path, "aggregate")
    first, _ = received(store, settings, campaign_id, recipient_id=1)
    second, _ = received(store, settings, campaign_id, recipient_id=2)
    tokens = lambda html: re.findall(rf"{BASE}/r/([A-Za-z0-9_-]+)", html)  # noqa: E731
    assert len(tokens(first)) == len(tokens(second)) and not set(tokens(first)) & set(tokens(second))


@pytest.mark.parametrize(
    ("mode", "words"),
    [
        ("aggregate", "This newsletter counts opens and clicks in total, never per reader."),
        (
            "individual",
            "This newsletter records which issues you open and which links you follow; see your preferences page.",
        ),
    ],
)
def test_the_footer_says_what_is_tracked(store: Store, settings: Settings, seed_path: Path, mode: str, words: str):
    campaign_id = make_campaign(store, settings, seed_path, mode)
    html, text = received(store, settings, campaign_id)
    assert words in html and words in text


def test_the_public_copy_links_straight_to_the_articles(store: Store, settings: Settings, seed_path: Path):
    campaign_id = make_campaign(store, settings, seed_path, "aggregate")
    with store.session() as session:
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None
        body, key = campaign.body_html, campaign.render_key
    links = {s.position: s.url for s in links_of(store, campaign_id)}
    shown = public_copy(body, key, links)
    assert "/r/" not in shown and "/o/" not in shown and "%%PUB" not in shown and 'tabindex="-1"' not in shown
    assert f'href="{BASE}/articles/' in shown


def test_utm_parameters_are_added_to_article_links_when_the_publication_wants_them(
    store: Store, settings: Settings, seed_path: Path
):
    campaign_id = make_campaign(store, settings, seed_path, "off", utm=True)
    html, text = received(store, settings, campaign_id)
    article_links = [a["href"] for a in tags_of(html).named("a") if "/articles/" in (a.get("href") or "")]
    utm = "utm_source=newsletter&utm_medium=email&utm_campaign="
    assert article_links and all(utm in (h or "") for h in article_links), article_links
    assert "utm_source=newsletter" in text


def test_with_utm_keeps_the_links_own_query():
    from publisher.render.utm import with_utm

    assert with_utm("https://a.example/p?x=1&y=2", "spring") == (
        "https://a.example/p?x=1&y=2&utm_source=newsletter&utm_medium=email&utm_campaign=spring"
    )
