"""The publication: the environment gives first values, editors' changes are stored and win, bad values are
refused naming the field, and each campaign freezes the sender it goes out as."""

from __future__ import annotations

import pytest

from publisher import publication
from publisher.config import Settings
from publisher.errors import NotFound
from publisher.publication import InvalidPublication
from publisher.store import Store
from publisher.store.models import Campaign
from tests.support.factories import seed_article, subscribe


def test_the_environment_gives_the_first_values(store: Store, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PUBLISHER_NEWSLETTER_NAME", "The Harbour Weekly")
    monkeypatch.setenv("PUBLISHER_POSTAL_ADDRESS", "1 Quay Street\nPort Town")

    found = publication.load(store, Settings())

    assert (found.name, found.sender_name, found.sender_address) == (
        "The Harbour Weekly",
        "The Test Desk",
        "news@example.org",
    )
    assert found.postal_address == "1 Quay Street\nPort Town" and found.language == "en"
    assert found.from_header == "The Test Desk <news@example.org>"


def test_stored_changes_win_and_none_puts_a_field_back(store: Store, settings: Settings):
    changed = publication.update(
        store,
        settings,
        {
            "name": "  Harbour Notes ",
            "accent_colour": "#AA3300",
            "reply_to": "Desk@Example.org",
            "social_links": {"mastodon": "https://social.example/@harbour", "x": ""},
        },
    )

    assert changed.name == "Harbour Notes" and changed.accent_colour == "#aa3300"
    assert changed.reply_to == "Desk@example.org"
    assert changed.social_links == {"mastodon": "https://social.example/@harbour"}
    assert publication.load(store, settings) == changed
    back = publication.update(store, settings, {"name": None})
    assert back.name == settings.newsletter_name and back.accent_colour == "#aa3300"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": ""}, "name must not be empty"),
        ({"name": "Evil\r\nBcc: x@example.com"}, "name must not contain line breaks"),
        ({"sender_name": "A\nB"}, "sender_name must not contain line breaks"),
        ({"sender_address": "not an address"}, "sender_address: 'not an address' is not a valid email address"),
        ({"accent_colour": "red"}, "accent_colour must be a colour like #0b5cad, not 'red'"),
        ({"logo_url": "javascript:alert(1)"}, "logo_url must be an http or https URL"),
        ({"language": "english please"}, "language must be a language tag"),
        ({"social_links": {"myspace": "https://x"}}, "social_links: unknown network 'myspace'"),
        ({"social_links": {"x": "javascript:alert(1)"}}, "social_links.x must be an http or https URL"),
        ({"postal_address": "x" * 301}, "postal_address is 301 characters; at most 300"),
        ({"colour": "#000000"}, "no publication setting called 'colour'"),
    ],
)
def test_a_bad_value_is_refused_naming_the_field_and_nothing_is_stored(store, settings, changes, message):
    with pytest.raises(InvalidPublication, match=message):
        publication.update(store, settings, {"description": "kept?", **changes})

    assert publication.load(store, settings).description == ""


def test_the_public_list_must_exist(store: Store, settings: Settings):
    with pytest.raises(NotFound, match="there is no list called 'readers' to be the public list"):
        publication.update(store, settings, {"public_list": "readers"})
    subscribe(store, "readers", 1)

    assert publication.update(store, settings, {"public_list": "readers"}).public_list == "readers"


def test_a_campaign_freezes_the_sender_it_goes_out_as(store: Store, settings: Settings, seed_path):
    from publisher.campaigns.create import create_email_campaign

    article_id = seed_article(store, seed_path)
    subscribe(store, "readers", 1)
    publication.update(store, settings, {"name": "Harbour Notes", "sender_name": "Harbour Desk"})

    campaign_id = create_email_campaign(store, settings, [article_id], "readers")
    publication.update(store, settings, {"sender_name": "Someone Else"})  # too late for that campaign

    with store.session() as session:
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None
        sender = {"from": "Harbour Desk <news@example.org>", "reply_to": None, "name": "Harbour Notes"}
        assert campaign.identity == sender
        assert "Harbour Notes" in campaign.body_html
        from publisher.delivery import campaign_template

        template = campaign_template(session, campaign, settings)  # as a worker builds it, from the settings
        assert b"From: Harbour Desk <news@example.org>" in template.static_headers
        assert b"List-Id: Harbour Notes <readers." in template.static_headers
