"""The lists readers can join from the site, and the names reader pages call lists by.

The signup form offers the publication's public list when one is set (and exists); otherwise every list
there is: the only one, or a picker when there are several; none at all is a friendly "not open yet" page.
Reader pages never show a list's slug: the list readers join from the site is called by the publication's
name, any other list by its name made readable ("weekly-notes" -> "Weekly notes").
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from publisher import publication
from publisher.config import Settings
from publisher.store import Store
from publisher.store.models import MailingList


@dataclass(frozen=True)
class ReaderLists:
    publication: str  # the publication's name
    offered: tuple[str, ...]  # the lists the signup form offers, in order
    main: str | None  # the list called by the publication's name: the public list, or the only one offered

    def label(self, list_name: str) -> str:
        """A list's name as a picker shows it, beside the publication's name in the heading."""
        return self.publication if list_name == self.main else readable(list_name)

    def title(self, list_name: str) -> str:
        """A list's name where it stands alone (confirm, unsubscribe): the publication's, or "Name: List"."""
        if list_name == self.main:
            return self.publication
        return f"{self.publication}: {readable(list_name)}"


def readable(list_name: str) -> str:
    """A list slug as words: dashes and underscores become spaces, the first letter a capital."""
    words = " ".join(list_name.replace("-", " ").replace("_", " ").split())
    return (words[:1].upper() + words[1:]) or list_name


def reader_lists(store: Store, settings: Settings) -> ReaderLists:
    """What the site offers readers now (the publication's settings over the environment's)."""
    current = publication.load(store, settings)
    with store.session() as session:
        names = tuple(session.scalars(select(MailingList.name).order_by(MailingList.name)))
    if current.public_list and current.public_list in names:
        return ReaderLists(current.name, (current.public_list,), current.public_list)
    return ReaderLists(current.name, names, names[0] if len(names) == 1 else None)
