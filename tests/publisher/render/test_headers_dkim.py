"""The delivery headers of a campaign's messages, and DKIM signatures a receiver can verify."""

import email
import email.policy
from pathlib import Path

import dkim
import pytest

from publisher import campaigns
from publisher.config import Settings
from publisher.delivery import campaign_template
from publisher.errors import ConfigError, HeaderInjection
from publisher.render.mime import Recipient
from publisher.store import Store
from publisher.store.models import Campaign
from tests.support.dkim import dns_answering, make_dkim_key
from tests.support.factories import seed_article, subscribe


def build(store: Store, settings: Settings, seed_path: Path) -> bytes:
    article_id = seed_article(store, seed_path)
    subscribe(store, "Weekly Readers", 1)
    campaign_id = campaigns.create_email_campaign(store, settings, [article_id], "Weekly Readers")
    with store.session() as session:
        template = campaign_template(session, session.get(Campaign, campaign_id), settings)
    return template.build(Recipient(id=42, email="zoe@example.com", name="Zoë", token="TOK"))


def test_every_delivery_header_is_present(store: Store, settings: Settings, seed_path: Path):
    settings.reply_to = "Desk <desk@example.org>"
    settings.precedence_bulk = True
    message = email.message_from_bytes(build(store, settings, seed_path), policy=email.policy.default)

    assert message["Message-ID"].endswith("@example.org>")
    assert message["Date"].datetime is not None
    assert message["List-Id"] == "Publisher digest <weekly-readers.example.org>"
    assert message["List-Unsubscribe"] == (
        "<https://news.example.org/unsubscribe/TOK>, <mailto:news@example.org?subject=unsubscribe%20TOK>"
    )
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Reply-To"] == "Desk <desk@example.org>"
    assert message["Precedence"] == "bulk"


def test_precedence_is_off_by_default_and_mailto_can_be_set(store, settings: Settings, seed_path):
    settings.unsubscribe_mailto = "leave@lists.example.org"
    message = email.message_from_bytes(build(store, settings, seed_path), policy=email.policy.default)

    assert message["Precedence"] is None
    assert "<mailto:leave@lists.example.org?subject=unsubscribe%20TOK>" in message["List-Unsubscribe"]


def test_an_unsubscribe_mailto_with_a_line_break_is_refused(store, settings: Settings, seed_path):
    settings.unsubscribe_mailto = "leave@example.org\r\nBcc: x@example.com"
    with pytest.raises(HeaderInjection, match="unsubscribe mailto contains a line break"):
        build(store, settings, seed_path)


@pytest.fixture
def dkim_key(tmp_path: Path) -> tuple[Path, bytes]:
    return make_dkim_key(tmp_path)


def test_dkim_signature_verifies_against_the_published_key(store, settings: Settings, seed_path, dkim_key):
    key_path, record = dkim_key
    settings.dkim_key_path, settings.dkim_selector = key_path, "mail2026"
    raw = build(store, settings, seed_path)
    lookups: list[bytes] = []
    dns = dns_answering(record, lookups)

    assert raw.startswith(b"DKIM-Signature: ")
    assert dkim.verify(raw, dnsfunc=dns)
    assert lookups == [b"mail2026._domainkey.example.org."]
    tampered = raw.replace(b"Unsubscribe</a>", b"Unsubscribx</a>")
    assert tampered != raw
    assert not dkim.verify(tampered, dnsfunc=dns)


def test_dkim_misconfiguration_is_refused_before_queueing(store, settings: Settings, seed_path, tmp_path):
    settings.dkim_selector = "mail"
    with pytest.raises(ConfigError, match="needs both"):
        build(store, settings, seed_path)
    settings.dkim_key_path = tmp_path / "missing.pem"
    with pytest.raises(ConfigError, match="cannot read the DKIM key"):
        build(store, settings, seed_path)
    (tmp_path / "junk.pem").write_text("not a key")
    settings.dkim_key_path = tmp_path / "junk.pem"
    with pytest.raises(ConfigError, match="not usable"):
        build(store, settings, seed_path)


def test_a_key_path_naming_no_file_is_named_even_without_a_selector(store, settings: Settings, seed_path, tmp_path):
    # The acceptance case of issue 10: only PUBLISHER_DKIM_KEY_PATH set, to a file that is not there.
    settings.dkim_key_path = tmp_path / "missing.pem"
    with pytest.raises(ConfigError, match=r"cannot read the DKIM key .*missing\.pem.*SELECTOR is not set either"):
        build(store, settings, seed_path)
