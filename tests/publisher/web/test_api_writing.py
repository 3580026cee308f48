"""The REST API takes and returns the document (issue 11): an article written as a title with Markdown or
with a document's JSON, its Markdown in every answer, PATCH that edits the document without losing its
formatting, and images uploaded with POST /api/media."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from publisher import editors, library
from publisher.articles import blocks as doc
from publisher.articles import to_json
from publisher.config import Settings
from publisher.store import Store
from tests.support.media import png
from tests.support.web import LiveServer

MARKDOWN = "A [link](https://example.org/a) and **strong** words.\n\n- one\n- two\n"


def token_client(live_server: LiveServer, store: Store, scopes: frozenset[str] | None = None) -> httpx.Client:
    if not editors.list_users(store):
        editors.add_user(store, "robot", "a long enough password")
    token = editors.create_token(store, "robot", f"t{len(str(scopes))}", scopes or frozenset(editors.SCOPES))
    return httpx.Client(base_url=live_server.url, headers={"Authorization": f"Bearer {token}"}, timeout=10)


@pytest.fixture
def api(live_server: LiveServer, store: Store) -> Iterator[httpx.Client]:
    with token_client(live_server, store) as client:
        yield client


def write(api: httpx.Client, **body: object) -> httpx.Response:
    return api.post("/api/articles", json=body)


def test_an_article_written_in_markdown_comes_back_with_its_document_and_markdown(api: httpx.Client):
    created = write(api, title="Written", markdown=MARKDOWN)

    assert created.status_code == 201 and created.json()["created"] is True
    article = api.get(f"/api/articles/{created.json()['id']}").json()
    assert article["title"] == "Written" and article["markdown"] == MARKDOWN
    link = article["blocks"]["blocks"][0]["children"][1]
    assert link == {"type": "link", "href": "https://example.org/a", "children": [{"type": "text", "text": "link"}]}
    assert write(api, title="Written", markdown=MARKDOWN).json() == {"id": created.json()["id"], "created": False}


def test_an_article_written_as_a_document_is_stored_as_given(api: httpx.Client, store: Store):
    blocks = (
        doc.Paragraph((doc.Text("Hello "), doc.Emphasis((doc.Text("world"),)))),
        doc.Image("https://cdn.example.org/a.png", "An image", "Its caption", 640, 480),
    )
    created = write(api, title="As a document", blocks=to_json(blocks), lang="de")

    assert created.status_code == 201
    article = library.get_article(store, created.json()["id"])
    assert article.blocks == blocks and article.lang == "de" and article.summary == "Hello world"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"title": "T", "blocks": {"version": 2, "blocks": []}}, "unknown document version 2"),
        ({"title": "T", "blocks": {"version": 1, "blocks": [{"type": "table"}]}}, "blocks[0]: unknown block type"),
        (
            {"title": "T", "blocks": {"version": 1, "blocks": [{"type": "heading", "level": 9, "children": []}]}},
            "blocks[0]: a heading's level is 1 to 6, not 9",
        ),
        ({"title": "T", "blocks": {"version": 1, "blocks": [{"type": "rule"}]}}, "has a title but no body"),
        ({"title": "T", "markdown": "## only a heading"}, "has a title but no body"),
        ({"title": "   ", "markdown": "Text."}, "the title cannot be empty"),
        ({"markdown": "Text."}, "markdown needs a title"),
        ({"title": "T", "markdown": "Text.", "text": "T\nText."}, "send one of text"),
        ({"title": "T"}, "send one of text"),
    ],
)
def test_a_bad_article_is_a_422_naming_the_problem(api: httpx.Client, store: Store, body: dict, message: str):
    answer = write(api, **body)

    assert answer.status_code == 422 and message in answer.json()["detail"], answer.text
    assert library.list_articles(store) == []


def test_patching_only_the_title_keeps_the_formatting(api: httpx.Client, store: Store):
    article_id = write(api, title="Before", markdown=MARKDOWN).json()["id"]
    before = library.get_article(store, article_id).blocks

    patched = api.patch(f"/api/articles/{article_id}", json={"title": "After"})

    assert patched.status_code == 200 and patched.json()["title"] == "After"
    assert library.get_article(store, article_id).blocks == before
    assert patched.json()["markdown"] == MARKDOWN


def test_patching_the_markdown_or_the_document_replaces_the_body(api: httpx.Client, store: Store):
    article_id = write(api, title="T", markdown=MARKDOWN).json()["id"]

    by_markdown = api.patch(f"/api/articles/{article_id}", json={"markdown": "> A _quote_ now.\n"})
    assert by_markdown.status_code == 200 and by_markdown.json()["summary"] == "A quote now."
    quote = doc.Quote((doc.Paragraph((doc.Text("A "), doc.Emphasis((doc.Text("quote"),)), doc.Text(" now."))),))
    assert library.get_article(store, article_id).blocks == (quote,)

    rule_and_text = (doc.Rule(), doc.Paragraph((doc.Text("Replaced."),)))
    by_blocks = api.patch(f"/api/articles/{article_id}", json={"blocks": to_json(rule_and_text)})
    assert by_blocks.status_code == 200 and by_blocks.json()["markdown"] == "---\n\nReplaced.\n"
    assert library.get_article(store, article_id).blocks == rule_and_text

    both = api.patch(f"/api/articles/{article_id}", json={"markdown": "x", "blocks": to_json(rule_and_text)})
    assert both.status_code == 422 and "at most one of markdown, blocks and sections" in both.json()["detail"]
    bad = api.patch(f"/api/articles/{article_id}", json={"blocks": {"version": 1, "blocks": [{"type": "x"}]}})
    assert bad.status_code == 422 and "unknown block type 'x'" in bad.json()["detail"]


# --- POST /api/media ---


def test_an_image_uploaded_through_the_api_goes_into_a_document_with_its_size(api: httpx.Client, settings: Settings):
    uploaded = api.post("/api/media", files={"file": ("chart.png", png(900, 300), "image/png")})

    assert uploaded.status_code == 201
    image = uploaded.json()
    assert image["url"].startswith(f"{settings.base_url}/media/") and image["width"] == 900
    created = write(api, title="With an image", markdown=f"Text.\n\n![A chart]({image['url']})\n")
    article = api.get(f"/api/articles/{created.json()['id']}").json()
    assert article["blocks"]["blocks"][1] == {
        "type": "image", "src": image["url"], "local": None, "alt": "A chart", "caption": None,
        "width": 900, "height": 300,  # from the media store, so the digest can size it for Outlook
    }


def test_a_file_that_is_not_an_image_is_a_422(api: httpx.Client):
    answer = api.post("/api/media", files={"file": ("notes.txt", b"just text", "text/plain")})

    assert answer.status_code == 422
    assert answer.json()["detail"] == "notes.txt is not a JPEG, PNG, GIF or WebP image"


def test_uploading_needs_the_write_scope(live_server: LiveServer, store: Store, settings: Settings):
    with token_client(live_server, store, frozenset({"read", "send"})) as reader:
        answer = reader.post("/api/media", files={"file": ("a.png", png(), "image/png")})

    assert answer.status_code == 403 and "lacks the 'write' scope" in answer.json()["detail"]
    assert not (settings.media_dir / "img").exists()


def test_an_upload_larger_than_an_image_may_be_is_413(api: httpx.Client, live_server, monkeypatch):
    monkeypatch.setattr(live_server.app.state.services.settings, "media_max_bytes", 4096)
    answer = api.post("/api/media", files={"file": ("big.png", b"x" * (200 * 1024), "image/png")})

    assert answer.status_code == 413 and "PUBLISHER_MEDIA_MAX_BYTES" in answer.json()["detail"]
