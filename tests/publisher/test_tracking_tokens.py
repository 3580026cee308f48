"""Tracking tokens: signed, carrying kind, campaign, link position and recipient; anything else parses to None."""

from __future__ import annotations

import base64

from publisher.tracking_tokens import MessageTokens, Token, TokenSigner

SIGNER = TokenSigner("test-secret-key")


def test_a_token_carries_what_it_was_made_with():
    text = SIGNER.make("click", 12, 3, 4711)
    assert SIGNER.parse(text) == Token("click", 12, 3, 4711)
    assert SIGNER.parse(SIGNER.make("open", 12, 0, 4711)) == Token("open", 12, 0, 4711)


def test_a_token_is_url_safe_and_short():
    text = SIGNER.make("click", 2**31 - 1, 65535, 2**40)
    assert len(text) <= 40 and all(c.isalnum() or c in "-_" for c in text)


def test_a_token_signed_with_another_key_is_refused():
    assert SIGNER.parse(TokenSigner("another key").make("click", 1, 1, 1)) is None


def test_a_truncated_or_lengthened_token_is_refused():
    text = SIGNER.make("click", 1, 2, 3)
    for bad in (text[:-1], text[:20], text[1:], text + "A", text + ".", "", "x" * 500):
        assert SIGNER.parse(bad) is None, bad


def test_every_altered_character_is_refused():
    text = SIGNER.make("click", 1, 2, 3)
    for i, c in enumerate(text):
        for other in ("A", "b", "-", "_", "9"):
            if other != c:
                altered = text[:i] + other + text[i + 1 :]
                assert SIGNER.parse(altered) is None, (i, altered)


def test_another_campaigns_payload_under_this_mac_is_refused():
    """Swapping the campaign id (or the link position) of a valid token, keeping its MAC, reaches nothing."""
    raw = base64.urlsafe_b64decode(SIGNER.make("click", 1, 2, 3) + "=")
    other = base64.urlsafe_b64decode(SIGNER.make("click", 9, 5, 3) + "=")
    spliced = other[:17] + raw[17:]
    text = base64.urlsafe_b64encode(spliced).rstrip(b"=").decode()
    assert SIGNER.parse(text) is None


def test_not_base64_and_not_ascii_are_refused():
    assert SIGNER.parse("not a token at all!") is None
    assert SIGNER.parse("ÄÖÜ" * 13) is None


def test_message_tokens_make_one_per_link_and_recipient():
    tokens = MessageTokens(SIGNER, 7)
    assert SIGNER.parse(tokens.click_token(2, 99)) == Token("click", 7, 2, 99)
    assert SIGNER.parse(tokens.open_token(99)) == Token("open", 7, 0, 99)
    assert tokens.click_token(1, 99) != tokens.click_token(1, 98) != tokens.click_token(2, 98)
