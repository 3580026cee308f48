"""Recurring digests (issue 16): a list's schedule ("every friday 08:00" in Europe/Berlin), kept in the database.

This module adds, lists, pauses, resumes and removes schedules and sets a list's reader cadences; running what
is due is recurring_run.run_due (called by the workers' sweep through publisher.automation.sweep). A schedule
stores its spec in normal form (automation.cadence_spec), its zone, the readers' cadence it serves (None:
every active reader), a subject template and the composer settings of a manual digest (options).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from publisher.automation.cadence_spec import INSTANT, CadenceSpec, parse_spec
from publisher.automation.recurring_subject import check_subject_template, render_subject
from publisher.errors import NotFound, PublisherError
from publisher.runtime import Services
from publisher.states import CADENCES
from publisher.store import Store
from publisher.store.automation import DigestRun, DigestSchedule
from publisher.store.models import MailingList, utcnow
from publisher.subscribers import get_list

SCHEDULE_CADENCES = ("daily", "weekly", "instant")
OPTION_KEYS = ("full", "preheader", "auto_share")


@dataclass(frozen=True)
class RunView:
    """One run of a schedule, as shown: its due time, when it ran, and what came of it."""

    id: int
    due_at: datetime
    ran_at: datetime
    outcome: str  # running | retrying | sent | skipped | failed
    detail: str
    campaign_id: int | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "due_at": self.due_at.isoformat(),
            "ran_at": self.ran_at.isoformat(),
            "outcome": self.outcome,
            "detail": self.detail,
            "campaign_id": self.campaign_id,
        }


@dataclass(frozen=True)
class ScheduleView:
    """A schedule as the CLI, the editor and the API show it."""

    id: int
    list_name: str
    spec: str
    zone: str
    cadence: str | None
    subject_template: str
    options: dict[str, Any]
    paused: bool
    next_run_at: datetime | None  # UTC; None while paused, or for "each article"
    collect_since: datetime
    runs: list[RunView] = field(default_factory=list)  # the latest first

    @property
    def instant(self) -> bool:
        return self.spec == INSTANT

    @property
    def next_run_local(self) -> datetime | None:
        """The next run in the schedule's zone."""
        return self.next_run_at.astimezone(ZoneInfo(self.zone)) if self.next_run_at else None

    @property
    def when(self) -> str:
        """The next run in words: in the schedule's zone and in UTC."""
        if self.paused:
            return "paused"
        if self.instant:
            return "when an article is published"
        local = self.next_run_local
        if self.next_run_at is None or local is None:
            return "never"
        return f"{local:%a %Y-%m-%d %H:%M} {self.zone} ({self.next_run_at:%Y-%m-%d %H:%M} UTC)"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "list": self.list_name,
            "spec": self.spec,
            "timezone": self.zone,
            "cadence": self.cadence,
            "subject_template": self.subject_template,
            "options": self.options,
            "paused": self.paused,
            "next_run_at": self.next_run_at.isoformat() if self.next_run_at else None,
            "collect_since": self.collect_since.isoformat(),
            "runs": [run.to_dict() for run in self.runs],
        }


def check_options(options: Mapping[str, Any] | None) -> dict[str, Any]:
    """The composer settings a schedule may carry: full (bool or None), preheader (text), auto_share (bool)."""
    given = dict(options or {})
    stray = sorted(set(given) - set(OPTION_KEYS))
    if stray:
        raise PublisherError(f"unknown digest option {stray[0]!r}; the options are {', '.join(OPTION_KEYS)}")
    if given.get("full") not in (None, True, False):
        raise PublisherError("the option 'full' is true (whole articles), false (summaries) or unset")
    if "auto_share" in given and not isinstance(given["auto_share"], bool):
        raise PublisherError("the option 'auto_share' is true or false")
    preheader = given.get("preheader")
    if preheader is not None and (
        not isinstance(preheader, str) or any(ord(c) < 32 for c in preheader) or len(preheader) > 300
    ):
        raise PublisherError("the preheader is one line of text of at most 300 characters")
    return {k: v for k, v in given.items() if v is not None}


def _check_cadence(spec: CadenceSpec, cadence: str | None) -> str | None:
    if cadence is not None:
        cadence = cadence.strip().lower() or None
    if cadence is not None and cadence not in SCHEDULE_CADENCES:
        raise PublisherError(
            f"cadence {cadence!r} is not one of {', '.join(SCHEDULE_CADENCES)} (or none: every reader)"
        )
    if spec.instant:
        if cadence not in (None, "instant"):
            raise PublisherError(f"the spec {INSTANT!r} serves readers of the cadence 'instant', not {cadence!r}")
        return "instant"
    if cadence == "instant":
        raise PublisherError(f"the cadence 'instant' goes with the spec {INSTANT!r}, which mails each new article")
    return cadence


def add_schedule(
    store: Store,
    list_name: str,
    spec: str,
    tz: str | None = None,
    *,
    cadence: str | None = None,
    subject_template: str = "",
    options: Mapping[str, Any] | None = None,
    default_tz: str = "UTC",
    now: datetime | None = None,
) -> ScheduleView:
    """A new schedule of a list; articles published from now on are its first run's. Bad input is refused."""
    now = now or utcnow()
    parsed = parse_spec(spec, tz or (None if _names_zone(spec) else default_tz))
    chosen = _check_cadence(parsed, cadence)
    template = check_subject_template(subject_template)
    composer = check_options(options)
    with store.session() as session:
        mailing_list = get_list(session, _checked_name(list_name))
        row = DigestSchedule(
            list_id=mailing_list.id,
            spec=parsed.text,
            timezone=parsed.zone,
            cadence=chosen,
            subject_template=template,
            options=composer,
            next_run_at=parsed.next_after(now),
            collect_since=now,
        )
        session.add(row)
        session.flush()
        return _view(session, row, mailing_list.name)


def _checked_name(name: str) -> str:
    """A list name as typed; one with a control character (a NUL PostgreSQL would refuse) names no list."""
    name = name.strip()
    if any(ord(c) < 32 for c in name):
        raise NotFound(f"no list named {name[:60]!r}")
    return name


def _names_zone(spec: str) -> bool:
    words = spec.split()
    return bool(words) and ("/" in words[-1] or words[-1].upper() == "UTC")


def list_schedules(store: Store, *, runs: int = 5) -> list[ScheduleView]:
    """Every schedule, by list then id, each with its latest runs."""
    with store.session() as session:
        rows = session.execute(
            select(DigestSchedule, MailingList.name)
            .join(MailingList, MailingList.id == DigestSchedule.list_id)
            .order_by(MailingList.name, DigestSchedule.id)
        ).all()
        return [_view(session, row, name, runs=runs) for row, name in rows]


def get_schedule(store: Store, schedule_id: int, *, runs: int = 20) -> ScheduleView:
    with store.session() as session:
        row = _load(session, schedule_id)
        return _view(session, row, _list_name(session, row.list_id), runs=runs)


def pause(store: Store, schedule_id: int) -> ScheduleView:
    """Stop a schedule's runs until resumed (a run already started finishes)."""
    with store.session() as session:
        row = _load(session, schedule_id)
        row.paused, row.next_run_at = True, None
        return _view(session, row, _list_name(session, row.list_id))


def resume(store: Store, schedule_id: int, *, now: datetime | None = None) -> ScheduleView:
    """Run again from the next due time after now: due times missed while paused are not run, but the
    articles published meanwhile go into the next run."""
    now = now or utcnow()
    with store.session() as session:
        row = _load(session, schedule_id)
        row.paused = False
        row.next_run_at = parse_spec(row.spec, row.timezone).next_after(now)
        return _view(session, row, _list_name(session, row.list_id))


def remove(store: Store, schedule_id: int) -> None:
    """Delete a schedule and its runs (the campaigns it sent stay)."""
    with store.session() as session:
        session.delete(_load(session, schedule_id))


def next_run(schedule: DigestSchedule | ScheduleView, *, after: datetime | None = None) -> datetime | None:
    """When the schedule runs next after `after` (default now), in UTC; None while paused or for "each article"."""
    if schedule.paused:
        return None
    zone = schedule.zone if isinstance(schedule, ScheduleView) else schedule.timezone
    return parse_spec(schedule.spec, zone).next_after(after or utcnow())


def set_list_cadences(
    store: Store, list_name: str, cadences: Sequence[str] | None, default: str | None = None
) -> tuple[list[str] | None, str | None]:
    """What a list's readers may choose on the preferences page (None or empty: no choice), and the cadence
    of a reader who chose none."""
    chosen = [c.strip().lower() for c in cadences or [] if c.strip()]
    for value in [*chosen, *([default] if default else [])]:
        if value not in CADENCES:
            raise PublisherError(f"cadence {value!r} is not one of {', '.join(CADENCES)}")
    ordered = [c for c in CADENCES if c in chosen] or None
    if default and ordered and default not in ordered:
        raise PublisherError(f"the default cadence {default!r} is not among those readers may choose")
    with store.session() as session:
        mailing_list = get_list(session, _checked_name(list_name))
        mailing_list.cadences, mailing_list.default_cadence = ordered, default or None
    return ordered, default or None


def list_cadences(store: Store) -> list[tuple[str, list[str] | None, str | None]]:
    """Each list's name, the cadences its readers may choose, and its default."""
    with store.session() as session:
        rows = session.execute(
            select(MailingList.name, MailingList.cadences, MailingList.default_cadence).order_by(MailingList.name)
        ).all()
    return [(name, list(cadences) if cadences else None, default) for name, cadences, default in rows]


__all__ = ["check_subject_template", "render_subject"]  # with the rest: the subject template's two halves


def run_due(services: Services, *, now: datetime) -> int:
    """The sweep's entry point (publisher.automation.sweep): run what is due; see recurring_run."""
    from publisher.automation.recurring_run import run_due as run

    return run(services, now=now)


def _load(session: Session, schedule_id: int) -> DigestSchedule:
    row = session.get(DigestSchedule, schedule_id)
    if row is None:
        raise NotFound(f"no recurring digest schedule {schedule_id}")
    return row


def _list_name(session: Session, list_id: int) -> str:
    return session.scalar(select(MailingList.name).where(MailingList.id == list_id)) or f"list {list_id}"


def _view(session: Session, row: DigestSchedule, list_name: str, *, runs: int = 5) -> ScheduleView:
    found = session.scalars(
        select(DigestRun).where(DigestRun.schedule_id == row.id).order_by(DigestRun.due_at.desc()).limit(runs)
    ).all()
    return ScheduleView(
        id=row.id,
        list_name=list_name,
        spec=row.spec,
        zone=row.timezone,
        cadence=row.cadence,
        subject_template=row.subject_template,
        options=dict(row.options or {}),
        paused=row.paused,
        next_run_at=row.next_run_at,
        collect_since=row.collect_since,
        runs=[RunView(r.id, r.due_at, r.ran_at, r.outcome, r.detail, r.campaign_id) for r in found],
    )
