"""The publication's Settings and Templates pages (administrators only) and /api/publication, over real HTTP."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from publisher import editors, publication
from publisher.campaigns import templates
from publisher.config import Settings
from publisher.store import Store
from tests.support.factories import seed_article, subscribe
from tests.support.media import image_bytes
from tests.support.web import LiveServer

from .conftest import PASSWORD, csrf_of, log_in

HTML = "email/digest.html.j2"


def form_of(html: str) -> dict[str, str]:
    """The Settings form's fields as the page shows them (text inputs, textareas, the chosen option)."""
    inputs = r'<input id="[^"]+" name="([^"]+)" type="(?:text|email|url|color)"[^>]*value="([^"]*)"'
    fields = dict(re.findall(inputs, html))
    fields |= dict(re.findall(r'<textarea id="[^"]+" name="([^"]+)"[^>]*>([^<]*)</textarea>', html))
    fields["public_list"] = ""
    fields["csrf_token"] = csrf_of(html)
    return fields


def save(client: httpx.Client, files: dict | None = None, **changes: str) -> httpx.Response:
    data = {**form_of(client.get("/editor/settings").text), **changes}
    return client.post("/editor/settings", data=data, files=files or {"logo": ("", b"", "application/octet-stream")})


@pytest.fixture
def ed(live_server: LiveServer, editor: httpx.Client, store: Store) -> Iterator[httpx.Client]:
    """A second editor, not an administrator (the first user, `editor`, is one)."""
    editors.add_user(store, "ed", PASSWORD)
    with httpx.Client(base_url=live_server.url, timeout=10, follow_redirects=False) as client:
        assert log_in(client, "ed").status_code == 303
        yield client


def api(live_server: LiveServer, token: str) -> httpx.Client:
    return httpx.Client(base_url=live_server.url, timeout=10, headers={"Authorization": f"Bearer {token}"})


# --- the Settings page ---------------------------------------------------------------------------------------


def test_the_settings_page_saves_what_changed_and_every_page_shows_the_name(
    editor: httpx.Client, store: Store, settings: Settings
):
    page = editor.get("/editor/settings")
    assert page.status_code == 200 and '<a href="/editor/settings">Settings</a>' in page.text
    assert 'type="color" value="#0b5cad"' in page.text
    assert '<output id="accent-hex" for="accent_colour">#0b5cad' in page.text

    saved = save(
        editor,
        name="The Harbour Post",
        postal_address="1 Quay Street\r\nPort Town",
        accent_colour="#8a1c7c",
        social_mastodon="https://mastodon.example/@harbour",
    )

    assert saved.status_code == 303 and saved.headers["location"] == "/editor/settings?done=saved"
    found = publication.load(store, settings)
    assert (found.name, found.postal_address) == ("The Harbour Post", "1 Quay Street\nPort Town")
    assert found.accent_colour == "#8a1c7c"
    assert found.social_links == {"mastodon": "https://mastodon.example/@harbour"}
    assert found.sender_address == "news@example.org"  # unchanged: still the environment's, not stored
    stored = publication.load(store, settings.model_copy(update={"from_": "Other <other@example.org>"}))
    assert stored.sender_address == "other@example.org"
    shown = editor.get("/editor/settings?done=saved").text
    assert "Settings saved." in shown and '<a class="brand" href="/">The Harbour Post</a>' in shown
    assert "<title>Settings · The Harbour Post</title>" in shown
    assert "The Harbour Post" in editor.get("/digests").text  # the public pages too


def test_a_bad_value_names_the_field_and_keeps_what_was_typed(editor: httpx.Client, store: Store, settings: Settings):
    refused = save(editor, name="Kept name", sender_address="not an address", language="english please")

    assert refused.status_code == 422
    assert 'role="alert">Not saved: sender_address:' in refused.text
    assert re.search(r'name="sender_address" [^>]*value="not an address" aria-invalid="true"', refused.text)
    assert 'value="Kept name"' in refused.text
    assert publication.load(store, settings).name == publication.defaults(settings).name  # nothing stored

    bad_link = save(editor, social_x="javascript:alert(1)")
    assert bad_link.status_code == 422 and "social_links.x must be an http or https URL" in bad_link.text
    assert re.search(r'name="social_x" [^>]*value="javascript:alert\(1\)" aria-invalid="true"', bad_link.text)


def test_the_logo_is_uploaded_shown_as_a_thumbnail_and_removed(editor: httpx.Client, store: Store, settings: Settings):
    png = image_bytes(400, 120, "PNG")

    assert save(editor, files={"logo": ("logo.png", png, "image/png")}).status_code == 303

    logo = publication.load(store, settings).logo_url
    assert logo and logo.startswith("https://news.example.org/media/") and logo.endswith(".png")
    assert f'<img src="{logo}" alt="The current logo"' in editor.get("/editor/settings").text
    assert editor.get(logo.removeprefix("https://news.example.org")).headers["content-type"] == "image/png"

    not_image = save(editor, files={"logo": ("logo.png", b"GIF89a nope", "image/png")})
    assert not_image.status_code == 422 and "logo_url: the logo is not a JPEG, PNG, GIF or WebP image" in not_image.text
    assert publication.load(store, settings).logo_url == logo

    assert save(editor, clear_logo="yes").status_code == 303
    assert publication.load(store, settings).logo_url is None
    assert "No logo yet" in editor.get("/editor/settings").text


def test_settings_and_templates_are_for_administrators(ed: httpx.Client, store: Store, settings: Settings):
    assert ed.get("/editor/settings").status_code == 403
    assert ed.get("/editor/templates").status_code == 403
    csrf = csrf_of(ed.get("/editor/tokens").text)
    assert ed.post("/editor/settings", data={"csrf_token": csrf, "name": "Hijacked"}).status_code == 403
    assert ed.post("/editor/templates", data={"csrf_token": csrf, "name": HTML, "source": "x"}).status_code == 403
    assert publication.load(store, settings).name != "Hijacked"
    assert 'href="/editor/settings"' not in ed.get("/editor/tokens").text


def test_a_form_without_its_csrf_token_is_refused(editor: httpx.Client, store: Store, settings: Settings):
    refused = editor.post("/editor/settings", data={"name": "No token", "csrf_token": "forged"})
    assert refused.status_code == 403 and "security token" in refused.text
    source = templates.shipped_source(settings, HTML)
    assert editor.post("/editor/templates", data={"name": HTML, "source": source, "action": "save"}).status_code == 403
    assert publication.load(store, settings).name != "No token" and templates.overrides(store) == {}


# --- the API -------------------------------------------------------------------------------------------------


def test_the_api_reads_and_changes_the_publication(live_server: LiveServer, editor_user: str, store: Store):
    with api(live_server, editors.create_token(store, editor_user, "admin")) as client:
        assert client.get("/api/publication").json()["name"] == publication.defaults(Settings()).name

        changed = client.patch("/api/publication", json={"name": "Harbour", "social_links": {"bluesky": "https://bsky.app/profile/h"}})
        assert changed.status_code == 200, changed.text
        assert changed.json()["name"] == "Harbour" and changed.json()["social_links"] == {"bluesky": "https://bsky.app/profile/h"}

        back = client.patch("/api/publication", json={"name": None})  # null: the environment's value again
        assert back.json()["name"] == publication.defaults(Settings()).name

        for body, named in [
            ({"accent_colour": "red"}, "accent_colour must be a colour like #0b5cad"),
            ({"public_list": "nobody"}, "public_list: there is no list called 'nobody'"),
            ({"reply_to": "nope"}, "reply_to:"),
        ]:
            refused = client.patch("/api/publication", json=body)
            assert refused.status_code == 422 and refused.json()["detail"].startswith(named), refused.text
        unknown = client.patch("/api/publication", json={"colour": "#000000"})
        assert unknown.status_code == 422 and unknown.json()["detail"][0]["loc"] == ["body", "colour"]


def test_the_api_needs_read_write_and_an_administrator(live_server: LiveServer, editor_user: str, store: Store):
    editors.add_user(store, "ed", PASSWORD)
    tokens = {
        "read only": editors.create_token(store, editor_user, "r", ["read"]),
        "write only": editors.create_token(store, editor_user, "w", ["write"]),
        "not an admin": editors.create_token(store, "ed", "ed", ["read", "write"]),
    }
    with api(live_server, tokens["read only"]) as client:
        assert client.get("/api/publication").status_code == 200
        assert "lacks the 'write' scope" in client.patch("/api/publication", json={"name": "X"}).json()["detail"]
    with api(live_server, tokens["write only"]) as client:
        assert "lacks the 'read' scope" in client.get("/api/publication").json()["detail"]
    with api(live_server, tokens["not an admin"]) as client:
        refused = client.patch("/api/publication", json={"name": "X"})
        assert refused.status_code == 403 and "administrator" in refused.json()["detail"]
    with httpx.Client(base_url=live_server.url) as anonymous:
        assert anonymous.get("/api/publication").status_code == 401
    assert publication.load(store, Settings()).name != "X"


# --- the Templates page --------------------------------------------------------------------------------------


def post_template(client: httpx.Client, action: str, source: str, name: str = HTML) -> httpx.Response:
    csrf = csrf_of(client.get("/editor/templates").text)
    return client.post("/editor/templates", data={"csrf_token": csrf, "name": name, "source": source, "action": action})


def test_preview_then_save_then_reset_a_template(editor: httpx.Client, store: Store, settings: Settings):
    source = templates.shipped_source(settings, HTML).replace("Hello {{ personal.name }},", "Ahoy {{ personal.name }}!")
    page = editor.get("/editor/templates").text
    assert page.count('<textarea id="') == 2 and "shipped</span>" in page

    preview = post_template(editor, "preview", source)
    assert preview.status_code == 200 and "Ahoy Alex Reader!" in preview.text  # in the iframe's srcdoc, escaped
    assert 'sandbox="" srcdoc="' in preview.text and templates.overrides(store) == {}

    saved = post_template(editor, "save", source)
    assert saved.status_code == 303 and saved.headers["location"] == "/editor/templates?done=saved#email-digest-html-j2"
    assert templates.overrides(store) == {HTML: source}
    assert "changed</span>" in editor.get("/editor/templates").text

    csrf = csrf_of(editor.get("/editor/templates").text)
    reset = editor.post("/editor/templates/reset", data={"csrf_token": csrf, "name": HTML})
    assert reset.status_code == 303 and templates.overrides(store) == {}


def test_a_template_that_does_not_render_is_refused_with_its_line(editor: httpx.Client, store: Store):
    for action in ("save", "preview"):
        refused = post_template(editor, action, "<p>\n{{ ''.__class__.__mro__ }}\n</p>")
        assert refused.status_code == 422
        assert "Not saved: line 2: refused by the sandbox: access to attribute &#39;__class__&#39;" in refused.text
        assert 'data-error-line="2" aria-invalid="true"' in refused.text
        assert "{{ &#39;&#39;.__class__.__mro__ }}" in refused.text  # the source is kept to fix
    assert templates.overrides(store) == {}
    assert post_template(editor, "save", "x", name="web/base.html.j2").status_code == 422


# --- the Send page's accessibility warnings ------------------------------------------------------------------


def test_the_send_page_shows_the_accessibility_findings_as_warnings(
    editor: httpx.Client, store: Store, settings: Settings, seed_path: Path
):
    article_id = seed_article(store, seed_path)
    subscribe(store, "readers", 2)

    def confirm_page() -> str:
        form = editor.get(f"/editor/articles/{article_id}/send").text
        data = {"csrf_token": csrf_of(form), "list": "readers", "content": "full", "when": "now"}
        answer = editor.post(f"/editor/articles/{article_id}/send", data=data)
        assert answer.status_code == 200
        return answer.text

    assert "Accessibility check: nothing found" in confirm_page()
    publication.update(store, settings, {"accent_colour": "#9fc5ef"})
    shown = confirm_page()
    assert "Accessibility check: 1 warning</strong>" in shown and 'data-code="low_contrast"' in shown
    assert "#9fc5ef on #fff: contrast 1.79:1" in shown
    assert "Yes, send to 2 subscribers" in shown  # a warning, not a block


def test_the_signup_answer_names_the_publication_without_reading_the_store(
    editor: httpx.Client, http: httpx.Client, store: Store, settings: Settings
):
    publication.update(store, settings, {"name": "The Harbour Post"})
    assert "The Harbour Post" in http.get("/subscribe").text  # read from the store, and kept by the process

    answer = http.post("/subscribe", data={"email": "new@example.com", "list": "default"})

    assert answer.status_code == 200 and '<a class="brand" href="/">The Harbour Post</a>' in answer.text
