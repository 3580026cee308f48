"""Signup: at most one confirmation mail per address per window, whatever lists a burst names."""

from __future__ import annotations

from sqlalchemy import func, select

from publisher import consent
from publisher.config import Settings
from publisher.states import CampaignKind
from publisher.store import Store
from publisher.store.models import Campaign, MailingList, Subscription


def _confirmations(store: Store) -> int:
    with store.session() as session:
        return session.scalar(select(func.count()).where(Campaign.kind == CampaignKind.CONFIRM)) or 0


def test_a_burst_naming_many_lists_mails_one_address_once(store: Store, settings: Settings):
    names = [f"list{i}" for i in range(8)]
    with store.session() as session:
        session.add_all(MailingList(name=n) for n in names)
    outcomes = [consent.request_signup(store, settings, "target@example.com", list_name=n) for n in names]

    assert [o.status for o in outcomes] == ["pending"] * 8
    assert _confirmations(store) == 1, "one confirmation mail, not one per list"
    with store.session() as session:  # every list's request is recorded, waiting for a later confirmation
        assert session.scalar(select(func.count()).where(Subscription.status == "unconfirmed")) == 8


def test_another_address_is_not_held_back_by_the_first(store: Store, settings: Settings):
    with store.session() as session:
        session.add(MailingList(name="news"))
    consent.request_signup(store, settings, "one@example.com", list_name="news")
    consent.request_signup(store, settings, "two@example.com", list_name="news")
    assert _confirmations(store) == 2
