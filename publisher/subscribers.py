"""Lists and subscribers: validated addresses, bulk adds, CSV import, unsubscribe tokens."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Row, and_, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from publisher.addresses import normalize_address
from publisher.errors import InvalidAddress, NotFound, PublisherError
from publisher.render.mime import Recipient
from publisher.store import Store
from publisher.store.models import CampaignList, MailingList, Subscriber, Subscription, Suppression, utcnow
from publisher.subscriber_links import unsubscribe_token

# BAD_NAME, CsvReport, CsvRows and read_csv re-exported: callers name them publisher.subscribers.*, as before.
from publisher.subscriber_rows import BAD_NAME, CsvReport, CsvRows, NewSubscriber, check_name, read_csv  # noqa: F401
from publisher.suppression import suppressed_among, unsuppress

_CHUNK = 1000


@dataclass
class AddReport:
    added: int = 0
    already: int = 0
    suppressed: list[str] = field(default_factory=list)  # left out: on the suppression list


def get_list(session: Session, name: str) -> MailingList:
    found = session.scalar(select(MailingList).where(MailingList.name == name))
    if found is None:
        raise NotFound(f"no list named {name!r}")
    return found


def ensure_list(session: Session, name: str) -> MailingList:
    """The list called name, created if needed."""
    name = name.strip()
    if not name:
        raise PublisherError("a list needs a name")
    found = session.scalar(select(MailingList).where(MailingList.name == name))
    if found is None:
        found = MailingList(name=name)
        session.add(found)
        session.flush()
    return found


def _insert_ignore(session: Session, model: type, rows: list[dict[str, Any]]) -> None:
    """INSERT ... ON CONFLICT DO NOTHING on either SQLite or PostgreSQL."""
    if not rows:
        return
    if session.get_bind().dialect.name == "postgresql":
        session.execute(postgresql.insert(model).on_conflict_do_nothing(), rows)
    else:
        session.execute(sqlite.insert(model).on_conflict_do_nothing(), rows)


def add_to_list(
    store: Store,
    list_name: str,
    people: Iterable[NewSubscriber],
    *,
    source: str = "cli",
    progress: Callable[[int], None] | None = None,
    allow_suppressed: bool = False,
    welcome: bool = False,
) -> AddReport:
    """Add people to a list (created if needed) in one transaction; known addresses are subscribed again.

    Addresses on the suppression list are left out and reported, unless allow_suppressed, which adds them
    and takes them off the suppression list. welcome: new subscriptions count as just activated, so the
    list's welcome sequence mails them (single adds; never a CSV import, which would mail thousands at once).
    """
    activated = {"activated_at": utcnow()} if welcome else {}
    active = {"status": "active"} | activated
    report = AddReport()
    people = list(people)
    with store.session() as session:
        mailing_list = ensure_list(session, list_name)
        for start in range(0, len(people), _CHUNK):
            chunk = {p.email: p for p in people[start : start + _CHUNK]}
            size = len(chunk)
            blocked = suppressed_among(session, chunk)
            if blocked and allow_suppressed:
                for email in blocked:
                    unsuppress(session, email)
            elif blocked:
                report.suppressed.extend(sorted(blocked))
                chunk = {email: p for email, p in chunk.items() if email not in blocked}
            known = select(Subscriber.email, Subscriber.id).where(Subscriber.email.in_(list(chunk)))
            ids = dict(session.execute(known).all())
            new = [p for email, p in chunk.items() if email not in ids]
            if new:
                created = session.execute(
                    insert(Subscriber).returning(Subscriber.email, Subscriber.id, sort_by_parameter_order=True),
                    [{"email": p.email, "name": p.name, "attributes": p.attributes} for p in new],
                )
                ids.update(created.all())
            before = session.scalar(
                select(func.count())
                .select_from(Subscription)
                .where(
                    Subscription.list_id == mailing_list.id,
                    Subscription.subscriber_id.in_(list(ids.values())),
                )
            )
            _insert_ignore(
                session,
                Subscription,
                [{"list_id": mailing_list.id, "subscriber_id": sid, "source": source} | active for sid in ids.values()],
            )
            report.already += before or 0
            report.added += len(ids) - (before or 0)
            if blocked and allow_suppressed:  # re-added on purpose: their bounced subscription here is active again
                session.execute(
                    update(Subscription)
                    .where(
                        Subscription.list_id == mailing_list.id,
                        Subscription.subscriber_id.in_([ids[e] for e in blocked if e in ids]),
                        Subscription.status.in_(("bounced", "complained")),
                    )
                    .values(status="active", **activated),
                    execution_options={"synchronize_session": False},
                )
            if progress:
                progress(size)
    return report


def parse_addresses(addresses: Sequence[str], name: str = "") -> list[NewSubscriber]:
    """Validate every address first; InvalidAddress lists all the bad ones, so nothing is half-added."""
    check_name(name)
    good: list[NewSubscriber] = []
    errors: list[str] = []
    for address in addresses:
        try:
            good.append(NewSubscriber(email=normalize_address(address), name=name))
        except InvalidAddress as exc:
            errors.append(str(exc))
    if errors:
        raise InvalidAddress("; ".join(errors) + " (nothing was added)")
    return good


def list_size(store: Store, list_name: str) -> int:
    with store.session() as session:
        mailing_list = get_list(session, list_name)
        return (
            session.scalar(
                select(func.count())
                .select_from(Subscription)
                .where(Subscription.list_id == mailing_list.id, Subscription.status == "active")
            )
            or 0
        )


# --- Export and list overview (issue 5) ---

EXPORT_COLUMNS = ("email", "name", "status", "source", "subscribed_at", "confirmed_at")


def export_csv(store: Store, list_name: str, out: io.TextIOBase | Any, *, status: str | None = None) -> int:
    """Write a list's subscribers as CSV (fixed columns, then one column per attribute); returns the row count.

    Streams in chunks, so a large list never sits in memory whole.
    """
    with store.session() as session:
        mailing_list = get_list(session, list_name)
        where = [Subscription.list_id == mailing_list.id]
        if status:
            where.append(Subscription.status == status)
        keys: set[str] = set()
        for attributes in session.scalars(
            select(Subscriber.attributes).join(Subscription, Subscription.subscriber_id == Subscriber.id).where(*where)
        ):
            keys.update(attributes or {})
        extra = sorted(keys - set(EXPORT_COLUMNS))
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([*EXPORT_COLUMNS, *extra])
        rows = session.execute(
            select(Subscriber, Subscription)
            .join(Subscription, Subscription.subscriber_id == Subscriber.id)
            .where(*where)
            .order_by(Subscriber.id)
            .execution_options(yield_per=_CHUNK)
        )
        count = 0
        for person, sub in rows:
            attributes = person.attributes or {}
            writer.writerow(
                [
                    spreadsheet_safe(person.email),
                    spreadsheet_safe(person.name),
                    sub.status,
                    spreadsheet_safe(sub.source),
                    sub.created_at.isoformat(),
                    sub.confirmed_at.isoformat() if sub.confirmed_at else "",
                    *(spreadsheet_safe(str(attributes.get(k, ""))) for k in extra),
                ]
            )
            count += 1
        return count


def spreadsheet_safe(value: str) -> str:
    """A cell that starts with = + - @ (or a tab or CR) would run as a formula in a spreadsheet: quote it.

    OWASP's advice for CSV injection; a subscriber's name is input from anyone who signs up.
    """
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def list_overview(store: Store) -> list[dict[str, Any]]:
    """Every list with its subscription counts per status."""
    with store.session() as session:
        lists = session.execute(select(MailingList.id, MailingList.name).order_by(MailingList.name)).all()
        counts = session.execute(
            select(Subscription.list_id, Subscription.status, func.count()).group_by(
                Subscription.list_id, Subscription.status
            )
        ).all()
    by_list: dict[int, dict[str, int]] = {}
    for list_id, state, n in counts:
        by_list.setdefault(list_id, {})[state] = n
    return [{"id": i, "name": name, "counts": by_list.get(i, {})} for i, name in lists]


def recipients(
    session: Session, list_id: int | None, subscriber_ids: Iterable[int]
) -> Sequence[Row[int, str, str, str, str | None]]:
    """Subscribers of one list as delivery sees them at send time: id, email, name, the subscription's
    status and, when the address is on the global suppression list, its reason (`suppressed`)."""
    suppressed = Suppression.reason.label("suppressed")
    return session.execute(
        select(Subscriber.id, Subscriber.email, Subscriber.name, Subscription.status, suppressed)
        .join(Subscription, and_(Subscription.subscriber_id == Subscriber.id, Subscription.list_id == list_id))
        .outerjoin(Suppression, Suppression.email == Subscriber.email)
        .where(Subscriber.id.in_(list(subscriber_ids)))
    ).all()


def campaign_list_ids(session: Session, campaign_id: int, list_id: int | None) -> list[int]:
    """The lists a mail campaign goes to, in the editor's order: its campaign_lists, else its one list_id."""
    ids = session.scalars(
        select(CampaignList.list_id).where(CampaignList.campaign_id == campaign_id).order_by(CampaignList.position)
    ).all()
    return list(ids) if ids else ([list_id] if list_id is not None else [])


def mail_recipients_of_lists(
    session: Session, secret: str, list_ids: Sequence[int], subscriber_ids: Iterable[int], *, wanted: str = "active"
) -> dict[int, tuple[int, Recipient] | str]:
    """Per subscriber id: (the list, the Recipient) for the first of the lists, in order, that may mail them
    now, so the unsubscribe token and List-Id name a list the reader is on; else why not (the first list's
    reason)."""
    pending = list(subscriber_ids)
    out: dict[int, tuple[int, Recipient] | str] = dict.fromkeys(pending, "no longer on the list")
    reasons: dict[int, str] = {}
    for list_id in list_ids:
        if not pending:
            break
        found = mail_recipients(session, secret, list_id, pending, wanted=wanted)
        for sid, person in found.items():
            if isinstance(person, str):
                reasons.setdefault(sid, person)
            else:
                out[sid] = (list_id, person)
        pending = [sid for sid in pending if isinstance(found[sid], str)]
    for sid in pending:
        out[sid] = reasons.get(sid, "no longer on the list")
    return out


def mail_recipients(
    session: Session, secret: str, list_id: int | None, subscriber_ids: Iterable[int], *, wanted: str = "active"
) -> dict[int, Recipient | str]:
    """Per subscriber id: the Recipient to mail now (with its unsubscribe token), or why not.

    Checked at send time, not when the campaign was made: the subscription must still be in the `wanted`
    status and the address must not be suppressed.
    """
    ids = list(subscriber_ids)
    out: dict[int, Recipient | str] = dict.fromkeys(ids, "no longer on the list")
    if list_id is None:  # the list was deleted
        return out
    for person in recipients(session, list_id, ids):
        if person.suppressed is not None:
            out[person.id] = f"address is suppressed ({person.suppressed})"
        elif person.status != wanted:
            out[person.id] = f"subscription is {person.status}"
        else:
            token = unsubscribe_token(secret, person.id, list_id, person.email)
            out[person.id] = Recipient(id=person.id, email=person.email, name=person.name, token=token)
    return out
