"""Markdown and HTML through the editor's import form and the API, and hostile HTML from import to the
public article page and the email digest: inert all the way."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from publisher import editing, editors, library
from publisher.config import Settings
from publisher.render.email import render_digest
from publisher.store import Store
from tests.support.web import LiveServer

from .conftest import csrf_of

HOSTILE_PAGE = b"""<!doctype html><html><head><title>ignored</title>
<style>body{background:url("javascript:alert(1)")}</style><script>alert(1)</script></head>
<body onload="alert(1)">
<h1>Hostile <img src=x onerror="alert(1)">page</h1>
<p>Visible <a href="javascript:alert(1)">link</a> text<script>alert(1)</script>.</p>
<p><iframe src="https://evil.example/"></iframe><!-- <script>alert(1)</script> -->Second paragraph.</p>
<p>An article about &lt;script&gt;alert(2)&lt;/script&gt; tags.</p>
</body></html>"""


def _import(client: httpx.Client, data: dict | None = None, **kwargs) -> httpx.Response:
    token = csrf_of(client.get("/editor/articles").text)
    return client.post("/editor/articles/import", data={"csrf_token": token, **(data or {})}, **kwargs)


def _article_id(response: httpx.Response) -> int:
    assert response.status_code == 303, response.text
    match = re.fullmatch(r"/editor/articles/(\d+)\?done=imported", response.headers["location"])
    assert match
    return int(match.group(1))


def test_the_form_offers_the_new_formats(editor: httpx.Client):
    page = editor.get("/editor/articles").text
    assert 'accept=".txt,.text,.md,.markdown,.html,.htm' in page
    assert '<option value="markdown">' in page and '<option value="html">' in page


def test_upload_a_markdown_file(editor: httpx.Client, store: Store):
    files = {"file": ("notes.md", b"# From Markdown\n\nA *first* paragraph.\n\n## Part\n\n- item\n", "text/markdown")}

    article = library.get_article(store, _article_id(_import(editor, files=files)))

    assert article.title == "From Markdown"
    assert [(s.heading, s.paragraphs) for s in article.sections] == [
        (None, ("A first paragraph.",)),
        ("Part", ("item",)),
    ]
    assert article.source["format"] == "markdown" and article.source["name"] == "notes.md"


@pytest.mark.parametrize(
    ("paste_format", "text", "paragraphs"),
    [
        ("html", "<h1>Pasted page</h1><p>One <b>bold</b> line.</p>", ["One bold line."]),
        ("html", '<meta charset="iso-8859-1"><h1>Pasted page</h1><p>Café “x”.</p>', ["Café “x”."]),
        ("markdown", "# Pasted page\n\nOne **bold** line.\n", ["One bold line."]),
        ("text", "Pasted page\nOne plain line.\n", ["One plain line."]),
    ],
)
def test_paste_in_each_format(editor: httpx.Client, store: Store, paste_format: str, text: str, paragraphs: list):
    article = library.get_article(store, _article_id(_import(editor, {"text": text, "format": paste_format})))

    assert article.title == "Pasted page" and article.paragraphs == paragraphs
    assert article.source["format"] == paste_format


def test_paste_without_a_format_is_plain_text(editor: httpx.Client, store: Store):
    article = library.get_article(store, _article_id(_import(editor, {"text": "# Not a heading\nA line.\n"})))
    assert article.title == "# Not a heading" and article.source["format"] == "text"


def test_unknown_paste_format_is_refused_and_nothing_stored(editor: httpx.Client, store: Store):
    response = _import(editor, {"text": "<h1>T</h1><p>x</p>", "format": "docx"})

    assert response.status_code == 422
    assert "unknown format &#39;docx&#39;; choose text, markdown or html" in response.text
    assert library.list_articles(store) == []


def test_a_refused_html_paste_names_the_problem_and_stores_nothing(editor: httpx.Client, store: Store):
    response = _import(editor, {"text": "<p>No heading here.</p>", "format": "html"})

    assert response.status_code == 422
    assert "pasted.html: no title; the page needs an &lt;h1&gt; or a &lt;title&gt;" in response.text
    assert library.list_articles(store) == []


@pytest.fixture
def api(live_server: LiveServer, store: Store) -> Iterator[httpx.Client]:
    editors.add_user(store, "robot", "a long enough password")
    token = editors.create_token(store, "robot", "tests")
    with httpx.Client(base_url=live_server.url, headers={"Authorization": f"Bearer {token}"}, timeout=10) as client:
        yield client


def test_api_import_picks_the_format_by_filename(api: httpx.Client, store: Store):
    html = api.post("/api/articles", json={"text": "<h1>Via API</h1><p>Body.</p>", "filename": "story.html"})
    md = api.post("/api/articles", json={"text": "# Via API too\n\nBody.\n", "filename": "story.md"})
    bad = api.post("/api/articles", json={"text": "<h1>Only a title</h1>", "filename": "empty.htm"})

    assert html.status_code == 201 and md.status_code == 201
    assert library.get_article(store, html.json()["id"]).source["format"] == "html"
    assert library.get_article(store, md.json()["id"]).title == "Via API too"
    assert bad.status_code == 422 and bad.json()["detail"] == "empty.htm: has a title but no body"


def test_hostile_html_is_inert_on_the_article_page_and_in_the_digest(
    editor: httpx.Client, http: httpx.Client, store: Store, settings: Settings
):
    files = {"file": ("hostile.html", HOSTILE_PAGE, "text/html")}
    article_id = _article_id(_import(editor, files=files))
    article = library.get_article(store, article_id)
    assert article.title == "Hostile page"
    assert article.paragraphs == [
        "Visible link text.",
        "Second paragraph.",
        "An article about <script>alert(2)</script> tags.",
    ]
    editing.set_published(store, article_id, True)

    page = http.get(f"/articles/{article.slug}").text
    digest = render_digest([article], settings)

    for html in (page, digest.html):
        assert "alert(1)" not in html and "onerror" not in html and "javascript:" not in html
        assert "<iframe" not in html and "evil.example" not in html and "<script>alert" not in html
        # the text that spelled a tag is shown as text
        assert "An article about &lt;script&gt;alert(2)&lt;/script&gt; tags." in html
    assert "An article about <script>alert(2)</script> tags." in digest.text  # the text part is plain text


# The paste box takes what an upload takes (issue 18 item 15): a field over 1 MiB once answered a raw JSON 400.

NO_FILE = {"file": ("", b"", "application/octet-stream")}  # what a browser sends with no file chosen


def _paste_as_a_browser_does(client: httpx.Client, text: str) -> httpx.Response:
    return _import(client, {"text": text, "format": "text"}, files=NO_FILE)


def test_a_paste_over_one_mib_imports_like_an_upload_of_the_same_size(editor: httpx.Client, store: Store):
    paragraphs = ["日本語の記事です。" * 4_000 for _ in range(12)]  # 432,000 characters, 1.3 MB of UTF-8
    text = "A long pasted article\n\n" + "\n\n".join(paragraphs) + "\n"
    assert len(text.encode()) > 1024 * 1024

    article = library.get_article(store, _article_id(_paste_as_a_browser_does(editor, text)))

    assert article.title == "A long pasted article" and len(article.paragraphs) == 12


def test_a_paste_over_the_import_limit_gets_the_editor_page_with_the_limit_named(editor: httpx.Client, store: Store):
    text = "Too long\n\n" + ("word " * 1_000 + "\n\n") * 1_100  # 5.5 MB: over the 5 MiB limit, within the form's 6

    response = _paste_as_a_browser_does(editor, text)

    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert "the pasted text is larger than 5 MiB" in response.text
    assert 'name="text"' in response.text  # the import form, to try again
    assert library.list_articles(store) == []
