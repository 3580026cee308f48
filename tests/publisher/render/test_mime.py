import binascii
import email
import email.policy
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from publisher.config import Settings
from publisher.errors import HeaderInjection
from publisher.importers import load
from publisher.render import mime
from publisher.render.email import render_digest
from publisher.render.mime import MessageTemplate, Recipient


@pytest.fixture
def template(seed_path: Path, settings: Settings) -> MessageTemplate:
    digest = render_digest([load(seed_path)], settings)
    return MessageTemplate(
        digest,
        campaign_id=7,
        sender=settings.from_,
        base_url=settings.base_url,
        list_id="Digest <readers.example.org>",
        reply_to="Desk <desk@example.org>",
    )


def parse(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)


def test_message_is_multipart_alternative_with_personal_fields(template: MessageTemplate):
    raw = template.build(Recipient(id=3, email="zoe@example.com", name="Zoë <Z> & Co", token="TOKEN123"))
    message = parse(raw)

    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    assert message["To"].addresses[0].display_name == "Zoë <Z> & Co"
    assert message["Message-ID"] == "<publisher.c7.r3@example.org>"
    assert message["List-Unsubscribe"] == "<https://news.example.org/unsubscribe/TOKEN123>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Subject"].startswith("U.S. Rejects Netanyahu’s")
    assert message["Reply-To"] == "Desk <desk@example.org>"
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    assert "Hello Zoë &lt;Z&gt; &amp; Co," in html
    assert "Hello Zoë <Z> & Co," in text
    assert "https://news.example.org/unsubscribe/TOKEN123" in html and "TOKEN123" in text
    assert "%%PUB" not in html + text


def test_lines_are_crlf_and_short(template: MessageTemplate):
    raw = template.build(Recipient(id=1, email="a@example.com", name="", token="t"))
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    assert "Hello there," in parse(raw).get_body(("plain",)).get_content()


def test_every_recipient_gets_a_unique_message_id(template: MessageTemplate):
    ids = {parse(template.build(Recipient(i, f"r{i}@example.com", "", "t")))["Message-ID"] for i in range(50)}
    assert len(ids) == 50


@pytest.mark.parametrize("name", ["Eve\r\nBcc: victim@example.com", "Eve\nX-Evil: 1"])
def test_line_breaks_in_a_name_are_refused(template: MessageTemplate, name: str):
    with pytest.raises(HeaderInjection, match="line break"):
        template.build(Recipient(id=1, email="a@example.com", name=name, token="t"))


def test_line_break_in_subject_is_refused(seed_path: Path, settings: Settings):
    digest = render_digest([load(seed_path)], settings, subject="Hi\r\nBcc: all@example.com")
    with pytest.raises(HeaderInjection, match="Subject"):
        MessageTemplate(digest, campaign_id=1, sender=settings.from_, base_url="https://x", list_id="l <l.x>")


_URLISH = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=127), max_size=90)


@given(st.one_of(_URLISH, st.text(max_size=90)))
def test_a_value_left_as_it_is_encodes_as_quoted_printable_does(value: str):
    # The fast path for short plain values (URLs, tokens) writes what binascii.b2a_qp does, soft break after.
    encoded = binascii.b2a_qp(value.encode("utf-8"), istext=True).replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    if value and not encoded.endswith(b"\r\n"):
        encoded += b"=\r\n"
    assert mime._qp(value, soft_break=True) == encoded
