"""One Publish (issue 16): publish the article, mail it to the lists, share it to the accounts, in one action.

What Publish does by default is the publication's (publisher.publication: publish_lists, publish_accounts,
publish_full); a caller may choose other lists and accounts. The action is recorded first, as a PublishRow
holding the form's submission token (unique), so the same form posted twice makes one publish and the
second post lands on the first. Then each part happens on its own: the article is published
(library.set_published, the one copy of that rule, which also logs the article.published event), the
digest of that one article goes to the lists (campaigns.service.send_digest), the post to the accounts
(campaigns.service.share). A part that fails (a duplicate send, a network refused) is recorded in
options["errors"] with its time, and the others still happen; the timeline (publisher.automation.timeline)
shows it all.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from publisher import library, publication
from publisher.campaigns import service
from publisher.campaigns.create import earlier_share
from publisher.campaigns.duplicates import check_submission
from publisher.channels import share_channels
from publisher.errors import DuplicateSend, NotFound, PublisherError
from publisher.runtime import Services
from publisher.store.automation import PublishRow
from publisher.store.base import utcnow
from publisher.store.models import MailingList

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Choice:
    """What one Publish does: the lists it mails, the accounts it shares to, full article or summary."""

    lists: list[str]
    accounts: list[str]
    full: bool


def defaults(services: Services) -> Choice:
    """What Publish does when the caller chooses nothing: the publication's publish defaults."""
    pub = publication.load(services.store, services.settings)
    return Choice(list(pub.publish_lists), list(pub.publish_accounts), pub.publish_full)


def choose(
    services: Services,
    *,
    lists: Sequence[str] | None = None,
    accounts: Sequence[str] | None = None,
    full: bool | None = None,
) -> Choice:
    """The publish defaults with the caller's choices in them, checked: an unknown list or account is refused
    (NotFound, PublisherError) naming it, before anything happens."""
    base = defaults(services)
    chosen = Choice(
        _once(base.lists if lists is None else lists),
        _once(base.accounts if accounts is None else accounts),
        base.full if full is None else full,
    )
    known = share_channels(services.settings)
    for account in chosen.accounts:
        if account not in known:
            raise PublisherError(f"unknown account {account!r} to share to; configured: {', '.join(known) or 'none'}")
    with services.store.session() as session:
        found = set(session.scalars(select(MailingList.name).where(MailingList.name.in_(chosen.lists))))
    for name in chosen.lists:
        if name not in found:
            raise NotFound(f"there is no list called {name!r} to mail on Publish")
    return chosen


def publish(
    services: Services,
    article_id: int,
    *,
    lists: Sequence[str] | None = None,
    accounts: Sequence[str] | None = None,
    full: bool | None = None,
    by: str | None = None,
    submission: str | None = None,
) -> int:
    """Publish the article, mail it to the lists and share it to the accounts; returns the publish's id.

    lists / accounts / full: None takes the publication's publish defaults; [] does none of that part.
    by: who pressed Publish (shown on the timeline). submission: the form's token; a publish it already made
    is returned and nothing happens again. Bad input (an unknown article, list or account) is refused before
    anything happens; after that, a part that fails is recorded, never raised.
    """
    token = check_submission(submission)
    earlier = _submitted(services, token) if token is not None else None
    if earlier is not None:  # the same form again: its publish, whatever changed since
        return earlier
    library.get_article(services.store, article_id)  # NotFound before anything is recorded
    chosen = choose(services, lists=lists, accounts=accounts, full=full)
    publish_id, made = _claim(services, article_id, chosen, by, token)
    if not made:
        return publish_id
    library.set_published(services.store, article_id, True)
    if chosen.lists:
        _send(services, publish_id, article_id, chosen)
    if chosen.accounts:
        _share(services, publish_id, article_id, chosen.accounts)
    return publish_id


def _once(names: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(n.strip() for n in names if n and n.strip()))


def _claim(services: Services, article_id: int, chosen: Choice, by: str | None, token: str | None) -> tuple[int, bool]:
    """Record the publish (the claim on its form's token): (id, True), or the earlier publish's (id, False)."""
    options: dict[str, Any] = {
        "lists": chosen.lists,
        "accounts": chosen.accounts,
        "full": chosen.full,
        "errors": [],
        "notes": [],
    }
    try:
        with services.store.session() as session:
            row = PublishRow(article_id=article_id, options=options, created_by=by, submission=token)
            session.add(row)
            session.flush()
            return row.id, True
    except IntegrityError:  # the same form, posted at the same moment: the other post made it
        earlier = _submitted(services, token) if token is not None else None
        if earlier is None:
            raise
        return earlier, False


def _submitted(services: Services, token: str) -> int | None:
    with services.store.session() as session:
        return session.scalar(select(PublishRow.id).where(PublishRow.submission == token))


def _send(services: Services, publish_id: int, article_id: int, chosen: Choice) -> None:
    try:
        campaign_id = service.send_digest(
            services,
            [article_id],
            chosen.lists,
            full=chosen.full,
            auto_share=False,  # Publish shares to its own accounts
            submission=f"publish-{publish_id}",  # a publish resumed makes no second digest
        )
    except DuplicateSend as exc:
        _record(services, publish_id, "error", "email", f"Not mailed: {exc}", campaign=exc.campaign_id)
        return
    except PublisherError as exc:
        _record(services, publish_id, "error", "email", f"Not mailed: {exc}")
        return
    except Exception as exc:  # the other parts still happen; the timeline says what went wrong
        log.exception("publish %s: the digest of article %s failed", publish_id, article_id)
        _record(services, publish_id, "error", "email", f"Not mailed: an unexpected error ({type(exc).__name__})")
        return
    with services.store.session() as session:
        row = session.get(PublishRow, publish_id)
        if row is not None:
            row.email_campaign_id = campaign_id


def _share(services: Services, publish_id: int, article_id: int, accounts: list[str]) -> None:
    todo: list[str] = []
    for account in accounts:
        where = earlier_share(services.store, article_id, account)
        if where is None:
            todo.append(account)
        else:
            _record(services, publish_id, "note", "share", f"{account}: shared before, at {where}; not posted again")
    if not todo:
        return
    try:
        campaign_id = service.share(services, article_id, todo)
    except PublisherError as exc:
        _record(services, publish_id, "error", "share", f"Not shared: {exc}")
        return
    except Exception as exc:  # the digest has gone; never fail the publish over a share
        log.exception("publish %s: sharing article %s failed", publish_id, article_id)
        _record(services, publish_id, "error", "share", f"Not shared: an unexpected error ({type(exc).__name__})")
        return
    with services.store.session() as session:
        row = session.get(PublishRow, publish_id)
        if row is not None:
            row.share_campaign_id = campaign_id


def _record(
    services: Services, publish_id: int, kind: str, part: str, message: str, *, campaign: int | None = None
) -> None:
    """Add an error or a note to the publish's options (a new dict, so the JSON column is written)."""
    entry: dict[str, Any] = {"part": part, "message": message, "at": utcnow().isoformat()}
    if campaign is not None:
        entry["campaign_id"] = campaign
    with services.store.session() as session:
        row = session.get(PublishRow, publish_id)
        if row is None:
            return
        options = dict(row.options or {})
        key = "errors" if kind == "error" else "notes"
        options[key] = [*options.get(key, []), entry]
        row.options = options
