"""The Bluesky channel against a fake PDS that checks sessions and the post record's shape."""

from __future__ import annotations

import pytest

from publisher.channels.base import PermanentError, TransientError
from publisher.channels.bluesky import BlueskyChannel
from publisher.channels.networks.bluesky import link_facets as bluesky_facets
from tests.support.social import BLUESKY, bluesky_account, make_post

URL = "https://news.example.org/articles/a"


def card_post(text: str):
    return make_post(
        text,
        facets=bluesky_facets(text, URL),
        embed={"uri": URL, "title": "A title", "description": "A summary."},
    )


def test_a_post_carries_link_facets_with_byte_offsets_and_a_card(fake_bluesky):
    text = f"Zürich café — 日本 👨‍👩‍👧\n\n{URL}"  # multi-byte characters before the link
    channel = BlueskyChannel(bluesky_account(fake_bluesky))
    result = channel.send(card_post(text))
    channel.close()
    [post] = fake_bluesky.posts
    assert fake_bluesky.rejections == []
    record = post["record"]
    [facet] = record["facets"]
    start = len(text[: text.index(URL)].encode())
    assert (facet["index"]["byteStart"], facet["index"]["byteEnd"]) == (start, start + len(URL))
    external = record["embed"]["external"]
    assert (external["uri"], external["title"], external["description"]) == (URL, "A title", "A summary.")
    assert result.provider_id == post["uri"]
    assert result.url == f"https://bsky.app/profile/{BLUESKY[0]}/post/{post['uri'].rsplit('/', 1)[1]}"


def test_one_session_serves_a_batch(fake_bluesky):
    channel = BlueskyChannel(bluesky_account(fake_bluesky))
    channel.send(card_post(f"one\n\n{URL}"))
    channel.send(card_post(f"two\n\n{URL}"))
    assert fake_bluesky.sessions == 1 and len(fake_bluesky.posts) == 2


def test_a_wrong_app_password_fails_permanently_naming_the_account(fake_bluesky):
    channel = BlueskyChannel(bluesky_account(fake_bluesky, password="wrong-pass-word"))
    with pytest.raises(PermanentError, match="Bluesky account 'bluesky' \\(editor.example.org.*401") as caught:
        channel.send(card_post(f"t\n\n{URL}"))
    assert "wrong-pass-word" not in str(caught.value)
    assert "Invalid identifier or password" in str(caught.value)


def test_rate_limit_waits_until_the_reset(fake_bluesky):
    fake_bluesky.rate_limit_wait = 120
    fake_bluesky.script("rate_limit")
    channel = BlueskyChannel(bluesky_account(fake_bluesky))
    with pytest.raises(TransientError, match="rate limited") as caught:
        channel.send(card_post(f"t\n\n{URL}"))
    assert 100 < caught.value.retry_after <= 121
    assert channel.send(card_post(f"t\n\n{URL}")).status == "sent"


def test_server_errors_and_timeouts_are_transient(fake_bluesky):
    fake_bluesky.slow_seconds = 1.5
    fake_bluesky.script("error", "slow")
    channel = BlueskyChannel(bluesky_account(fake_bluesky), timeout=0.5)
    with pytest.raises(TransientError, match="server error \\(500\\)"):
        channel.send(card_post(f"t\n\n{URL}"))
    with pytest.raises(TransientError, match="timed out"):
        channel.send(card_post(f"t\n\n{URL}"))


def test_a_malformed_record_is_refused_permanently(fake_bluesky):
    bad = make_post(f"t\n\n{URL}", facets=[{"byteStart": 0, "byteEnd": 3, "uri": URL}])
    with pytest.raises(PermanentError, match="does not cover its link"):
        BlueskyChannel(bluesky_account(fake_bluesky)).send(bad)
