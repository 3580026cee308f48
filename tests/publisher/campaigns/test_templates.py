"""The publication's template overrides: a send renders with one, and a bad one can never be saved."""

from __future__ import annotations

import email
from email.message import Message
from pathlib import Path

import pytest
from sqlalchemy import func, select

from publisher import campaigns, delivery
from publisher.campaigns import templates
from publisher.campaigns.templates import InvalidTemplate
from publisher.config import Settings
from publisher.errors import NotFound
from publisher.store import Store
from publisher.store.models import TemplateOverride
from tests.support.factories import seed_article, subscribe
from tests.support.smtp import SmtpServer

HTML = "email/digest.html.j2"
TEXT = "email/digest.txt.j2"


def shipped(settings: Settings, name: str = HTML) -> str:
    return templates.shipped_source(settings, name)


def stored(store: Store) -> int:
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(TemplateOverride)) or 0


def parts(raw: bytes) -> dict[str, str]:
    message = email.message_from_bytes(raw)
    found = {}
    for part in message.walk():
        if isinstance(part, Message) and part.get_content_maintype() == "text":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            found[part.get_content_subtype()] = payload.decode(part.get_content_charset() or "utf-8")
    return found


def test_a_send_renders_with_the_override(
    store: Store, smtp_server: SmtpServer, seed_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("PUBLISHER_SMTP_HOST", smtp_server.host)
    monkeypatch.setenv("PUBLISHER_SMTP_PORT", str(smtp_server.port))
    settings = Settings()
    html = shipped(settings).replace("Hello {{ personal.name }},", "Dear {{ personal.name }}, from the desk,")
    templates.save_override(store, settings, HTML, html)
    templates.save_override(store, settings, TEXT, shipped(settings, TEXT).replace("Hello", "Greetings"))
    article_id = seed_article(store, seed_path)
    [address] = subscribe(store, "news", 1)

    campaign_id = campaigns.create_email_campaign(store, settings, [article_id], "news")
    with store.session() as session:
        [batch] = campaigns.batches(session, campaign_id, 100)
    assert delivery.deliver_batch(store, settings, campaign_id, "smtp", batch.first_id, batch.last_id).sent == 1

    [received] = smtp_server.messages
    body = parts(received.data)
    assert "Dear Reader 0, from the desk," in body["html"] and "Hello" not in body["html"]
    assert "Greetings Reader 0," in body["plain"]
    assert address in received.rcpt_tos


def test_reset_goes_back_to_the_shipped_template(store: Store, settings: Settings, seed_path: Path):
    templates.save_override(store, settings, HTML, shipped(settings).replace("Hello", "Howdy"))
    assert [t.overridden for t in templates.templates(store, settings)] == [True, False]

    assert templates.reset_override(store, HTML) is True
    assert templates.reset_override(store, HTML) is False
    assert templates.overrides(store) == {}
    [html, _] = templates.templates(store, settings)
    assert html.source == shipped(settings) and html.updated_at is None


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("<p>{{ ''.__class__.__mro__ }}</p>", "line 1: refused by the sandbox: access to attribute '__class__'"),
        ("<p>\n{% for a in articles %}\n{{ a.title }}\n", "line 3: Unexpected end of template"),
        ("<p>\n\n{{ reader.name }}</p>", "line 3: 'reader' is undefined"),
        ("<p>{{ articles[0].title | nosuchfilter }}</p>", "No filter named 'nosuchfilter'"),
        ("<p>{{ personal.preferences_url }}</p>", "must keep the reader's Unsubscribe link"),
        ("   \n", "the template is empty"),
        ("<p>\x00</p>", "NUL"),
        ("{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}", "calls itself without end"),
    ],
)
def test_a_bad_override_is_never_saved(store: Store, settings: Settings, seed_path: Path, source: str, message: str):
    seed_article(store, seed_path)

    with pytest.raises(InvalidTemplate) as refused:
        templates.save_override(store, settings, HTML, source)

    assert message in str(refused.value)
    assert stored(store) == 0


def test_a_bad_override_does_not_replace_a_good_one(store: Store, settings: Settings):
    good = shipped(settings).replace("Hello", "Howdy")
    templates.save_override(store, settings, HTML, good)

    with pytest.raises(InvalidTemplate):
        templates.save_override(store, settings, HTML, "{{ broken")

    assert templates.overrides(store) == {HTML: good}


def test_an_override_is_tried_against_the_newest_article_or_a_sample(store: Store, settings: Settings, seed_path):
    before = templates.try_override(store, settings, TEXT, "{{ articles[0].title }} {{ personal.unsubscribe_url }}")
    assert before.text.startswith("A sample article ")

    seed_article(store, seed_path)
    after = templates.try_override(store, settings, TEXT, "{{ articles[0].title }} {{ personal.unsubscribe_url }}")
    assert after.text.startswith("U.S. Rejects Netanyahu")
    assert stored(store) == 0  # trying stores nothing


def test_only_the_digest_templates_can_be_changed(store: Store, settings: Settings):
    with pytest.raises(NotFound, match="no template called 'web/base.html.j2'"):
        templates.save_override(store, settings, "web/base.html.j2", "x")
    with pytest.raises(NotFound):
        templates.reset_override(store, "../secrets")
