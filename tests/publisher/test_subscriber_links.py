"""publisher.subscriber_links: the unsubscribe token delivery makes per message is itsdangerous's."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from publisher.errors import PublisherError
from publisher.subscriber_links import _serializer, address_tag, read_unsubscribe_token, unsubscribe_token

ids = st.integers(min_value=0, max_value=2**63 - 1)


@given(secret=st.text(min_size=1), subscriber_id=ids, list_id=ids, email=st.emails())
def test_the_token_is_the_one_itsdangerous_writes_and_reads(secret: str, subscriber_id: int, list_id: int, email: str):
    claim = [subscriber_id, list_id, address_tag(secret, email)]
    expected = _serializer(secret).dumps(claim)
    token = unsubscribe_token(secret, subscriber_id, list_id, email)
    if not expected.startswith("."):  # itsdangerous compresses only when that saves two bytes
        assert token == expected
    assert _serializer(secret).loads(token) == claim
    assert tuple(read_unsubscribe_token(secret, token)) == tuple(claim)


def test_a_claim_itsdangerous_would_compress_is_written_plain_and_reads_the_same():
    secret, big = "k", int("1" * 18)  # long runs of digits: zlib wins, and dumps marks the payload with a dot
    compressed = _serializer(secret).dumps([big, big, address_tag(secret, "a@example.org")])
    token = unsubscribe_token(secret, big, big, "a@example.org")
    assert compressed.startswith(".") and not token.startswith(".")
    assert read_unsubscribe_token(secret, token) == read_unsubscribe_token(secret, compressed)


def test_the_token_reads_back_under_its_secret_only():
    token = unsubscribe_token("secret", 7, 3, "reader@example.org")
    claim = read_unsubscribe_token("secret", token)
    tag = address_tag("secret", "reader@example.org")
    assert (claim.subscriber_id, claim.list_id, claim.address_tag) == (7, 3, tag)
    with pytest.raises(PublisherError):
        read_unsubscribe_token("another secret", token)
