"""The reader's cadence on the preferences page (issue 16): offered where the list allows it, saved with the
signed link, and the recurring digest of that cadence then mails them."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from publisher import subscriber_links
from publisher.automation import recurring
from publisher.config import Settings
from publisher.store import Store
from publisher.store.models import MailingList, Subscriber, Subscription
from tests.support.recurring import readers


def link_of(store: Store, settings: Settings, address: str, list_name: str) -> tuple[str, int]:
    with store.session() as session:
        subscriber_id = session.scalar(select(Subscriber.id).where(Subscriber.email == address))
        list_id = session.scalar(select(MailingList.id).where(MailingList.name == list_name))
    assert subscriber_id is not None and list_id is not None
    return subscriber_links.unsubscribe_token(settings.signing_key(), subscriber_id, list_id, address), list_id


def cadence_of(store: Store, address: str) -> str | None:
    with store.session() as session:
        return session.scalar(
            select(Subscription.cadence).join(Subscriber, Subscriber.id == Subscription.subscriber_id).where(
                Subscriber.email == address
            )
        )


def test_a_reader_chooses_a_cadence_the_list_offers_with_the_default_checked_at_first(
    http: httpx.Client, store: Store, settings: Settings
):
    [address] = readers(store, "news", "reader", 1)
    recurring.set_list_cadences(store, "news", ["instant", "daily", "weekly"], "weekly")
    token, list_id = link_of(store, settings, address, "news")

    page = http.get(f"/preferences/{token}")
    assert page.status_code == 200
    assert page.text.count(f'name="cadence-{list_id}"') == 3
    assert f'name="cadence-{list_id}" value="weekly" checked' in page.text
    assert "Each article as it is published" in page.text

    saved = http.post(f"/preferences/{token}", data={"list": [str(list_id)], f"cadence-{list_id}": "daily"})

    assert saved.status_code == 200 and "Saved." in saved.text
    assert f'name="cadence-{list_id}" value="daily" checked' in saved.text
    assert cadence_of(store, address) == "daily"


def test_a_list_that_offers_no_choice_shows_none_and_a_forged_cadence_is_refused(
    http: httpx.Client, store: Store, settings: Settings
):
    [address] = readers(store, "news", "reader", 1)
    token, list_id = link_of(store, settings, address, "news")

    page = http.get(f"/preferences/{token}")
    refused = http.post(f"/preferences/{token}", data={"list": [str(list_id)], f"cadence-{list_id}": "hourly"})

    assert "cadence-" not in page.text
    assert refused.status_code == 400 and "the cadence &#39;hourly&#39; is not one this list offers" in refused.text
    assert cadence_of(store, address) is None
