"""Issue 12's acceptance: on a fresh data directory with one list made by `publisher subscribers add ...
--list readers`, the public footer's "Subscribe by email" link leads to a form whose submission queues a
confirmation mail (no 404). The real CLI in its own process, the real web app over HTTP."""

from __future__ import annotations

from urllib.parse import urljoin

import httpx
from sqlalchemy import select

from publisher.config import Settings
from publisher.states import CampaignKind
from publisher.store import Store
from publisher.store.models import Campaign, OutboxRow, Subscriber
from publisher.web import create_app
from tests.support.cli import run_cli
from tests.support.html import tags_of
from tests.support.web import LiveServer


def test_the_footer_link_on_a_fresh_install_leads_to_a_signup_that_queues_a_confirmation(settings: Settings):
    assert not settings.data_dir.exists()  # a fresh data directory: the CLI makes it
    assert "1 added to 'readers'" in run_cli({}, "subscribers", "add", "first@example.com", "--list", "readers")
    app = create_app(Settings())
    server = LiveServer(app).start()
    try:
        with httpx.Client(base_url=server.url, timeout=10) as http:
            home = http.get("/")
            [link] = [a for a in tags_of(home.text).named("a") if a.get("href") == "/subscribe"]
            assert "Subscribe by email" in home.text.split('<footer class="site-footer">', 1)[1]

            form_page = http.get(urljoin(server.url, str(link["href"])))
            assert form_page.status_code == 200
            [form] = [f for f in tags_of(form_page.text).named("form") if f.get("action") == "/subscribe"]
            assert form["method"] == "post"
            fields = {
                str(i["name"]): str(i.get("value") or "")
                for i in tags_of(form_page.text).named("input")
                if i.get("type") == "hidden"
            }
            answer = http.post("/subscribe", data={**fields, "email": "reader@example.com", "name": "Reader"})
        assert answer.status_code == 200 and "Check your inbox" in answer.text
        assert app.state.signups.drain()
    finally:
        server.stop()

    store = Store(settings.resolved_database_url)
    try:
        with store.session() as session:
            queued = session.execute(
                select(Campaign.kind, OutboxRow.state)
                .join(OutboxRow, OutboxRow.campaign_id == Campaign.id)
                .join(Subscriber, Subscriber.id == OutboxRow.recipient_id)
                .where(Subscriber.email == "reader@example.com")
            ).all()
    finally:
        store.dispose()
    assert fields == {"list": "readers"}  # the form signs up to the one list there is
    assert [kind for kind, _ in queued] == [CampaignKind.CONFIRM]  # its confirmation mail, in the outbox
