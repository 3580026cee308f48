"""The set-based import (issue 17): what add_to_list does for the same people, through a temporary table."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from publisher import subscribers
from publisher.preferences import unsubscribe_address
from publisher.store import Store
from publisher.store.models import MailingList, Subscriber, Subscription
from publisher.subscriber_import import import_people
from publisher.subscribers import NewSubscriber
from publisher.suppression import is_suppressed, suppress


def _rows(*people: NewSubscriber) -> list[tuple[int, NewSubscriber]]:
    return [(line, person) for line, person in enumerate(people, start=2)]


def _members(store: Store, list_name: str) -> dict[str, tuple[str, str, dict]]:
    """email: (subscription status, name, attributes) of the list's subscribers."""
    with store.session() as session:
        found = session.execute(
            select(Subscriber.email, Subscription.status, Subscriber.name, Subscriber.attributes)
            .join(Subscription, Subscription.subscriber_id == Subscriber.id)
            .join(MailingList, MailingList.id == Subscription.list_id)
            .where(MailingList.name == list_name)
        ).all()
    return {email: (status, name, attributes) for email, status, name, attributes in found}


def test_an_address_on_several_rows_is_added_once_as_its_first_row_gives_it(any_store: Store):
    report = import_people(
        any_store,
        "news",
        _rows(
            NewSubscriber("ada@example.org", "Ada", {"city": "London"}),
            NewSubscriber("bob@example.org", "Bob"),
            NewSubscriber("ada@example.org", "Ada Again", {"city": "Paris"}),
        ),
    )

    assert (report.added, report.already, report.suppressed) == (2, 0, [])
    assert _members(any_store, "news") == {
        "ada@example.org": ("active", "Ada", {"city": "London"}),
        "bob@example.org": ("active", "Bob", {}),
    }


def test_known_addresses_keep_their_subscription_and_details_and_count_as_already_there(any_store: Store):
    subscribers.add_to_list(any_store, "news", [NewSubscriber("ada@example.org", "Ada")])
    subscribers.add_to_list(any_store, "other", [NewSubscriber("bob@example.org", "Bob")])
    unsubscribe_address(any_store, "ada@example.org", "news")

    report = import_people(
        any_store, "news", _rows(NewSubscriber("ada@example.org", "New Ada"), NewSubscriber("bob@example.org", "B"))
    )

    assert (report.added, report.already) == (1, 1)
    assert _members(any_store, "news") == {
        "ada@example.org": ("unsubscribed", "Ada", {}),  # an import never subscribes someone who left
        "bob@example.org": ("active", "Bob", {}),
    }


def test_suppressed_addresses_are_left_out_and_reported(any_store: Store):
    with any_store.session() as session:
        suppress(session, "gone@example.org", "hard_bounce")

    report = import_people(
        any_store, "news", _rows(NewSubscriber("gone@example.org"), NewSubscriber("ada@example.org"))
    )

    assert (report.added, report.suppressed) == (1, ["gone@example.org"])
    assert list(_members(any_store, "news")) == ["ada@example.org"]


def test_allow_suppressed_lifts_the_suppression_and_makes_a_bounced_subscription_active(any_store: Store):
    subscribers.add_to_list(any_store, "news", [NewSubscriber("gone@example.org")])
    with any_store.session() as session:
        session.execute(Subscription.__table__.update().values(status="bounced"))
        suppress(session, "gone@example.org", "hard_bounce")

    report = import_people(any_store, "news", _rows(NewSubscriber("gone@example.org")), allow_suppressed=True)

    assert (report.added, report.already, report.suppressed) == (0, 1, [])
    assert _members(any_store, "news")["gone@example.org"][0] == "active"
    with any_store.session() as session:
        assert not is_suppressed(session, "gone@example.org")


def test_a_check_that_refuses_writes_nothing_not_even_the_list(any_store: Store):
    class Refused(Exception):
        pass

    def refuse() -> None:
        raise Refused

    with pytest.raises(Refused):
        import_people(any_store, "news", _rows(NewSubscriber("ada@example.org")), check=refuse)

    with any_store.session() as session:
        assert session.scalars(select(Subscriber.email)).all() == []
        assert session.scalars(select(MailingList.name)).all() == []


def test_progress_counts_every_row_and_the_import_runs_again_as_a_no_op(any_store: Store):
    people = _rows(*(NewSubscriber(f"reader{i}@example.org") for i in range(25_000)))
    seen: list[int] = []

    first = import_people(any_store, "news", people, progress=seen.append)
    again = import_people(any_store, "news", people)

    assert sum(seen) == 25_000
    assert (first.added, again.added, again.already) == (25_000, 0, 25_000)
