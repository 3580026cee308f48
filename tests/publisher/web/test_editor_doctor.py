"""The channels page runs `publisher doctor`'s checks for administrators, on demand only: one row per check
with its verdict and message, never a path of the machine."""

from __future__ import annotations

import httpx

from publisher import editors
from publisher.config import Settings
from publisher.store import Store

from .conftest import csrf_of, log_in


def test_the_checks_run_on_the_button_not_on_every_page_load(editor: httpx.Client, settings: Settings):
    listing = editor.get("/editor/channels").text
    assert "Run all checks" in listing and 'data-check="' not in listing

    page = editor.post("/editor/channels/doctor", data={"csrf_token": csrf_of(listing)})

    assert page.status_code == 200
    for check in ("database", "broker", "workers", "smtp", "dkim", "base URL", "media store", "postal address"):
        assert f'<tr data-check="{check}">' in page.text
    assert '<tr data-check="database"><td>database</td><td><span class="badge verdict-ok">ok</span>' in page.text
    assert str(settings.data_dir) not in page.text
    assert "Run all checks again" in page.text


def test_an_editor_who_is_not_an_administrator_sees_no_button_and_cannot_run_them(
    editor: httpx.Client, live_server, store: Store
):
    editors.add_user(store, "writer", "writer-Pa55word", admin=False)
    with httpx.Client(base_url=live_server.url, timeout=10) as writer:
        assert log_in(writer, "writer", "writer-Pa55word").status_code == 303
        listing = writer.get("/editor/channels").text
        assert "Run all checks" not in listing
        refused = writer.post("/editor/channels/doctor", data={"csrf_token": csrf_of(listing)})
        assert refused.status_code == 403 and 'data-check="' not in refused.text
