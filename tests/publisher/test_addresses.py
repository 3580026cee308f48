"""Addresses as stored: the fast path for plain ASCII addresses gives what email-validator gives, always."""

from __future__ import annotations

import string

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from publisher.addresses import _validated, normalize_address
from publisher.errors import InvalidAddress

_LOCAL = string.ascii_letters + string.digits + "!#$%&'*+/=?^_`{|}~-." + '"é @\\'
_DOMAIN = string.ascii_letters + string.digits + "-._é"
_TLDS = st.sampled_from(["com", "ORG", "org", "de", "xn--p1ai", "museum", "c", "123", "local", "test", "invalid", ""])


def _outcome(normalize, address: str) -> tuple[str, str]:  # noqa: ANN001
    try:
        return "stored", normalize(address)
    except InvalidAddress as exc:
        return "refused", str(exc)


@st.composite
def addresses(draw: st.DrawFn) -> str:
    local = draw(st.text(_LOCAL, min_size=0, max_size=70))
    labels = draw(st.lists(st.text(_DOMAIN, min_size=0, max_size=66), min_size=0, max_size=4))
    domain = ".".join([*labels, draw(_TLDS)])
    padding = draw(st.sampled_from(["", " ", "\t", "\n"]))
    return f"{padding}{local}@{domain}{padding}"


@given(addresses())
@settings(max_examples=2_000)
@example("Reader.One@Example.COM")
@example("a" * 64 + "@example.com")
@example("a" * 65 + "@example.com")
@example("a@" + "b" * 63 + ".com")
@example("a@" + "b" * 64 + ".com")
@example("x@" + ".".join(["a" * 60] * 4) + ".com")  # the whole address over 254 characters
@example("a..b@example.com")
@example(".a@example.com")
@example("a@-example.com")
@example("a@example..com")
@example("a@localhost")
@example("a@example.test")
@example("a@123.456")
def test_the_fast_path_stores_and_refuses_exactly_as_email_validator(address: str):
    assert _outcome(normalize_address, address) == _outcome(lambda a: _validated(a, a.strip()), address)


@pytest.mark.parametrize(
    ("given_address", "stored"),
    [("Reader.One@Example.COM", "Reader.One@example.com"), ("  a+tag@Sub.Example.org\n", "a+tag@sub.example.org")],
)
def test_the_domain_is_lowercased_and_the_local_part_kept(given_address: str, stored: str):
    assert normalize_address(given_address) == stored
