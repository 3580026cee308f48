"""The publication's tracking mode and UTM switch: the environment's default, the Settings page, the API,
and a bad value named."""

from __future__ import annotations

import httpx
import pytest

from publisher import editors, publication
from publisher.config import Settings
from publisher.publication import InvalidPublication
from publisher.store import Store
from tests.support.web import LiveServer

from .test_publication_web import save


def test_aggregate_is_the_default_and_the_environment_can_change_it(store: Store, monkeypatch: pytest.MonkeyPatch):
    assert publication.load(store, Settings()).tracking == "aggregate"
    assert publication.load(store, Settings()).utm is False
    monkeypatch.setenv("PUBLISHER_TRACKING", "off")
    monkeypatch.setenv("PUBLISHER_UTM", "true")
    assert (publication.load(store, Settings()).tracking, publication.load(store, Settings()).utm) == ("off", True)


def test_a_bad_mode_is_named_and_nothing_is_stored(store: Store, settings: Settings):
    with pytest.raises(InvalidPublication, match="tracking must be one of off, aggregate, individual"):
        publication.update(store, settings, {"name": "Kept?", "tracking": "everything"})
    with pytest.raises(InvalidPublication, match="utm must be true or false"):
        publication.update(store, settings, {"utm": "yes"})
    assert publication.load(store, settings).name == publication.defaults(settings).name


def test_the_settings_page_chooses_the_mode_and_utm(editor: httpx.Client, store: Store, settings: Settings):
    page = editor.get("/editor/settings").text
    assert '<option value="aggregate" selected>' in page
    saved = save(editor, tracking="individual", utm_shown="yes", utm="yes")
    assert saved.status_code == 303
    found = publication.load(store, settings)
    assert (found.tracking, found.utm) == ("individual", True)
    page = editor.get("/editor/settings").text
    assert '<option value="individual" selected>' in page and 'name="utm" value="yes" checked' in page
    assert save(editor, utm_shown="yes").status_code == 303  # the box unticked: UTM off again
    assert publication.load(store, settings).utm is False
    refused = save(editor, tracking="spy")
    assert refused.status_code == 422 and "tracking must be one of" in refused.text


def test_the_api_reads_and_changes_the_mode(live_server: LiveServer, editor_user: str, store: Store):
    token = editors.create_token(store, editor_user, "admin")
    with httpx.Client(base_url=live_server.url, timeout=10, headers={"Authorization": f"Bearer {token}"}) as client:
        assert client.get("/api/publication").json()["tracking"] == "aggregate"
        changed = client.patch("/api/publication", json={"tracking": "off", "utm": True})
        assert changed.status_code == 200 and (changed.json()["tracking"], changed.json()["utm"]) == ("off", True)
        refused = client.patch("/api/publication", json={"tracking": "all"})
        assert refused.status_code == 422 and refused.json()["detail"].startswith("tracking must be one of")
