"""The Bluesky channel against a real PDS (@atproto/pds, no AppView): sign-in, records, facets, blobs.

The PDS is started once for the module (tests/support/pds.py); each test makes its own account with an app
password, as an editor would, and reads what was posted back with com.atproto.repo.getRecord.
"""

from __future__ import annotations

import secrets
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from publisher.accounts import parse_account
from publisher.channels.base import Attachment, PermanentError
from publisher.channels.bluesky import BlueskyChannel
from publisher.channels.network import Draft
from publisher.channels.networks.bluesky import compose
from tests.support.covers import png
from tests.support.pds import INSTALL_TIMEOUT, ON_THE_PDS_WORKER, PACKAGES, PDS_VERSION, Pds, shared_pds
from tests.support.social import make_post

URL = "https://news.example.org/articles/a"


pytestmark = [pytest.mark.timeout(INSTALL_TIMEOUT), ON_THE_PDS_WORKER]  # the first test may install the PDS from npm


@pytest.fixture
def pds() -> Pds:
    """The run's PDS; skips (fails under CI=true) with the reason when node, npm or the package is missing."""
    return shared_pds()


@pytest.fixture
def account(pds: Pds) -> dict[str, str]:
    """A fresh account (handles like `editor` are reserved: a random one) and its app password."""
    handle = f"desk-{secrets.token_hex(3)}.test"
    session = pds.create_account(handle, secrets.token_urlsafe(12))
    return {"handle": handle, "did": session["did"], "app_password": pds.app_password(session["accessJwt"])}


def channel_for(pds: Pds, handle: str, password: str) -> BlueskyChannel:
    return BlueskyChannel(parse_account("bluesky", f"bluesky+http://{handle}:{password}@127.0.0.1:{pds.port}"))


def composed(text: str, lang: str | None = "en", **extra: object):
    draft = Draft(text, URL, "A title", "A summary.", html=lambda: "", lang=lang)
    return make_post(text, **{**compose(draft), **extra})


def test_the_pds_serves_no_profile_so_signing_in_must_not_ask_for_one(pds):
    session = pds.create_account(f"check-{secrets.token_hex(3)}.test", "a-password-1")
    answer = httpx.get(
        f"{pds.base_url}/xrpc/app.bsky.actor.getProfile",
        params={"actor": session["did"]},
        headers={"Authorization": f"Bearer {session['accessJwt']}"},
    )
    # What atproto's default login asked for, and so failed every share and check on (issue 14).
    assert answer.status_code == 400
    assert answer.json()["message"] == "No service configured for app.bsky.actor.getProfile"


def test_test_connection_passes_with_the_app_password(pds, account):
    channel = channel_for(pds, account["handle"], account["app_password"])
    assert channel.verify() == f"@{account['handle']}"
    channel.close()


def test_test_connection_refuses_a_wrong_app_password_without_showing_it(pds, account):
    channel = channel_for(pds, account["handle"], "wxyz-wxyz-wxyz-wxyz")
    with pytest.raises(PermanentError, match="sign-in refused|refused") as caught:
        channel.verify()
    assert "wxyz-wxyz-wxyz-wxyz" not in str(caught.value)


def test_a_post_goes_to_the_sessions_repo_with_langs_tag_and_link_facets(pds, account):
    text = f"Zürich café — 日本語 مرحبا 👨‍👩‍👧 #Harbour #港\n\n{URL}"
    channel = channel_for(pds, account["handle"], account["app_password"])
    result = channel.send(composed(text, lang="de"))
    channel.close()

    assert result.provider_id.startswith(f"at://{account['did']}/app.bsky.feed.post/")
    record = pds.record(result.provider_id)["value"]
    encoded = text.encode()
    assert record["text"] == text and record["langs"] == ["de"]
    slices = {
        encoded[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode(): f["features"][0] for f in record["facets"]
    }
    assert slices["#Harbour"] == {"$type": "app.bsky.richtext.facet#tag", "tag": "Harbour"}
    assert slices["#港"] == {"$type": "app.bsky.richtext.facet#tag", "tag": "港"}
    assert slices[URL] == {"$type": "app.bsky.richtext.facet#link", "uri": URL}
    assert record["embed"]["external"]["uri"] == URL


def test_a_mention_that_resolves_becomes_a_mention_facet_and_one_that_does_not_stays_text(pds, account):
    friend = f"friend-{secrets.token_hex(3)}.test"
    friend_did = pds.create_account(friend, "a-password-2")["did"]
    text = f"With @{friend} and @nobody-{secrets.token_hex(3)}.test\n\n{URL}"
    channel = channel_for(pds, account["handle"], account["app_password"])
    record = pds.record(channel.send(composed(text)).provider_id)["value"]

    mentions = [f for f in record["facets"] if f["features"][0]["$type"] == "app.bsky.richtext.facet#mention"]
    [mention] = mentions
    assert text.encode()[mention["index"]["byteStart"] : mention["index"]["byteEnd"]].decode() == f"@{friend}"
    assert mention["features"][0]["did"] == friend_did


def test_an_article_without_a_language_is_posted_without_langs(pds, account):
    channel = channel_for(pds, account["handle"], account["app_password"])
    record = pds.record(channel.send(composed(f"Untagged\n\n{URL}", lang="und")).provider_id)["value"]
    assert "langs" not in record


def test_the_card_thumbnail_is_a_blob_the_pds_keeps(pds, account):
    image = png(400, 225)
    post = replace(composed(f"With a picture\n\n{URL}"), media=(Attachment(image, "image/png", "A crane"),))
    channel = channel_for(pds, account["handle"], account["app_password"])
    record = pds.record(channel.send(post).provider_id)["value"]

    thumb = record["embed"]["external"]["thumb"]
    assert thumb["mimeType"] == "image/png" and thumb["size"] == len(image)
    assert pds.blob(account["did"], thumb["ref"]["$link"]) == image


def test_two_picked_images_come_back_as_an_images_embed_with_their_alts_and_blob_refs(pds, account):
    crane, quay = png(400, 225), png(300, 300)
    picked = [{"url": "https://img.example.org/crane.png", "alt": "A crane"}, {"url": "q", "alt": "The quay"}]
    media = (
        Attachment(crane, "image/png", "A crane", width=400, height=225),
        Attachment(quay, "image/png", "The quay", width=300, height=300),
    )
    post = replace(composed(f"Two pictures\n\n{URL}", images=picked), media=media)
    channel = channel_for(pds, account["handle"], account["app_password"])
    record = pds.record(channel.send(post).provider_id)["value"]
    channel.close()

    embed = record["embed"]
    assert embed["$type"] == "app.bsky.embed.images"  # in place of the card: a post has one embed
    assert [i["alt"] for i in embed["images"]] == ["A crane", "The quay"]
    ratios = [(i["aspectRatio"]["width"], i["aspectRatio"]["height"]) for i in embed["images"]]
    assert ratios == [(400, 225), (300, 300)]
    blobs = [pds.blob(account["did"], i["image"]["ref"]["$link"]) for i in embed["images"]]
    assert blobs == [crane, quay]
    assert record["facets"][0]["features"][0]["uri"] == URL  # the link stays a facet in the text


def test_ci_installs_the_pds_versions_the_tests_start():
    script = (Path(__file__).resolve().parents[3] / ".ci" / "run").read_text()
    for package in PACKAGES:
        assert f" {package}" in script, package
    assert f'"version": "{PDS_VERSION}"' in script
