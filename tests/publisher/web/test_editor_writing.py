"""Writing in the editor over real HTTP (issue 11): the New article page, saving Markdown through the
importer, editing an article as Markdown without losing its formatting, the live preview, image uploads."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from publisher import importers, library
from publisher.articles import blocks as doc
from publisher.config import Settings
from publisher.store import Store
from tests.support.factories import seed_article
from tests.support.media import png

from .conftest import csrf_of

RICH = """Read [the report](https://example.org/report) first, it has *emphasis* and **strong** words.

## What changed

- one
- two, with a [link](https://example.org/two)

1. first
2. second

> A quote.

![A chart of the results](https://cdn.example.org/chart.png "Figure 1")
"""


def post_form(client: httpx.Client, page: str, action: str, data: dict | None = None, **kwargs) -> httpx.Response:
    token = csrf_of(client.get(page).text)
    return client.post(action, data={"csrf_token": token, **(data or {})}, **kwargs)


def article_id_of(response: httpx.Response) -> int:
    match = re.fullmatch(r"/editor/articles/(\d+)\?done=\w[\w-]*", response.headers["location"])
    assert match, response.headers.get("location")
    return int(match.group(1))


def test_the_nav_and_the_articles_list_lead_to_a_new_article(editor: httpx.Client):
    page = editor.get("/editor/articles").text

    assert page.count('href="/editor/articles/new"') == 2  # the nav link and the list's button
    new = editor.get("/editor/articles/new")
    assert new.status_code == 200
    assert '<textarea id="markdown" name="markdown"' in new.text and 'src="/static/writer.js"' in new.text
    assert "<script>" not in new.text  # no inline script: the policy allows /static only


def test_a_new_article_keeps_links_lists_quotes_and_images(editor: httpx.Client, store: Store):
    response = post_form(editor, "/editor/articles/new", "/editor/articles/new", {"title": "Rich", "markdown": RICH})

    assert response.status_code == 303 and response.headers["location"].endswith("?done=created")
    article = library.get_article(store, article_id_of(response))
    assert article.title == "Rich" and article.source["format"] == "markdown"
    assert article.blocks == importers.parse(f"# Rich\n\n{RICH}".encode(), "same.md").blocks
    kinds = [type(b).__name__ for b in article.blocks]
    assert kinds == ["Paragraph", "Heading", "ListBlock", "ListBlock", "Quote", "Image"]


def test_a_new_article_without_a_body_is_refused_keeping_what_was_typed(editor: httpx.Client, store: Store):
    response = post_form(
        editor, "/editor/articles/new", "/editor/articles/new", {"title": "Only a title", "markdown": "## Lonely"}
    )

    assert response.status_code == 422
    assert "the article: has a title but no body" in response.text
    assert 'value="Only a title"' in response.text and "## Lonely</textarea>" in response.text
    assert library.list_articles(store) == []


def test_a_new_article_without_csrf_is_refused(editor: httpx.Client, store: Store):
    response = editor.post("/editor/articles/new", data={"title": "T", "markdown": "Text."})

    assert response.status_code == 403
    assert library.list_articles(store) == []


def test_editing_an_html_import_shows_its_markdown_and_saving_it_unchanged_changes_nothing(
    editor: httpx.Client, store: Store
):
    page = b"""<h1>From the web</h1><p>A <a href="https://example.org/x?a=1&amp;b=2">link</a> and
    <em>emphasis</em>.</p><ol start="3"><li>three</li><li>four</li></ol>
    <img src="https://cdn.example.org/p.jpg" alt="A photo" width="800" height="600">"""
    [(article_id, _)] = library.save_articles(store, [importers.parse(page, "page.html")])
    before = library.get_article(store, article_id)

    shown = editor.get(f"/editor/articles/{article_id}").text
    markdown = re.search(r'<textarea id="markdown"[^>]*>(.*?)</textarea>', shown, re.DOTALL).group(1)
    markdown = markdown.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&#34;", '"')
    assert "[link](https://example.org/x?a=1&b=2)" in markdown and "3. three" in markdown
    saved = post_form(
        editor, f"/editor/articles/{article_id}", f"/editor/articles/{article_id}",
        {"title": "From the web", "markdown": markdown},
    )

    assert saved.status_code == 303
    assert library.get_article(store, article_id).blocks == before.blocks


def test_an_edit_changes_the_document_and_keeps_the_slug(editor: httpx.Client, store: Store, seed_path: Path):
    article_id = seed_article(store, seed_path)
    slug = library.get_article(store, article_id).slug
    response = post_form(
        editor, f"/editor/articles/{article_id}", f"/editor/articles/{article_id}",
        {"title": "  A  new title ", "markdown": "First, **edited**.\n\n## Added\n\n- a [link](https://example.org/)"},
    )

    assert response.status_code == 303
    article = library.get_article(store, article_id)
    assert article.title == "A new title" and article.slug == slug
    assert article.blocks[0] == doc.Paragraph((doc.Text("First, "), doc.Strong((doc.Text("edited"),)), doc.Text(".")))
    assert article.summary == "First, edited."


@pytest.mark.parametrize(
    ("title", "markdown", "message"),
    [
        ("", "Text.", "the title cannot be empty"),
        ("T", "", "has a title but no body"),
        ("T", "## A heading alone", "has a title but no body"),
        ("T", "Text with a NUL \x00", "NUL character"),
    ],
)
def test_an_edit_that_cannot_be_saved_names_the_problem_and_keeps_the_article(
    editor: httpx.Client, store: Store, seed_path: Path, title: str, markdown: str, message: str
):
    article_id = seed_article(store, seed_path)
    before = library.get_article(store, article_id)
    page = f"/editor/articles/{article_id}"
    response = post_form(editor, page, page, {"title": title, "markdown": markdown})

    assert response.status_code == 422 and message in response.text
    assert library.get_article(store, article_id) == before


# --- the live preview ---


def preview(editor: httpx.Client, **fields: str) -> httpx.Response:
    return post_form(editor, "/editor/articles/new", "/editor/preview", fields)


def test_the_preview_is_the_digest_as_a_reader_gets_it(editor: httpx.Client):
    answer = preview(editor, title="Preview me", markdown=RICH)

    assert answer.status_code == 200 and answer.json()["problem"] == ""
    html = answer.json()["html"]
    assert html.startswith("<!DOCTYPE html>") and "Hello Alex Reader" in html  # the digest, sample reader
    assert "Preview me" in html and 'href="https://example.org/report"' in html
    assert '<img src="https://cdn.example.org/chart.png" alt="A chart of the results"' in html
    assert "<li" in html and "<blockquote" in html


def test_a_preview_of_what_cannot_be_saved_says_why(editor: httpx.Client):
    answer = preview(editor, title="", markdown="")

    assert answer.json() == {"html": "", "problem": "the article: has a title but no body"}


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script> text",
        '<img src=x onerror="alert(1)"> text',
        "[click](javascript:alert(1)) text",
        '<a href="javascript:alert(1)">click</a> text',
        "<iframe src=https://evil.example></iframe> text",
        '<p style="background:url(javascript:alert(1))" onclick="alert(1)">text</p>',
        "![x](javascript:alert(1)) text",
    ],
)
def test_hostile_markdown_stays_inert_in_the_preview(editor: httpx.Client, hostile: str):
    html = preview(editor, title="<script>alert('t')</script>", markdown=hostile).json()["html"]

    lowered = html.lower()
    assert "<script" not in lowered and "javascript:" not in lowered
    assert "onerror" not in lowered and "onclick" not in lowered and "<iframe" not in lowered
    assert "&lt;script&gt;alert" in html  # the title is text


def test_the_preview_needs_the_csrf_token(editor: httpx.Client, http: httpx.Client):
    assert editor.post("/editor/preview", data={"title": "T", "markdown": "x"}).status_code == 403
    assert http.post("/editor/preview", data={"title": "T", "markdown": "x"}).status_code == 303  # to /login


# --- image uploads ---


def upload(editor: httpx.Client, data: bytes, name: str = "photo.png", token: str | None = None) -> httpx.Response:
    csrf = token if token is not None else csrf_of(editor.get("/editor/articles/new").text)
    return editor.post("/editor/media", data={"csrf_token": csrf}, files={"file": (name, data, "image/png")})


def test_an_uploaded_image_is_stored_and_served(editor: httpx.Client, settings: Settings):
    answer = upload(editor, png(1600, 800))

    assert answer.status_code == 201
    image = answer.json()
    assert image["url"].startswith(f"{settings.base_url}/media/img/")
    assert (image["width"], image["height"]) == (1200, 600)
    assert [c["width"] for c in image["copies"]] == [600, 1200, 1600]
    served = editor.get(image["url"].removeprefix(settings.base_url))
    assert served.status_code == 200 and served.headers["content-type"] == "image/png"
    assert upload(editor, png(1600, 800)).json()["id"] == image["id"]  # the same file is stored once


def test_a_file_that_is_not_an_image_is_refused_naming_it(editor: httpx.Client):
    answer = upload(editor, b"%PDF-1.7 not an image", "notes.pdf")

    assert answer.status_code == 422
    assert answer.json() == {"detail": "notes.pdf is not a JPEG, PNG, GIF or WebP image"}


def limit(live_server, monkeypatch: pytest.MonkeyPatch, name: str, value: int) -> None:
    """One media limit of the running app's settings lowered for a test."""
    monkeypatch.setattr(live_server.app.state.services.settings, name, value)


def test_an_image_over_the_byte_limit_is_refused_naming_the_limit(editor: httpx.Client, live_server, monkeypatch):
    limit(live_server, monkeypatch, "media_max_bytes", 2048)
    answer = upload(editor, png(400, 400, (1, 2, 3)) + b"\0" * 4096)

    assert answer.status_code == 422
    assert "images may be at most" in answer.json()["detail"]


def test_a_body_larger_than_an_image_may_be_is_413(editor: httpx.Client, live_server, monkeypatch):
    limit(live_server, monkeypatch, "media_max_bytes", 2048)
    answer = upload(editor, b"x" * (2048 + 70 * 1024))

    assert answer.status_code == 413
    assert "PUBLISHER_MEDIA_MAX_BYTES" in answer.json()["detail"]


def test_an_image_over_the_pixel_limit_is_refused_naming_the_limit(editor: httpx.Client, live_server, monkeypatch):
    limit(live_server, monkeypatch, "media_max_pixels", 10_000)
    answer = upload(editor, png(200, 100))

    assert answer.status_code == 422
    assert answer.json()["detail"] == (
        "photo.png is 200x100 pixels (0.0 megapixels); images may have at most 0.01 megapixels"
    )


def test_an_upload_without_the_csrf_token_is_refused(editor: httpx.Client, settings: Settings):
    answer = upload(editor, png(), token="forged")

    assert answer.status_code == 403
    assert not (settings.media_dir / "img").exists()


def test_an_upload_without_a_file_names_the_field(editor: httpx.Client):
    token = csrf_of(editor.get("/editor/articles/new").text)
    answer = editor.post("/editor/media", data={"csrf_token": token})

    assert answer.status_code == 422 and "`file`" in answer.json()["detail"]
