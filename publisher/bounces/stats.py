"""Seeing bounces: counts by reason per campaign and per receiving domain, sender-side alarms on top.

Read-only. Every table of numbers is one GROUP BY query over bounce_events (never one query per campaign
or per domain), so the report stays quick on a million events: the campaigns table, the domains table and
the totals are three scans, the alarms one more; the campaigns' subjects, their sent counts (on the
outbox's (campaign_id, state) index) and the diagnostics quoted are fetched once each for the few rows shown.

What a bounce did is its stored kind (hard: suppressed, soft: counted, sender: the sender's problem,
complaint: suppressed), which is also right for rows from before reasons existed (reason "undefined").
An alarm is a campaign whose sender-side bounces pass the pause threshold (publisher.bounces.alarms) or
come within half of it, counted as the alarm counts them: since the campaign's alarm mark (its last
resume). A paused campaign with none after its mark (a mark moved when it paused) counts all of them.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from publisher.bounces.alarms import Alarm, passes_threshold
from publisher.bounces.reasons import effect_of, label_of
from publisher.config import Settings
from publisher.errors import PublisherError
from publisher.states import ACTIVE_CAMPAIGNS, CampaignState, RowState
from publisher.store.models import BounceEvent, Campaign, OutboxRow, utcnow
from publisher.store.totals import totals_for

# What a stored bounce did, as an editor reads it (the keys are BounceEvent.kind).
KIND_WORDS = {
    "hard": "suppressed",
    "soft": "counted",
    "sender": "sender's problem",
    "complaint": "complaint, suppressed",
}
# What a reason does (publisher.bounces.reasons.effect_of), in the same words.
EFFECT_WORDS = {
    "suppress": "suppressed",
    "count": "counted",
    "sender": "sender's problem",
    "complaint": "complaint, suppressed",
    "none": "not a bounce",
}
_SENT = (RowState.SENT, RowState.SENDING, RowState.FAILED)  # handed to the mail server: may bounce
_SINCE = re.compile(r"(\d{1,5})\s*([hdw])")
_UNITS = {"h": "hours", "d": "days", "w": "weeks"}


def parse_since(text: str | None, *, now: datetime | None = None) -> datetime | None:
    """Since when: "7d" (also 12h, 2w) before now, or a date "2026-11-01" (UTC midnight); None for "" or "all".

    Anything else is a PublisherError naming the value and the forms accepted.
    """
    value = (text or "").strip().lower()
    if value in ("", "all"):
        return None
    if match := _SINCE.fullmatch(value):
        return (now or utcnow()) - timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    try:
        day = datetime.strptime(value, "%Y-%m-%d")
    except ValueError:
        raise PublisherError(f"--since {text!r}: give a span like 7d, 12h or 2w, or a date like 2026-11-01") from None
    return day.replace(tzinfo=UTC)


def reason_words(reason: str) -> str:
    """The reason's label and what it does: "user unknown (suppressed)"."""
    return f"{label_of(reason)} ({EFFECT_WORDS[effect_of(reason)]})"


@dataclass(frozen=True)
class AlarmRow:
    """A campaign whose sender-side bounces pass the pause threshold ("passed") or are halfway there ("near")."""

    campaign_id: int
    subject: str
    state: str
    level: str  # passed | near
    threshold: int  # the sender-side bounces that pause it, given what it sent
    alarm: Alarm
    pause_reason: str | None = None

    @property
    def paused(self) -> bool:
        return self.state == CampaignState.PAUSED

    def describe(self) -> str:
        return self.alarm.describe()

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(paused=self.paused, describe=self.describe())
        return data


@dataclass(frozen=True)
class CampaignRow:
    """One campaign's bounces: by what they did (KIND_WORDS keys) and by reason, most first."""

    id: int
    subject: str
    state: str
    sent: int
    by_kind: dict[str, int]
    by_reason: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.by_kind.values())

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "total": self.total}


@dataclass(frozen=True)
class DomainRow:
    """One receiving domain's bounces by reason, and the latest diagnostic of its most frequent reason."""

    domain: str
    by_reason: dict[str, int]
    top_diagnostic: str | None

    @property
    def total(self) -> int:
        return sum(self.by_reason.values())

    @property
    def top_reason(self) -> str:
        return next(iter(self.by_reason), "undefined")

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "total": self.total, "top_reason": self.top_reason}


@dataclass(frozen=True)
class BounceSummary:
    """The report: alarms, then campaigns (newest first), domains (most bounces first), and the totals."""

    since: datetime | None
    campaign_id: int | None
    alarms: list[AlarmRow] = field(default_factory=list)
    campaigns: list[CampaignRow] = field(default_factory=list)
    domains: list[DomainRow] = field(default_factory=list)
    by_kind: dict[str, int] = field(default_factory=dict)
    by_reason: dict[str, int] = field(default_factory=dict)
    more_campaigns: int = 0  # campaigns with bounces left out of `campaigns` (over the limit)
    more_domains: int = 0

    @property
    def total(self) -> int:
        return sum(self.by_kind.values())

    def to_dict(self) -> dict[str, Any]:
        """For JSON: dates as ISO 8601, every reason with its label and effect once under "reasons"."""
        tables: list[dict[str, int]] = [self.by_reason, *(c.by_reason for c in self.campaigns)]
        reasons = {r for counts in tables + [d.by_reason for d in self.domains] for r in counts}
        return {
            "since": self.since.isoformat() if self.since else None,
            "campaign_id": self.campaign_id,
            "total": self.total,
            "by_kind": self.by_kind,
            "by_reason": self.by_reason,
            "alarms": [a.to_dict() for a in self.alarms],
            "campaigns": [c.to_dict() for c in self.campaigns],
            "domains": [d.to_dict() for d in self.domains],
            "more_campaigns": self.more_campaigns,
            "more_domains": self.more_domains,
            "reasons": {r: {"label": label_of(r), "effect": effect_of(r)} for r in sorted(reasons)},
        }


def _one_line(text: str | None) -> str | None:
    """A diagnostic on one line, cut to 300 characters; None when there is none."""
    return " ".join((text or "").split())[:300] or None


def _most_first(counts: dict[str, int]) -> dict[str, int]:
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def bounce_report(
    session: Session,
    settings: Settings,
    *,
    since: datetime | None = None,
    campaign_id: int | None = None,
    limit: int = 50,
) -> BounceSummary:
    """Bounces received since `since` (all when None), of one campaign or of all; `limit` rows per table."""
    where = []
    if since is not None:
        where.append(BounceEvent.received_at >= since)
    if campaign_id is not None:
        where.append(BounceEvent.campaign_id == campaign_id)

    # One scan gives both the campaigns table and the totals (bounces matched to no campaign are in
    # the totals only: a provider webhook may name a bare address).
    by_kind: dict[str, int] = {}
    by_reason: dict[str, int] = {}
    campaign_counts: dict[int, tuple[dict[str, int], dict[str, int]]] = {}
    for cid, kind, reason, n in session.execute(
        select(BounceEvent.campaign_id, BounceEvent.kind, BounceEvent.reason, func.count())
        .where(*where)
        .group_by(BounceEvent.campaign_id, BounceEvent.kind, BounceEvent.reason)
    ):
        by_kind[kind] = by_kind.get(kind, 0) + n
        by_reason[reason] = by_reason.get(reason, 0) + n
        if cid is not None:
            kinds, reasons = campaign_counts.setdefault(cid, ({}, {}))
            kinds[kind] = kinds.get(kind, 0) + n
            reasons[reason] = reasons.get(reason, 0) + n
    shown = sorted(campaign_counts, reverse=True)[:limit]

    candidates = _sender_counts(session, where, limit)
    ids = sorted(set(shown) | set(candidates))
    info: dict[int, Any] = {
        row.id: row
        for row in session.execute(
            select(Campaign.id, Campaign.subject, Campaign.state, Campaign.pause_reason).where(Campaign.id.in_(ids))
        )
    }
    sent: dict[int, int] = dict(
        session.execute(
            select(OutboxRow.campaign_id, func.count())
            .where(OutboxRow.campaign_id.in_(ids), OutboxRow.state.in_(_SENT))
            .group_by(OutboxRow.campaign_id)
        ).all()
    )
    for cid, kept in totals_for(session, ids).items():  # compacted campaigns (publisher.insight.retention)
        sent[cid] = sum(int(kept.counts.get(state, 0)) for state in _SENT)

    alarms = _alarms(session, settings, where, candidates, info, sent)
    campaigns = [
        CampaignRow(
            id=cid,
            subject=info[cid].subject if cid in info else "(deleted campaign)",
            state=info[cid].state if cid in info else "",
            sent=sent.get(cid, 0),
            by_kind=_most_first(campaign_counts[cid][0]),
            by_reason=_most_first(campaign_counts[cid][1]),
        )
        for cid in shown
    ]
    domains, more_domains = _domains(session, where, limit)
    return BounceSummary(
        since=since,
        campaign_id=campaign_id,
        alarms=alarms,
        campaigns=campaigns,
        domains=domains,
        by_kind=_most_first(by_kind),
        by_reason=_most_first(by_reason),
        more_campaigns=len(campaign_counts) - len(shown),
        more_domains=more_domains,
    )


def _sender_counts(session: Session, where: list[Any], limit: int) -> dict[int, tuple[int, int]]:
    """Sender-side bounces per campaign: (all of them, those since its alarm mark), the `limit` largest."""
    after_mark = func.sum(case((BounceEvent.id > Campaign.sender_alarm_mark, 1), else_=0))
    rows = session.execute(
        select(BounceEvent.campaign_id, func.count(), after_mark)
        .join(Campaign, Campaign.id == BounceEvent.campaign_id)
        .where(*where, BounceEvent.kind == "sender")
        .group_by(BounceEvent.campaign_id)
    ).all()
    largest = sorted(rows, key=lambda row: (-row[1], row[0]))[:limit]
    return {cid: (n, int(fresh or 0)) for cid, n, fresh in largest if cid is not None}


def threshold_of(settings: Settings, sent: int) -> int:
    """How many sender-side bounces pause a campaign that sent this many (publisher.bounces.alarms)."""
    by_rate = max(settings.sender_bounce_pause_min, math.ceil(settings.sender_bounce_pause_rate * sent))
    return min(settings.sender_bounce_pause_count, by_rate)


def _alarms(
    session: Session,
    settings: Settings,
    where: list[Any],
    counts: dict[int, tuple[int, int]],
    info: dict[int, Any],
    sent: dict[int, int],
) -> list[AlarmRow]:
    levels: dict[int, tuple[int, str, int]] = {}  # campaign -> (count, level, threshold)
    for cid, (everything, fresh) in counts.items():
        if cid not in info:
            continue
        # A paused campaign's own bounces: those since its mark, or all when its mark moved past them.
        count = everything if info[cid].state == CampaignState.PAUSED and not fresh else fresh
        threshold = threshold_of(settings, sent.get(cid, 0))
        if count and passes_threshold(settings, Alarm(count, sent.get(cid, 0), "", "", "")):
            levels[cid] = (count, "passed", threshold)
        elif count and 2 * count >= threshold:
            levels[cid] = (count, "near", threshold)
    if not levels:
        return []
    # What they say most, as alarm_of words it: one query over the alarms' campaigns only.
    since_mark = [cid for cid in levels if counts[cid][1]]
    counted = or_(BounceEvent.campaign_id.not_in(since_mark), BounceEvent.id > Campaign.sender_alarm_mark)
    top: dict[int, tuple[int, str, str, int]] = {}  # campaign -> (count, domain, reason, latest event id)
    for of, domain, reason, n, last in session.execute(
        select(BounceEvent.campaign_id, BounceEvent.domain, BounceEvent.reason, func.count(), func.max(BounceEvent.id))
        .join(Campaign, Campaign.id == BounceEvent.campaign_id)
        .where(*where, BounceEvent.kind == "sender", BounceEvent.campaign_id.in_(list(levels)), counted)
        .group_by(BounceEvent.campaign_id, BounceEvent.domain, BounceEvent.reason)
    ):
        if of is not None and (of not in top or (-n, domain, reason) < (-top[of][0], top[of][1], top[of][2])):
            top[of] = (n, domain, reason, last)
    diagnostics = dict(
        session.execute(
            select(BounceEvent.id, BounceEvent.diagnostic).where(BounceEvent.id.in_([t[3] for t in top.values()]))
        ).all()
    )
    alarms = []
    for cid, (count, level, threshold) in levels.items():
        _, domain, reason, last = top.get(cid, (0, "", "undefined", 0))
        alarm = Alarm(count, sent.get(cid, 0), domain, reason, _one_line(diagnostics.get(last)) or "")
        row = info[cid]
        alarms.append(AlarmRow(cid, row.subject, row.state, level, threshold, alarm, row.pause_reason))
    return sorted(alarms, key=lambda a: (not a.paused, a.level != "passed", -a.campaign_id))


def _domains(session: Session, where: list[Any], limit: int) -> tuple[list[DomainRow], int]:
    """The `limit` domains with the most bounces, by reason; and how many more domains there are."""
    per_domain = (
        select(BounceEvent.domain, func.count().label("n")).where(*where).group_by(BounceEvent.domain).subquery()
    )
    top = session.execute(
        select(per_domain.c.domain, func.count().over())  # how many domains in all, before the limit
        .order_by(per_domain.c.n.desc(), per_domain.c.domain)
        .limit(limit)
    ).all()
    if not top:
        return [], 0
    counts: dict[str, dict[str, int]] = {}
    latest: dict[tuple[str, str], int] = {}  # (domain, reason) -> its latest event id
    for domain, reason, n, last in session.execute(
        select(BounceEvent.domain, BounceEvent.reason, func.count(), func.max(BounceEvent.id))
        .where(*where, BounceEvent.domain.in_([domain for domain, _ in top]))
        .group_by(BounceEvent.domain, BounceEvent.reason)
    ):
        counts.setdefault(domain, {})[reason] = n
        latest[(domain, reason)] = last
    ordered = {domain: _most_first(by_reason) for domain, by_reason in counts.items()}
    ids = [latest[(domain, next(iter(by_reason)))] for domain, by_reason in ordered.items()]
    diagnostics = dict(
        session.execute(select(BounceEvent.id, BounceEvent.diagnostic).where(BounceEvent.id.in_(ids))).all()
    )
    rows = [
        DomainRow(domain, by_reason, _one_line(diagnostics.get(latest[(domain, next(iter(by_reason)))])))
        for domain, by_reason in ordered.items()
    ]
    rows.sort(key=lambda d: (-d.total, d.domain))
    return rows, top[0][1] - len(rows)


def campaign_bounces(session: Session, campaign_id: int) -> dict[str, int]:
    """One campaign's bounces by what they did (KIND_WORDS keys), most first; {} when there are none."""
    return _most_first(
        dict(
            session.execute(
                select(BounceEvent.kind, func.count())
                .where(BounceEvent.campaign_id == campaign_id)
                .group_by(BounceEvent.kind)
            ).all()
        )
    )


def sending_now(session: Session) -> bool:
    """Whether any campaign is queued or sending (new bounces may come in any minute)."""
    found = session.scalar(select(Campaign.id).where(Campaign.state.in_(ACTIVE_CAMPAIGNS)).limit(1))
    return found is not None
