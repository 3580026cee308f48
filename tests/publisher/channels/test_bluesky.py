"""The Bluesky channel against a fake PDS that checks sessions and the post record's shape (and serves only
what a PDS serves: no getProfile); test_bluesky_pds.py runs the same channel against a real PDS."""

from __future__ import annotations

import pytest

from publisher.channels.base import PermanentError, TransientError
from publisher.channels.bluesky import BlueskyChannel
from publisher.channels.network import Draft
from publisher.channels.networks.bluesky import compose
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
    with pytest.raises(PermanentError, match="does not cover its app.bsky.richtext.facet#link"):
        BlueskyChannel(bluesky_account(fake_bluesky)).send(bad)


def test_signing_in_asks_for_a_session_only_never_a_profile(fake_bluesky):
    channel = BlueskyChannel(bluesky_account(fake_bluesky))
    assert channel.verify() == f"@{BLUESKY[0]}"
    channel.send(card_post(f"t\n\n{URL}"))
    assert fake_bluesky.calls == ["com.atproto.server.createSession", "com.atproto.repo.createRecord"]


def test_the_record_carries_the_langs_and_tag_facets_composed_for_it(fake_bluesky):
    text = f"Hafen 🏗️ #Hafen #港口\n\n{URL}"
    post = make_post(text, **compose(Draft(text, URL, "A title", "A summary.", html=str, lang="de")))
    BlueskyChannel(bluesky_account(fake_bluesky)).send(post)
    [sent] = fake_bluesky.posts
    record = sent["record"]
    assert record["langs"] == ["de"] and fake_bluesky.rejections == []
    tags = [f["features"][0]["tag"] for f in record["facets"] if "tag" in f["features"][0]]
    assert tags == ["Hafen", "港口"]


def test_a_mention_is_resolved_once_and_a_handle_that_does_not_resolve_stays_text(fake_bluesky):
    text = f"@{BLUESKY[0]} and @nobody.example.com, again @{BLUESKY[0]}\n\n{URL}"
    post = make_post(text, **compose(Draft(text, URL, "A title", "A summary.", html=str)))
    BlueskyChannel(bluesky_account(fake_bluesky)).send(post)
    record = fake_bluesky.posts[0]["record"]
    mentions = [f for f in record["facets"] if f["features"][0]["$type"] == "app.bsky.richtext.facet#mention"]
    assert [m["features"][0]["did"] for m in mentions] == [fake_bluesky.did, fake_bluesky.did]
    assert [m["index"]["byteStart"] for m in mentions] == [0, text.encode().rindex(b"@")]
    assert fake_bluesky.calls.count("com.atproto.identity.resolveHandle") == 2  # each handle once
