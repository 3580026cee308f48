"""The editor's Share action, previews and Publish use publisher.sharing: counted lengths per network, the
refusal of a second share (and force), routing by network, auto-share on publish; confirmation campaigns
stay out of the editor's lists."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, update

from publisher import consent, editors, sharing, textrules
from publisher.config import Settings
from publisher.store import Store
from publisher.store.models import Campaign, OutboxRow
from tests.support.factories import RecordingDispatcher, seed_article, subscribe
from tests.support.web import LiveServer

from .conftest import csrf_of

ACCOUNTS = {"x:work": "x://ck:cs-secret@at:as-secret", "mastodon:social": "mastodon://tok-secret@social.example"}
POSTED_AT = "https://social.example/@editor/110000000000000001"


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("PUBLISHER_ACCOUNTS", json.dumps(ACCOUNTS))
    monkeypatch.setenv("PUBLISHER_SHARE_ON_IMPORT", "mastodon:social")
    return Settings()


@pytest.fixture
def api(live_server: LiveServer, store: Store, dispatcher: RecordingDispatcher) -> Iterator[httpx.Client]:
    editors.add_user(store, "robot", "a long enough password")
    token = editors.create_token(store, "robot", "tests")
    with httpx.Client(base_url=live_server.url, headers={"Authorization": f"Bearer {token}"}, timeout=10) as client:
        yield client


def _post(client: httpx.Client, page: str, action: str, data: dict | None = None) -> httpx.Response:
    return client.post(action, data={"csrf_token": csrf_of(client.get(page).text), **(data or {})})


def _share_campaigns(store: Store) -> list[int]:
    with store.session() as session:
        return list(session.scalars(select(Campaign.id).where(Campaign.kind == "share").order_by(Campaign.id)))


def _mark_posted(store: Store, campaign_id: int, url: str = POSTED_AT) -> None:
    """What a worker records once the network answered (the workers themselves are tested elsewhere)."""
    with store.session() as session:
        session.execute(
            update(OutboxRow).where(OutboxRow.campaign_id == campaign_id).values(state="sent", url=url, provider_id="1")
        )


def test_preview_page_shows_each_network_s_counted_length_against_its_limit(
    editor: httpx.Client, store: Store, settings: Settings, seed_path: Path
):
    article_id = seed_article(store, seed_path)
    page = editor.get(f"/editor/articles/{article_id}/preview").text

    posts = {p.channel: p for p in sharing.preview(store, settings, article_id, ["x:work", "mastodon:social"])}
    for name, network, limit in [("x:work", "x", 280), ("mastodon:social", "mastodon", 500)]:
        post = posts[name]
        # The network's count (a URL is 23 characters on both), not len(text): the tracked URL is longer.
        assert post.length == textrules.length(post.text, network) < len(post.text)
        assert f"{post.length} / {limit} characters, as {network} counts them" in page
        assert f"{len(post.text)} / {limit}" not in page
    assert "cs-secret" not in page and "tok-secret" not in page


def test_a_post_over_its_limit_or_without_text_is_flagged():
    base = dict(channel="x", network="x", shortened=False, url="https://news.example.org/a")
    assert sharing.SharePreview(text="a" * 300, length=300, limit=280, **base).over
    assert not sharing.SharePreview(text="a" * 280, length=280, limit=280, **base).over
    assert not sharing.SharePreview(text="a" * 9000, length=9000, limit=None, **base).over
    assert sharing.SharePreview(text="", length=0, limit=280, error="too long", **base).over


def test_share_routes_by_network_refuses_a_second_share_and_force_shares_again(
    editor: httpx.Client, store: Store, seed_path: Path, dispatcher: RecordingDispatcher
):
    article_id = seed_article(store, seed_path)
    page = f"/editor/articles/{article_id}/share"
    confirm = _post(editor, page, page, {"channel": "mastodon:social"})
    first = editor.post(
        page, data={"csrf_token": csrf_of(confirm.text), "channel": "mastodon:social", "confirm": "yes"}
    )
    assert first.status_code == 303
    [campaign_id] = _share_campaigns(store)
    assert [(c[0], c[1], c[4]) for c in dispatcher.calls] == [(campaign_id, "mastodon:social", "share.mastodon")]
    _mark_posted(store, campaign_id)

    form = editor.get(page).text
    assert f'Already shared at <a href="{POSTED_AT}"' in form
    again = _post(editor, page, page, {"channel": "mastodon:social"})
    assert f'Already shared at <a href="{POSTED_AT}"' in again.text
    assert 'name="force" value="yes"' in again.text  # the confirmation offers to share again
    refused = editor.post(
        page, data={"csrf_token": csrf_of(again.text), "channel": "mastodon:social", "confirm": "yes"}
    )
    assert refused.status_code == 422
    assert f"already shared to mastodon:social at {POSTED_AT}" in refused.text
    assert _share_campaigns(store) == [campaign_id] and len(dispatcher.calls) == 1

    forced = editor.post(
        page,
        data={"csrf_token": csrf_of(again.text), "channel": "mastodon:social", "confirm": "yes", "force": "yes"},
    )
    assert forced.status_code == 303
    assert len(_share_campaigns(store)) == 2 and dispatcher.calls[-1][4] == "share.mastodon"


def test_publishing_in_the_editor_auto_shares_once_like_import(
    editor: httpx.Client, store: Store, seed_path: Path, dispatcher: RecordingDispatcher
):
    article_id = seed_article(store, seed_path)
    page = f"/editor/articles/{article_id}"

    _post(editor, page, f"{page}/publish", {"action": "publish"})
    [campaign_id] = _share_campaigns(store)
    assert [(c[0], c[1], c[4]) for c in dispatcher.calls] == [(campaign_id, "mastodon:social", "share.mastodon")]

    _post(editor, page, f"{page}/publish", {"action": "unpublish"})
    _post(editor, page, f"{page}/publish", {"action": "publish"})
    assert _share_campaigns(store) == [campaign_id]  # already shared to that account: not again


def test_api_publish_auto_shares_and_api_share_refuses_a_second_share_unless_forced(
    api: httpx.Client, store: Store, seed_path: Path, dispatcher: RecordingDispatcher
):
    article_id = seed_article(store, seed_path)
    assert api.post(f"/api/articles/{article_id}/publish").status_code == 200
    [auto] = _share_campaigns(store)
    _mark_posted(store, auto)

    preview = {s["channel"]: s for s in api.get(f"/api/articles/{article_id}/preview").json()["shares"]}
    assert set(preview) == {"file", "x:work", "mastodon:social"}
    x = preview["x:work"]
    assert x["network"] == "x" and x["limit"] == 280 and x["length"] == textrules.length(x["text"], "x")
    assert x["over"] is False and x["already_shared"] is None
    assert preview["mastodon:social"]["already_shared"] == POSTED_AT

    refused = api.post("/api/campaigns/share", json={"article_id": article_id, "channels": ["mastodon:social"]})
    assert refused.status_code == 409
    assert refused.json()["detail"].endswith(f'at {POSTED_AT}; send "force": true to share again')
    shared = api.post("/api/campaigns/share", json={"article_id": article_id, "channels": ["x:work", "file"]})
    assert shared.status_code == 201
    forced = api.post(
        "/api/campaigns/share", json={"article_id": article_id, "channels": ["mastodon:social"], "force": True}
    )
    assert forced.status_code == 201
    queues = {(c[0], c[1]): c[4] for c in dispatcher.calls}
    assert queues[(shared.json()["id"], "x:work")] == "share.x"
    assert queues[(shared.json()["id"], "file")] == "share.file"
    assert queues[(forced.json()["id"], "mastodon:social")] == "share.mastodon"


def test_confirmation_campaigns_stay_out_of_the_editor_s_lists(
    editor: httpx.Client, api: httpx.Client, store: Store, settings: Settings, seed_path: Path
):
    subscribe(store, "readers", 1)
    signup = consent.request_signup(store, settings, "new.reader@example.com", list_name="readers")
    assert signup.campaign_id is not None
    article_id = seed_article(store, seed_path)
    shared = api.post("/api/campaigns/share", json={"article_id": article_id, "channels": ["file"]}).json()

    assert [c["id"] for c in api.get("/api/campaigns").json()] == [shared["id"]]
    listing = editor.get("/editor/campaigns").text
    assert f'/editor/campaigns/{shared["id"]}"' in listing
    assert f'/editor/campaigns/{signup.campaign_id}"' not in listing
    assert "Confirm your subscription" not in listing
    assert "Confirm your subscription" not in editor.get("/editor").text
    assert "Confirm your subscription" not in editor.get("/digests").text


def test_a_second_api_share_to_the_same_account_is_a_409_conflict_naming_the_force_option(
    api: httpx.Client, store: Store, seed_path: Path, dispatcher: RecordingDispatcher
):
    article_id = seed_article(store, seed_path)
    body = {"article_id": article_id, "channels": ["mastodon:social"]}
    first = api.post("/api/campaigns/share", json=body)
    assert first.status_code == 201
    _mark_posted(store, first.json()["id"])

    again = api.post("/api/campaigns/share", json=body)

    assert again.status_code == 409
    assert again.json() == {
        "detail": f"article {article_id} is already shared to mastodon:social at {POSTED_AT}; "
        'send "force": true to share again'
    }
    assert _share_campaigns(store) == [first.json()["id"]] and len(dispatcher.calls) == 1
    assert "409" in api.get("/api/openapi.json").json()["paths"]["/api/campaigns/share"]["post"]["responses"]


def _cover_article(store: Store, settings: Settings) -> int:
    from tests.support.covers import article_with_cover

    return article_with_cover(store, settings, "https://img.example.org/crane.png", alt="A crane at dusk")


def _stored_extra(store: Store, campaign_id: int) -> dict:
    with store.session() as session:
        [payload] = session.scalars(select(OutboxRow.payload).where(OutboxRow.campaign_id == campaign_id)).all()
    return payload["extra"]


def test_the_share_form_offers_the_cover_with_its_alt_text_and_passes_the_choice_on(
    editor: httpx.Client, store: Store, settings: Settings, seed_path: Path
):
    plain = f"/editor/articles/{seed_article(store, seed_path)}/share"
    assert "Attach the cover image" not in editor.get(plain).text  # no cover, no checkbox
    page = f"/editor/articles/{_cover_article(store, settings)}/share"
    form = editor.get(page).text
    assert "Attach the cover image (Mastodon, X)" in form and "Alt text: A crane at dusk" in form
    confirm = _post(editor, page, page, {"channel": "mastodon:social", "attach_image": "yes"})
    assert '<input type="hidden" name="attach_image" value="yes">' in confirm.text
    done = editor.post(
        page,
        data={
            "csrf_token": csrf_of(confirm.text),
            "channel": "mastodon:social",
            "attach_image": "yes",
            "confirm": "yes",
        },
    )
    assert done.status_code == 303
    [campaign_id] = _share_campaigns(store)
    extra = _stored_extra(store, campaign_id)
    assert extra["attach_image"] is True and extra["image"]["alt"] == "A crane at dusk"


def test_the_api_share_attaches_the_cover_only_when_asked(api: httpx.Client, store: Store, settings: Settings):
    article_id = _cover_article(store, settings)
    plain = api.post("/api/campaigns/share", json={"article_id": article_id, "channels": ["x:work"]})
    asked = api.post(
        "/api/campaigns/share", json={"article_id": article_id, "channels": ["mastodon:social"], "attach_image": True}
    )
    assert (plain.status_code, asked.status_code) == (201, 201)
    assert _stored_extra(store, plain.json()["id"])["attach_image"] is False
    assert _stored_extra(store, asked.json()["id"])["attach_image"] is True
