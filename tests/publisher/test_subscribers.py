from pathlib import Path

import pytest
from sqlalchemy import func, select

from publisher import subscribers
from publisher.errors import InvalidAddress, PublisherError
from publisher.store import Store
from publisher.store.models import Subscriber, Subscription


def count(store: Store, model: type) -> int:
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("not-an-address", "not-an-address"),
        ("a@b", "a@b"),
        ("two@@example.com", "two@@example.com"),
        ("eve@example.com\r\nBcc: x@y.z", "line break"),
    ],
)
def test_invalid_addresses_are_named(address: str, reason: str):
    with pytest.raises(InvalidAddress, match=reason.replace(".", r"\.")):
        subscribers.normalize_address(address)


def test_domain_is_lowercased_so_case_duplicates_merge():
    assert subscribers.normalize_address(" Jane.Doe@Example.COM ") == "Jane.Doe@example.com"


def test_one_bad_address_adds_nothing(store: Store):
    with pytest.raises(InvalidAddress, match="'bad' is not a valid email address"):
        subscribers.parse_addresses(["good@example.com", "bad"])
    assert count(store, Subscriber) == 0


def test_adding_twice_is_idempotent(store: Store):
    people = subscribers.parse_addresses(["a@example.com", "b@example.com"])
    first = subscribers.add_to_list(store, "news", people)
    second = subscribers.add_to_list(store, "news", subscribers.parse_addresses(["A@EXAMPLE.com".lower()]))

    assert (first.added, first.already) == (2, 0)
    assert (second.added, second.already) == (0, 1)
    assert count(store, Subscriber) == 2
    assert count(store, Subscription) == 2
    assert subscribers.list_size(store, "news") == 2


def test_csv_reports_every_bad_row_with_its_line(tmp_path: Path):
    path = tmp_path / "subs.csv"
    path.write_bytes(
        b"email,name,city\n"
        b"ok@example.com,Ok,Paris\n"
        b"broken-address,Bad,Rome\n"
        b"short@example.com,Short\n"
        b"caf\xe9@example.com,Latin,Lyon\n"
        b"OK@Example.com,Dup,Nice\n"
        b"\n"
        b"second@example.com,,Oslo\n"
    )
    report = subscribers.read_csv(path)

    assert report.errors == [
        "line 3: 'broken-address' is not a valid email address: An email address must have an @-sign.",
        "line 4: expected 3 columns, found 2",
        "line 5: not valid UTF-8 (byte 0xe9)",
    ]
    assert [p.email for p in report.people] == ["ok@example.com", "OK@example.com", "second@example.com"]
    assert report.people[0].attributes == {"city": "Paris"}


def test_csv_without_email_column_is_refused(tmp_path: Path):
    path = tmp_path / "subs.csv"
    path.write_text("name\nJane\n")
    with pytest.raises(PublisherError, match="'email' column"):
        subscribers.read_csv(path)


def test_unsubscribe_tokens_are_signed():
    token = subscribers.unsubscribe_token("k", 12, 3, "ana@example.com")
    assert subscribers.read_unsubscribe_token("k", token)[:2] == (12, 3)
    with pytest.raises(PublisherError, match="not valid"):
        subscribers.read_unsubscribe_token("other-key", token)
    with pytest.raises(PublisherError, match="not valid"):
        subscribers.read_unsubscribe_token("k", token[:-1] + ("A" if token[-1] != "A" else "B"))


def test_unsubscribe_token_with_a_changed_last_character_is_refused():
    # base64 ignores the spare low bits of the last character: a change there must still be caught.
    token = subscribers.unsubscribe_token("secret", 12, 3, "ana@example.com")
    assert subscribers.read_unsubscribe_token("secret", token)[:2] == (12, 3)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    for flip in (1, 2, 3):
        changed = token[:-1] + alphabet[alphabet.index(token[-1]) ^ flip]
        with pytest.raises(PublisherError, match="not valid"):
            subscribers.read_unsubscribe_token("secret", changed)
