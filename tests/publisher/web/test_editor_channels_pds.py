""" "Test connection" on the channels page against a real Bluesky PDS (no AppView): it signs in, posts nothing."""

from __future__ import annotations

import json
import secrets

import httpx
import pytest

from publisher.config import Settings
from tests.support.pds import INSTALL_TIMEOUT, ON_THE_PDS_WORKER, Pds, shared_pds

from .conftest import csrf_of

pytestmark = [pytest.mark.timeout(INSTALL_TIMEOUT), ON_THE_PDS_WORKER]  # the first test may install the PDS from npm


@pytest.fixture
def pds() -> Pds:
    """The run's PDS; skips (fails under CI=true) with the reason when node, npm or the package is missing."""
    return shared_pds()


@pytest.fixture
def account(pds: Pds) -> dict[str, str]:
    handle = f"desk-{secrets.token_hex(3)}.test"
    session = pds.create_account(handle, secrets.token_urlsafe(12))
    return {"handle": handle, "did": session["did"], "app_password": pds.app_password(session["accessJwt"])}


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch, pds: Pds, account: dict[str, str]) -> Settings:
    accounts = {
        "bluesky": f"bluesky+http://{account['handle']}:{account['app_password']}@127.0.0.1:{pds.port}",
        "bluesky:stale": f"bluesky+http://{account['handle']}:aaaa-bbbb-cccc-dddd@127.0.0.1:{pds.port}",
    }
    monkeypatch.setenv("PUBLISHER_ACCOUNTS", json.dumps(accounts))
    return Settings()


def _test(editor: httpx.Client, name: str) -> str:
    token = csrf_of(editor.get("/editor/channels").text)
    response = editor.post(f"/editor/channels/{name}/test", data={"csrf_token": token})
    assert response.status_code == 200
    return response.text


def test_test_connection_signs_in_to_the_pds_and_posts_nothing(editor: httpx.Client, pds: Pds, account: dict):
    page = _test(editor, "bluesky")

    assert f"bluesky: credentials accepted: signed in as @{account['handle']}; nothing was posted" in page
    assert pds.records(account["did"]) == []
    assert account["app_password"] not in page


def test_test_connection_with_a_wrong_app_password_says_so_without_showing_it(editor: httpx.Client):
    page = _test(editor, "bluesky:stale")

    assert "bluesky:stale" in page and "refused" in page
    assert "aaaa-bbbb-cccc-dddd" not in page
