"""The editor and the API refuse broken subscriber CSVs with the line and bad names naming the field
(issue 18, item 11), against the app served by uvicorn."""

from __future__ import annotations

import httpx
import pytest

from publisher import editing, editors
from publisher.store import Store
from tests.publisher.web.conftest import csrf_of


def _post(client: httpx.Client, action: str, **kwargs: object) -> httpx.Response:
    token = csrf_of(client.get("/editor/subscribers").text)
    data = {"csrf_token": token, **kwargs.pop("data", {})}  # type: ignore[dict-item]
    return client.post(action, data=data, **kwargs)  # type: ignore[arg-type]


def test_the_editor_import_refuses_broken_csv_with_the_line_not_a_500(editor: httpx.Client, store: Store):
    huge = b"email,name\nann@example.com," + b"x" * 200_000 + b"\nbob@example.com,Bob\n"
    broken = b'email,name\nann@example.com,"Ann\nbob@example.com,Bob\n'

    def upload(data: bytes, **form: str) -> httpx.Response:
        files = {"file": ("subs.csv", data, "text/csv")}
        return _post(editor, "/editor/subscribers/import", data={"list": "news", **form}, files=files)

    refused = upload(huge)
    assert refused.status_code == 422 and "line 2: a field is longer than 128 KiB" in refused.text
    never_closed = upload(broken, skip_bad="yes")
    assert never_closed.status_code == 422 and "line 2: a quote opened here is never closed" in never_closed.text
    assert editing.search_subscribers(store) == []

    skipped = upload(huge, skip_bad="yes")
    assert skipped.status_code == 200 and "1 added to news" in skipped.text and "line 2: a field" in skipped.text


def test_the_editor_add_form_refuses_a_name_with_a_line_break(editor: httpx.Client, store: Store):
    answer = _post(
        editor, "/editor/subscribers/add", data={"emails": "bob@example.com", "list": "news", "name": "B\nob"}
    )
    assert answer.status_code == 422 and "name contains a line break or NUL" in answer.text


@pytest.mark.parametrize("name", ["B\rob", "B\nob", "B\x00ob"])
def test_the_api_refuses_a_name_with_a_line_break_or_nul_naming_the_field(live_server, store: Store, name: str):
    editors.add_user(store, "robot", "a long enough password")
    token = editors.create_token(store, "robot", "tests")
    answer = httpx.post(
        f"{live_server.url}/api/subscribers",
        json={"emails": ["bob@example.com"], "list_name": "news", "name": name},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 422 and "name contains a line break or NUL" in answer.json()["detail"]
