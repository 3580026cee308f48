"""One Publish end to end (issue 16 acceptance): the timeline page of one publish shows the digest's progress
and the fake networks' post URLs.

The web app served by uvicorn, a real Celery worker process, a real SMTP server (aiosmtpd) and the fake X and
Mastodon servers the share tests use; on SQLite with the filesystem broker, and on PostgreSQL with Redis.
The editor presses Publish on the article page (the publication's defaults: the list and both accounts);
the test reads the timeline page (HTML) and its JSON until final.
"""

from __future__ import annotations

import html
import json
import os
import re
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest

from publisher import editors, publication
from publisher.config import Settings
from publisher.store import Store
from tests.support.factories import seed_article, subscribe
from tests.support.fakes import FakeMastodon, FakeX, running
from tests.support.services import postgres_database, redis_database
from tests.support.smtp import SmtpServer
from tests.support.social import MASTODON_TOKEN, X_KEYS
from tests.support.web import LiveServer, serving
from workers.process import spawn_worker, stop_worker

READERS = 4
PASSWORD = "correct horse battery"


@pytest.fixture(params=["sqlite+filesystem", "postgresql+redis"])
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str | None]:
    """The database URL the app and the worker share (None: the test's SQLite store, filesystem broker)."""
    if request.param == "sqlite+filesystem":
        yield None
        return
    with ExitStack() as stack:
        url = stack.enter_context(postgres_database(migrated=True))
        monkeypatch.setenv("PUBLISHER_DATABASE_URL", url)
        monkeypatch.setenv("PUBLISHER_BROKER_URL", stack.enter_context(redis_database()))
        yield url


@pytest.fixture
def store(store: Store, backend: str | None) -> Iterator[Store]:
    if backend is None:
        yield store
        return
    pg = Store(backend)
    yield pg
    pg.dispose()


@pytest.fixture
def fakes() -> Iterator[dict[str, Any]]:
    with ExitStack() as stack:
        yield {
            "x": stack.enter_context(running(FakeX(*X_KEYS))),
            "mastodon:social": stack.enter_context(running(FakeMastodon(MASTODON_TOKEN))),
        }


@pytest.fixture
def settings(
    backend: str | None, smtp_server: SmtpServer, fakes: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> Settings:
    """Mail through the real SMTP server and posts to the fakes, for the app and the worker alike."""
    ck, cs, at, as_ = X_KEYS
    accounts = {
        "x": f"x://{ck}:{cs}@{at}:{as_}?api={fakes['x'].base_url}",
        "mastodon:social": f"mastodon+http://{MASTODON_TOKEN}@127.0.0.1:{fakes['mastodon:social'].port}",
    }
    monkeypatch.setenv("PUBLISHER_SMTP_HOST", smtp_server.host)
    monkeypatch.setenv("PUBLISHER_SMTP_PORT", str(smtp_server.port))
    monkeypatch.setenv("PUBLISHER_ACCOUNTS", json.dumps(accounts))
    return Settings()


@pytest.fixture
def server(settings: Settings, store: Store) -> Iterator[LiveServer]:
    with serving(settings, store) as live:
        yield live


@pytest.fixture
def article(store: Store, settings: Settings, seed_path: Path) -> int:
    """The seed article, a list of readers, and the publication's Publish defaults: that list, both accounts."""
    editors.add_user(store, "editor", PASSWORD)
    article_id = seed_article(store, seed_path)
    subscribe(store, "readers", READERS)
    publication.update(store, settings, {"publish_lists": ["readers"], "publish_accounts": ["x", "mastodon:social"]})
    return article_id


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def logged_in(url: str) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=20, follow_redirects=False)
    form = client.get("/login").text
    done = client.post("/login", data={"csrf_token": csrf_of(form), "username": "editor", "password": PASSWORD})
    assert done.status_code == 303
    return client


def press_publish(client: httpx.Client, article_id: int) -> str:
    """What the Publish button posts: its form as the article page rendered it (the defaults ticked)."""
    page = client.get(f"/editor/articles/{article_id}").text
    form = page[page.index('id="publish-form"') : page.index("</form>", page.index('id="publish-form"'))]
    data = {
        "csrf_token": csrf_of(page),
        "submission": re.search(r'name="submission" value="([^"]+)"', form).group(1),  # type: ignore[union-attr]
        "list": re.findall(r'name="list" value="([^"]+)" checked', form),
        "account": re.findall(r'name="account" value="([^"]+)" checked', form),
        "content": "full",
    }
    done = client.post(f"/editor/articles/{article_id}/publishes", data=data)
    assert done.status_code == 303, done.text
    return done.headers["location"]


def until_final(client: httpx.Client, location: str, timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        data = client.get(location + ".json").json()
        if data["final"] or time.monotonic() > deadline:
            return data
        time.sleep(0.5)


def test_the_timeline_page_of_one_publish_shows_the_digest_progress_and_the_post_urls(
    server: LiveServer, article: int, smtp_server: SmtpServer, fakes: dict[str, Any], tmp_path: Path
):
    env = {k: v for k, v in os.environ.items() if k.startswith("PUBLISHER_")}
    worker = spawn_worker(env, concurrency=1, log_path=tmp_path / "worker.log")
    try:
        client = logged_in(server.url)
        location = press_publish(client, article)
        data = until_final(client, location)
        page = html.unescape(client.get(location).text)
        client.close()
    finally:
        stop_worker(worker)
    log = (tmp_path / "worker.log").read_text(errors="replace")
    assert data["final"], json.dumps(data, indent=2) + log

    # The JSON: the digest's progress from the outbox, each post with its URL, every entry with its time.
    assert data["digest"]["counts"]["sent"] == READERS and data["digest"]["pending"] == 0
    assert data["digest"]["state"] == "done" and data["digest"]["finished_at"]
    posts = {e["channel"]: e for e in data["entries"] if e["kind"] == "post"}
    x_url = f"https://x.com/i/web/status/{fakes['x'].posts[0]['id']}"
    mastodon_url = f"https://social.example/@editor/{fakes['mastodon:social'].posts[0]['id']}"
    assert posts["x"]["url"] == x_url and posts["x"]["state"] == "sent"
    assert posts["mastodon:social"]["url"] == mastodon_url
    assert all(e["at"] for e in data["entries"]) and data["errors"] == []
    kinds = [e["kind"] for e in data["entries"]]
    assert kinds.index("publish") < kinds.index("published") < kinds.index("digest") < kinds.index("digest-finished")

    # The page, as rendered at that moment: the same progress and the URLs as links.
    assert "Everything is final." in page and 'data-final="yes"' in page
    assert re.search(rf'id="digest-sent">{READERS}</span> sent', page)
    assert f"Digest finished: {READERS} sent" in page
    assert f'href="{x_url}"' in page and f'href="{mastodon_url}"' in page
    assert "Post to x: sent" in page and "Post to mastodon:social: sent" in page

    # What happened outside: every reader got the digest once; each network got one post.
    received = smtp_server.wait_for(READERS)
    assert sorted(r for m in received for r in m.rcpt_tos) == sorted(f"reader{i:05d}@example.com" for i in range(4))
    assert len(fakes["x"].posts) == 1 and len(fakes["mastodon:social"].posts) == 1


def test_the_cli_publishes_and_prints_the_timeline_until_final(
    article: int, smtp_server: SmtpServer, fakes: dict[str, Any], tmp_path: Path
):
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k.startswith("PUBLISHER_")}
    worker = spawn_worker(env, concurrency=1, log_path=tmp_path / "worker.log")
    try:
        done = subprocess.run(
            [sys.executable, "-m", "publisher", "publish", str(article), "--share", "mastodon:social", "--timeout=99"],
            capture_output=True,
            text=True,
            env={**os.environ, "COLUMNS": "200"},
            timeout=180,
        )
    finally:
        stop_worker(worker)
    assert done.returncode == 0, done.stdout + done.stderr + (tmp_path / "worker.log").read_text(errors="replace")
    lines = done.stdout.splitlines()
    assert lines[0].isdigit()
    mastodon_url = f"https://social.example/@editor/{fakes['mastodon:social'].posts[0]['id']}"
    assert any("Post to mastodon:social: sent" in line and mastodon_url in line for line in lines)
    assert any(f"Digest finished: {READERS} sent" in line for line in lines)
    assert fakes["x"].posts == []  # --share chose the accounts: the defaults' x is left out
    assert len(smtp_server.wait_for(READERS)) >= 1
