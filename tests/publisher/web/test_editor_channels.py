"""The channels page lists the configured social accounts without a secret, and "Test connection" signs in
to Mastodon, X and Bluesky (local fakes that check the credentials) without posting."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from publisher.config import Settings
from tests.support.fakes import FakeBluesky, FakeMastodon, FakeWebhook, FakeX, running
from tests.support.social import BLUESKY, MASTODON_TOKEN, WEBHOOK_SECRET, X_KEYS

from .conftest import csrf_of

SECRETS = [MASTODON_TOKEN, BLUESKY[1], WEBHOOK_SECRET, *X_KEYS, "/hooks/T1/B2"]


@pytest.fixture
def fakes() -> Iterator[dict[str, object]]:
    servers = {
        "mastodon": FakeMastodon(MASTODON_TOKEN),
        "x": FakeX(*X_KEYS),
        "bluesky": FakeBluesky(*BLUESKY),
        "webhook": FakeWebhook(WEBHOOK_SECRET),
    }
    with running(servers["mastodon"]), running(servers["x"]), running(servers["bluesky"]):
        with running(servers["webhook"]):
            yield servers


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch, fakes: dict) -> Settings:
    ck, cs, at, as_ = X_KEYS
    accounts = {
        "mastodon:social": f"mastodon+http://{MASTODON_TOKEN}@127.0.0.1:{fakes['mastodon'].port}",
        "mastodon:stale": f"mastodon+http://revoked-token@127.0.0.1:{fakes['mastodon'].port}",
        "x": f"x://{ck}:{cs}@{at}:{as_}?api={fakes['x'].base_url}",
        "bluesky": f"bluesky+http://{BLUESKY[0]}:{BLUESKY[1]}@127.0.0.1:{fakes['bluesky'].port}",
        "webhook:team": f"webhook+http://127.0.0.1:{fakes['webhook'].port}/hooks/T1/B2?secret={WEBHOOK_SECRET}",
    }
    monkeypatch.setenv("PUBLISHER_ACCOUNTS", json.dumps(accounts))
    return Settings()


def _test(editor: httpx.Client, name: str) -> str:
    token = csrf_of(editor.get("/editor/channels").text)
    response = editor.post(f"/editor/channels/{name}/test", data={"csrf_token": token})
    assert response.status_code == 200
    return response.text


def test_channels_page_lists_each_social_account_and_no_secret(editor: httpx.Client, fakes: dict):
    page = editor.get("/editor/channels").text

    for name, network in [
        ("mastodon:social", "mastodon"),
        ("x", "x"),
        ("bluesky", "bluesky"),
        ("webhook:team", "webhook"),
    ]:
        assert f'<tr data-channel="{name}"><td>{name}</td><td>{network}</td>' in page
    assert f"editor.example.org on 127.0.0.1:{fakes['bluesky'].port}" in page
    for secret in SECRETS:
        assert secret not in page


def test_test_connection_signs_in_to_each_network_without_posting(editor: httpx.Client, fakes: dict):
    mastodon = _test(editor, "mastodon:social")
    x = _test(editor, "x")
    bluesky = _test(editor, "bluesky")

    assert "mastodon:social: credentials accepted: signed in as @editor; nothing was posted" in mastodon
    assert "x: credentials accepted: signed in as @testdesk; nothing was posted" in x
    assert "bluesky: credentials accepted: signed in as @editor.example.org; nothing was posted" in bluesky
    assert fakes["mastodon"].credential_checks == 1 and fakes["x"].credential_checks == 1
    assert fakes["bluesky"].sessions == 1
    assert all(server.posts == [] for server in fakes.values())


def test_a_refused_token_is_reported_without_the_token(editor: httpx.Client, fakes: dict):
    page = _test(editor, "mastodon:stale")

    assert "Mastodon account &#39;mastodon:stale&#39; on 127.0.0.1" in page and "access token refused (401)" in page
    assert "revoked-token" not in page
    assert fakes["mastodon"].credential_checks == 0


def test_a_webhook_is_only_opened_and_closed_and_the_page_says_so(editor: httpx.Client, fakes: dict):
    page = _test(editor, "webhook:team")

    assert "webhook:team: configured correctly: opened and closed without error (no credentials check exists)" in page
    assert fakes["webhook"].posts == [] and fakes["webhook"].paths == []
    assert WEBHOOK_SECRET not in page
