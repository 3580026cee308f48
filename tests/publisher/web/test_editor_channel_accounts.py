"""Accounts added on the Channels page (issue 14): add, test and remove through the real HTTP app, against the
local Mastodon and Bluesky fakes; the secret is stored encrypted and never appears in a page or a log."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select

from publisher import editors
from publisher.channels import social_accounts
from publisher.config import Settings
from publisher.store import Store
from publisher.store.models import ChannelAccountRow
from tests.support.fakes import FakeBluesky, FakeMastodon, running
from tests.support.social import BLUESKY, MASTODON_TOKEN

from .conftest import csrf_of, log_in

TOKEN = MASTODON_TOKEN + "-4f2a"  # long enough for an "ends in" hint


@pytest.fixture
def mastodon() -> Iterator[FakeMastodon]:
    with running(FakeMastodon(TOKEN)) as server:
        yield server


@pytest.fixture
def bluesky() -> Iterator[FakeBluesky]:
    with running(FakeBluesky(*BLUESKY)) as server:
        yield server


def _add(editor: httpx.Client, network: str, **fields: str) -> httpx.Response:
    token = csrf_of(editor.get("/editor/channels").text)
    return editor.post("/editor/channels/add", data={"csrf_token": token, "network": network, **fields})


def _post(editor: httpx.Client, path: str) -> httpx.Response:
    return editor.post(path, data={"csrf_token": csrf_of(editor.get("/editor/channels").text)})


def _add_mastodon(editor: httpx.Client, mastodon: FakeMastodon, label: str = "social") -> httpx.Response:
    return _add(editor, "mastodon", label=label, instance=f"http://127.0.0.1:{mastodon.port}", token=TOKEN)


def test_an_added_account_is_saved_encrypted_tested_and_removed(
    editor: httpx.Client, mastodon: FakeMastodon, store: Store, settings: Settings, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.DEBUG)

    added = _add_mastodon(editor, mastodon)
    listed = editor.get("/editor/channels")
    tested = _post(editor, "/editor/channels/mastodon:social/test")
    removed = _post(editor, "/editor/channels/mastodon:social/remove")

    assert added.status_code == 200
    assert "mastodon:social: saved, ends in …4f2a" in added.text
    assert '<tr data-channel="mastodon:social"><td>mastodon:social</td><td>mastodon</td>' in listed.text
    assert "mastodon:social: credentials accepted: signed in as @editor; nothing was posted" in tested.text
    assert mastodon.credential_checks == 1 and mastodon.posts == []
    assert "mastodon:social: removed" in removed.text
    assert 'data-channel="mastodon:social"' not in removed.text
    assert "mastodon:social" not in social_accounts(settings)
    for body in (added.text, listed.text, tested.text, removed.text, caplog.text):
        assert TOKEN not in body and MASTODON_TOKEN not in body


def test_the_stored_row_holds_no_secret_in_clear_and_opens_as_the_same_account(
    editor: httpx.Client, mastodon: FakeMastodon, store: Store, settings: Settings
):
    _add_mastodon(editor, mastodon)

    with store.session() as session:
        row = session.scalars(select(ChannelAccountRow)).one()
    account = social_accounts(settings)["mastodon:social"]

    assert TOKEN not in row.sealed and MASTODON_TOKEN not in row.sealed and row.sealed.startswith("v1:")
    assert (row.network, row.hint, row.added_by) == ("mastodon", "4f2a", "editor")
    assert account.secret("token") == TOKEN and account.host == f"127.0.0.1:{mastodon.port}"


def test_a_bluesky_account_with_a_pds_url_signs_in_from_the_page(editor: httpx.Client, bluesky: FakeBluesky):
    added = _add(
        editor, "bluesky", handle=BLUESKY[0], password=BLUESKY[1], service=f"http://127.0.0.1:{bluesky.port}"
    )
    tested = _post(editor, "/editor/channels/bluesky/test")

    assert "bluesky: saved, ends in …mnop" in added.text
    assert f"{BLUESKY[0]} on 127.0.0.1:{bluesky.port}" in added.text
    assert "bluesky: credentials accepted: signed in as @editor.example.org; nothing was posted" in tested.text
    assert BLUESKY[1] not in added.text + tested.text


def test_a_refused_token_is_a_clear_failure_that_shows_no_secret(editor: httpx.Client, mastodon: FakeMastodon):
    _add(editor, "mastodon", instance=f"http://127.0.0.1:{mastodon.port}", token="revoked-token-0000-9999")

    tested = _post(editor, "/editor/channels/mastodon/test")

    assert "mastodon: Mastodon account &#39;mastodon&#39; on 127.0.0.1" in tested.text
    assert "access token refused (401)" in tested.text
    assert "revoked-token-0000-9999" not in tested.text


def test_a_missing_field_is_named_and_nothing_is_stored(editor: httpx.Client, store: Store):
    response = _add(editor, "mastodon", instance="https://mastodon.example", token="")

    assert response.status_code == 422
    assert "Mastodon: Access token is required" in response.text
    with store.session() as session:
        assert session.scalars(select(ChannelAccountRow)).all() == []


def test_a_name_configured_in_the_settings_is_refused(
    live_server, store: Store, monkeypatch: pytest.MonkeyPatch, mastodon: FakeMastodon
):
    live_server.app.state.services.settings = Settings(
        accounts=json.dumps({"mastodon:social": f"mastodon+http://{TOKEN}@127.0.0.1:{mastodon.port}"})
    )
    editors.add_user(store, "admin", "admin-Pa55word-long")
    with httpx.Client(base_url=live_server.url, timeout=10) as client:
        log_in(client, "admin", "admin-Pa55word-long")
        response = _add_mastodon(client, mastodon)

    assert response.status_code == 422
    assert "account &#39;mastodon:social&#39; is already configured in PUBLISHER_ACCOUNTS" in response.text


def test_without_a_secret_key_nothing_can_be_stored(
    live_server, store: Store, monkeypatch: pytest.MonkeyPatch, mastodon: FakeMastodon
):
    monkeypatch.delenv("PUBLISHER_SECRET_KEY")
    live_server.app.state.services.settings = Settings()
    editors.add_user(store, "admin", "admin-Pa55word-long")
    with httpx.Client(base_url=live_server.url, timeout=10) as client:
        log_in(client, "admin", "admin-Pa55word-long")
        page = client.get("/editor/channels").text
        response = _add_mastodon(client, mastodon)

    assert "Accounts cannot be added here: <code>PUBLISHER_SECRET_KEY</code> is not set" in page
    assert response.status_code == 422
    assert "accounts cannot be stored: PUBLISHER_SECRET_KEY is not set" in response.text


def test_an_editor_who_is_not_an_administrator_cannot_add_or_remove(live_server, store: Store, mastodon):
    editors.add_user(store, "admin", "admin-Pa55word-long")
    editors.add_user(store, "writer", "writer-Pa55word", admin=False)
    with httpx.Client(base_url=live_server.url, timeout=10) as client:
        log_in(client, "writer", "writer-Pa55word")
        page = client.get("/editor/channels").text
        response = _add_mastodon(client, mastodon)

    assert "Add a Mastodon account" not in page
    assert response.status_code == 403
    with store.session() as session:
        assert session.scalars(select(ChannelAccountRow)).all() == []


def test_a_label_that_would_break_the_channel_name_is_refused(editor: httpx.Client, mastodon: FakeMastodon):
    response = _add_mastodon(editor, mastodon, label="team/../x")

    assert response.status_code == 422 and "the label may hold letters, digits" in response.text


def test_after_the_key_changed_the_page_says_so_and_the_account_can_still_be_removed(
    live_server, editor: httpx.Client, mastodon: FakeMastodon, monkeypatch: pytest.MonkeyPatch
):
    _add_mastodon(editor, mastodon)
    monkeypatch.setenv("PUBLISHER_SECRET_KEY", "a-different-key")
    live_server.app.state.services.settings = Settings()

    page = editor.get("/editor/channels").text
    removed = _post(editor, "/editor/channels/mastodon:social/remove")

    assert "The social accounts cannot be read: stored account &#39;mastodon:social&#39; cannot be decrypted" in page
    assert '<tr data-account="mastodon:social">' in page
    assert "mastodon:social: removed" in removed.text and "cannot be read" not in removed.text
