"""The editor's pages over real HTTP: import, edit, publish, preview, Send and Share with confirmation,
campaign controls, subscribers, channels, API tokens."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx

from publisher import campaigns, editing, library
from publisher.config import Settings
from publisher.store import Store
from publisher.store.models import Campaign
from tests.support.factories import RecordingDispatcher, seed_article, subscribe

from .conftest import csrf_of

SLUG = "us-rejects-netanyahus-request-to-join-direct-military-action-against-iran"


def _post(client: httpx.Client, page: str, action: str, data: dict | None = None, **kwargs) -> httpx.Response:
    token = csrf_of(client.get(page).text)
    return client.post(action, data={"csrf_token": token, **(data or {})}, **kwargs)


def test_import_by_upload_then_again_finds_the_same_article(editor: httpx.Client, seed_path: Path):
    files = {"file": (seed_path.name, seed_path.read_bytes(), "text/plain")}
    first = _post(editor, "/editor/articles", "/editor/articles/import", files=files)

    assert first.status_code == 303
    assert re.fullmatch(r"/editor/articles/\d+\?done=imported", first.headers["location"])
    again = _post(editor, "/editor/articles", "/editor/articles/import", files=files)
    assert again.headers["location"] == first.headers["location"].replace("imported", "already-imported")
    page = editor.get(first.headers["location"]).text
    assert "Imported." in page and "U.S. Rejects Netanyahu’s Request" in page


def test_import_by_paste(editor: httpx.Client, store: Store):
    text = "A pasted title\n\nThe first paragraph ends here.\nAnd a second one.\n"
    response = _post(editor, "/editor/articles", "/editor/articles/import", {"text": text})

    article_id = int(response.headers["location"].split("/")[-1].split("?")[0])
    article = library.get_article(store, article_id)
    assert article.title == "A pasted title"
    assert article.paragraphs == ["The first paragraph ends here.", "And a second one."]


def test_a_bad_import_names_the_problem_and_stores_nothing(editor: httpx.Client, store: Store):
    files = {"file": ("notes.pdf", b"%PDF-1.7", "application/pdf")}
    response = _post(editor, "/editor/articles", "/editor/articles/import", files=files)

    assert response.status_code == 422
    assert "notes.pdf: unknown format &#39;.pdf&#39;" in response.text
    assert "/tmp" not in response.text
    assert library.list_articles(store) == []


# Editing an article (its title and Markdown) is in test_editor_writing.py.


def test_publish_makes_the_article_public(editor: httpx.Client, http: httpx.Client, store: Store, seed_path: Path):
    article_id = seed_article(store, seed_path)
    assert http.get(f"/articles/{SLUG}").status_code == 404

    page = f"/editor/articles/{article_id}"
    _post(editor, page, f"{page}/publish", {"action": "publish"})

    assert http.get(f"/articles/{SLUG}").status_code == 200
    _post(editor, page, f"{page}/publish", {"action": "unpublish"})
    assert http.get(f"/articles/{SLUG}").status_code == 404


def test_preview_shows_the_digest_at_two_widths_and_each_share_post_with_its_length(
    editor: httpx.Client, store: Store, seed_path: Path, settings: Settings
):
    article_id = seed_article(store, seed_path)
    page = editor.get(f"/editor/articles/{article_id}/preview").text

    assert 'width="640"' in page and 'width="375"' in page
    assert "Hello Alex Reader" in page and "%%PUB" not in page
    assert page.count('sandbox=""') == 2
    posts = editing.share_previews(store, settings, article_id)
    assert [p.channel for p in posts] == ["file"]
    assert f"{posts[0].length} characters (no limit)" in page
    assert posts[0].limit is None  # the file channel has no limit


def test_the_preview_shows_the_publication_as_its_settings_have_it(
    editor: httpx.Client, store: Store, seed_path: Path, settings: Settings
):
    from publisher import publication

    article_id = seed_article(store, seed_path)
    publication.update(store, settings, {"name": "Harbour Notes", "postal_address": "1 Quay Street"})

    page = editor.get(f"/editor/articles/{article_id}/preview").text

    assert "Harbour Notes" in page and "1 Quay Street" in page


def test_send_asks_for_confirmation_then_queues_and_dispatches(
    editor: httpx.Client, store: Store, seed_path: Path, dispatcher: RecordingDispatcher
):
    article_id = seed_article(store, seed_path)
    subscribe(store, "readers", 100)
    page = f"/editor/articles/{article_id}/send"

    confirm = _post(editor, page, page, {"list": "readers"})

    assert confirm.status_code == 200
    assert "Yes, send to 100 subscribers" in confirm.text
    assert editing.recent_campaigns(store) == [] and dispatcher.calls == []
    sent = editor.post(page, data={"csrf_token": csrf_of(confirm.text), "list": "readers", "confirm": "yes"})
    assert sent.status_code == 303
    campaign_id = int(sent.headers["location"].rsplit("/", 1)[1])
    assert campaigns.status(store, campaign_id).total == 100
    assert [call[0] for call in dispatcher.calls] == [campaign_id]


def test_send_to_an_unknown_list_is_refused(editor: httpx.Client, store: Store, seed_path: Path):
    article_id = seed_article(store, seed_path)
    page = f"/editor/articles/{article_id}/send"
    response = _post(editor, page, page, {"list": "nope", "confirm": "yes"})
    assert response.status_code == 422
    assert "Choose the list" in response.text


def test_send_as_a_summary_is_a_choice_on_the_form(
    editor: httpx.Client, store: Store, seed_path: Path, dispatcher: RecordingDispatcher
):
    article_id = seed_article(store, seed_path)
    subscribe(store, "readers", 2)
    page = f"/editor/articles/{article_id}/send"
    assert 'name="content" value="full" checked' in editor.get(page).text

    confirm = _post(editor, page, page, {"list": "readers", "content": "summary"})
    assert "as its summary" in confirm.text and 'name="content" value="summary"' in confirm.text
    data = {"csrf_token": csrf_of(confirm.text), "list": "readers", "content": "summary", "confirm": "yes"}
    sent = editor.post(page, data=data)

    campaign_id = int(sent.headers["location"].rsplit("/", 1)[1])
    with store.session() as session:
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None and "Read more" in campaign.body_html
        assert "Washington Says No" not in campaign.body_html


def test_share_to_the_file_channel_with_confirmation(
    editor: httpx.Client, store: Store, seed_path: Path, dispatcher: RecordingDispatcher
):
    article_id = seed_article(store, seed_path)
    page = f"/editor/articles/{article_id}/share"

    confirm = _post(editor, page, page, {"channel": "file"})
    assert "Post to <strong>file</strong> now?" in confirm.text
    done = editor.post(page, data={"csrf_token": csrf_of(confirm.text), "channel": "file", "confirm": "yes"})

    campaign_id = int(done.headers["location"].rsplit("/", 1)[1])
    assert campaigns.status(store, campaign_id).kind == "share"
    again = editor.post(page, data={"csrf_token": csrf_of(confirm.text), "channel": "file", "confirm": "yes"})
    assert again.status_code == 422 and "already shared to file" in again.text


def test_campaign_page_pause_resume_cancel(
    editor: httpx.Client, store: Store, settings: Settings, seed_path: Path, dispatcher: RecordingDispatcher
):
    article_id = seed_article(store, seed_path)
    subscribe(store, "readers", 10)
    campaign_id = campaigns.create_email_campaign(store, settings, [article_id], "readers")
    page = f"/editor/campaigns/{campaign_id}"

    assert _post(editor, page, f"{page}/pause").status_code == 303
    assert campaigns.status(store, campaign_id).state == "paused"
    progress = editor.get(f"{page}/progress").json()
    assert progress["state"] == "paused" and progress["can_resume"] and not progress["can_pause"]
    assert progress["pause_reason"] == "by an operator"  # shown once, after "Paused:"
    assert 'Paused: <span id="pause-reason-text">by an operator</span>' in editor.get(page).text
    assert progress["percent"] == 0 and progress["total"] == 10

    _post(editor, page, f"{page}/resume")
    assert campaigns.status(store, campaign_id).state == "sending"
    assert [call[0] for call in dispatcher.calls] == [campaign_id]

    _post(editor, page, f"{page}/cancel")
    assert campaigns.status(store, campaign_id).state == "cancelled"
    refused = _post(editor, page, f"{page}/resume")
    assert refused.status_code == 422 and "cancelled" in refused.text


def test_subscribers_add_search_and_export(editor: httpx.Client, store: Store):
    added = _post(
        editor,
        "/editor/subscribers",
        "/editor/subscribers/add",
        {"emails": "ann@example.com\nbob@Example.ORG", "list": "news"},
    )
    assert "2 added to news" in added.text
    bad = _post(editor, "/editor/subscribers", "/editor/subscribers/add", {"emails": "nope", "list": "news"})
    assert bad.status_code == 422 and "&#39;nope&#39; is not a valid email address" in bad.text

    found = editor.get("/editor/subscribers", params={"q": "bob"}).text
    assert "bob@example.org" in found and "ann@example.com" not in found

    export = editor.get("/editor/subscribers/export", params={"list": "news"})
    assert export.headers["content-type"].startswith("text/csv")
    assert export.text.splitlines()[0] == "email,name,status,subscribed_at"
    assert [line.split(",")[0] for line in export.text.splitlines()[1:]] == ["ann@example.com", "bob@example.org"]


def test_csv_import_reports_each_bad_row_and_imports_nothing_unless_asked(editor: httpx.Client, store: Store):
    csv = b"email,name\ngood@example.com,Good\nnot-an-address,Bad\nother@example.com,Other,extra\n"
    files = {"file": ("people.csv", csv, "text/csv")}

    refused = _post(editor, "/editor/subscribers", "/editor/subscribers/import", {"list": "news"}, files=files)
    assert refused.status_code == 422
    assert "line 3: &#39;not-an-address&#39; is not a valid email address" in refused.text
    assert "line 4: expected 2 columns, found 3" in refused.text
    assert editing.search_subscribers(store) == []

    imported = _post(
        editor, "/editor/subscribers", "/editor/subscribers/import", {"list": "news", "skip_bad": "yes"}, files=files
    )
    assert "1 added to news, 0 already there, 2 skipped" in imported.text
    assert [p.email for p in editing.search_subscribers(store)] == ["good@example.com"]


def test_channels_page_tests_the_connection(editor: httpx.Client):
    page = editor.get("/editor/channels").text
    assert "Test connection" in page
    response = _post(editor, "/editor/channels", "/editor/channels/file/test")
    assert "file: configured correctly" in response.text


def test_api_token_is_shown_once_and_opens_the_api(editor: httpx.Client, live_server):
    created = _post(editor, "/editor/tokens", "/editor/tokens", {"name": "my script", "scope": ["read", "write"]})
    token = re.search(r'<code id="new-token">([^<]+)</code>', created.text).group(1)

    assert token not in editor.get("/editor/tokens").text
    with httpx.Client(base_url=live_server.url) as api:
        me = api.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json() == {"username": "editor", "admin": True, "scopes": ["read", "write"]}


def test_dashboard_shows_campaigns_and_list_sizes(
    editor: httpx.Client, store: Store, settings: Settings, seed_path: Path
):
    article_id = seed_article(store, seed_path)
    subscribe(store, "readers", 7)
    campaigns.create_email_campaign(store, settings, [article_id], "readers")
    page = editor.get("/editor").text
    assert "readers</a>: 7 active" in page
    assert json.dumps("U.S. Rejects")[1:-1] in page


def test_export_quotes_what_a_spreadsheet_would_run_as_a_formula(editor: httpx.Client, store: Store):
    from publisher import subscribers

    subscribers.add_to_list(store, "news", [subscribers.NewSubscriber("=cmd@example.com", "=HYPERLINK(1)")])
    export = editor.get("/editor/subscribers/export", params={"list": "news"}).text
    assert export.splitlines()[1].startswith("'=cmd@example.com,'=HYPERLINK(1),active,")


def test_a_finished_send_shows_next_steps_and_formatted_counts(
    editor: httpx.Client, store: Store, settings: Settings, seed_path: Path, dispatcher: RecordingDispatcher
):
    from sqlalchemy import update

    from publisher.store.models import OutboxRow
    from publisher.store.progress import finish_if_done

    article_id = seed_article(store, seed_path)
    subscribe(store, "readers", 3)
    campaign_id = campaigns.create_email_campaign(store, settings, [article_id], "readers")
    with store.session() as session:
        session.execute(update(OutboxRow).where(OutboxRow.campaign_id == campaign_id).values(state="sent"))
        finish_if_done(session, campaign_id)

    page = editor.get(f"/editor/campaigns/{campaign_id}").text

    assert "Next steps" in page
    assert f'href="/editor/articles/{article_id}/share">Share it to your social accounts' in page
    assert f'href="/digests/{campaign_id}">View it in the archive' in page
    assert "The report: 3 sent, 0 failed" in page


def test_a_share_campaign_shows_its_posts_not_email_counters(editor: httpx.Client, store: Store, seed_path: Path):
    article_id = seed_article(store, seed_path)
    page = f"/editor/articles/{article_id}/share"
    confirm = _post(editor, page, page, {"channel": "file"})
    done = editor.post(page, data={"csrf_token": csrf_of(confirm.text), "channel": "file", "confirm": "yes"})

    shown = editor.get(done.headers["location"]).text

    assert 'id="posts"' in shown and "<td>file</td>" in shown
    assert 'class="counts"' not in shown and 'id="count-sent"' not in shown
