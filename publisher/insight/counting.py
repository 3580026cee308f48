"""The report's numbers as SQL aggregates over tracking_events, the outbox and subscriptions.

Every function is a few GROUP BY queries whose result has at most one row per (kind, verdict, link, hour,
domain or HyperLogLog register): never a row per event, so a campaign of millions reads the same way.

A click on a honeypot link (tracked_links.honeypot) counts as a machine's whatever verdict it was stored
with: nobody sees that link. Unique readers are COUNT(DISTINCT subscriber_id) in mode individual; in mode
aggregate no row names a reader, so they are estimated from the rows' sketches (publisher.tracking): the
highest rank of each register, one GROUP BY, then ``estimate_registers``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal, select, true
from sqlalchemy.orm import Session

from publisher.store.models import TrackedLink, TrackingEvent
from publisher.tracking import Mode, estimate_registers

HOURLY = 48  # the timeline's first 48 hours go by hour, the rest by day
KINDS = ("open", "click")
VERDICTS = ("human", "machine")

_honeypot = and_(TrackedLink.honeypot == true())
VERDICT = case((_honeypot, literal("machine")), else_=TrackingEvent.verdict)
REASON = case((_honeypot, literal("honeypot")), else_=TrackingEvent.reason)


@dataclass
class Engagement:
    """Opens or clicks: unique readers and events, human and machine; the machines' events by reason."""

    human: int = 0
    machine: int = 0
    human_total: int = 0
    machine_total: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    estimated: bool = False

    def add_total(self, verdict: str, n: int) -> None:
        if verdict == "human":
            self.human_total += n
        else:
            self.machine_total += n

    def set_unique(self, verdict: str, n: int) -> None:
        if verdict == "human":
            self.human = n
        else:
            self.machine = n

    def to_dict(self) -> dict[str, Any]:
        return {
            "human": self.human,
            "machine": self.machine,
            "human_total": self.human_total,
            "machine_total": self.machine_total,
            "reasons": self.reasons,
            "estimated": self.estimated,
        }


def events_of(campaign_id: int, *columns: Any) -> Any:  # noqa: ANN401 - a Select of the columns asked
    """SELECT columns FROM tracking_events LEFT JOIN tracked_links (the honeypot flag) of one campaign."""
    joined = and_(TrackedLink.campaign_id == TrackingEvent.campaign_id, TrackedLink.position == TrackingEvent.position)
    return select(*columns).outerjoin(TrackedLink, joined).where(TrackingEvent.campaign_id == campaign_id)


def _uniques(
    session: Session, campaign_id: int, mode: Mode, keys: list[Any], *where: ColumnElement[bool]
) -> dict[tuple[Any, ...], int]:
    """Unique readers per `keys` (columns, e.g. kind and verdict): exact in mode individual, else estimated."""
    if mode == Mode.INDIVIDUAL:
        distinct = func.count(TrackingEvent.subscriber_id.distinct())
        rows = session.execute(events_of(campaign_id, *keys, distinct).where(*where).group_by(*keys))
        return {tuple(row[:-1]): row[-1] for row in rows}
    register, rank = TrackingEvent.sketch // 64, TrackingEvent.sketch % 64
    registers: dict[tuple[Any, ...], dict[int, int]] = {}
    query = events_of(campaign_id, *keys, register, func.max(rank)).where(*where).group_by(*keys, register)
    for row in session.execute(query):
        registers.setdefault(tuple(row[:-2]), {})[int(row[-2])] = int(row[-1])
    return {key: estimate_registers(ranks) for key, ranks in registers.items()}


def engagement(session: Session, campaign_id: int, mode: Mode) -> dict[str, Engagement]:
    """{"open": Engagement, "click": Engagement} of one campaign."""
    found = {kind: Engagement(estimated=mode == Mode.AGGREGATE) for kind in KINDS}
    keys = [TrackingEvent.kind, VERDICT]
    for kind, verdict, reason, n in session.execute(
        events_of(campaign_id, *keys, REASON, func.count()).group_by(*keys, REASON)
    ):
        if kind in found:
            found[kind].add_total(verdict, n)
            if verdict == "machine":
                found[kind].reasons[reason] = found[kind].reasons.get(reason, 0) + n
    for (kind, verdict), n in _uniques(session, campaign_id, mode, keys).items():
        if kind in found:
            found[kind].set_unique(verdict, n)
    for counts in found.values():
        counts.reasons = dict(sorted(counts.reasons.items(), key=lambda item: (-item[1], item[0])))
    return found


@dataclass
class LinkCounts:
    """One link of the message, by its position: who clicked it (unique) and how often (total)."""

    position: int
    url: str
    counts: Engagement
    channel: str | None = None  # a share post's link: the channel (account) whose post carries it

    def to_dict(self) -> dict[str, Any]:
        c = self.counts
        return {
            "position": self.position,
            "url": self.url,
            "channel": self.channel,
            "human": c.human,
            "machine": c.machine,
            "human_total": c.human_total,
            "machine_total": c.machine_total,
        }


def links(session: Session, campaign_id: int, mode: Mode) -> list[LinkCounts]:
    """Every link readers can see (honeypots left out: their clicks are in the machines' totals), in order."""
    shown = {
        position: LinkCounts(position, url, Engagement(estimated=mode == Mode.AGGREGATE))
        for position, url in session.execute(
            select(TrackedLink.position, TrackedLink.url)
            .where(TrackedLink.campaign_id == campaign_id, TrackedLink.honeypot.is_not(True))
            .order_by(TrackedLink.position)
        )
    }
    keys = [TrackingEvent.position, TrackingEvent.verdict]
    clicks = TrackingEvent.kind == "click"
    for position, verdict, n in session.execute(
        events_of(campaign_id, *keys, func.count()).where(clicks).group_by(*keys)
    ):
        if position in shown:
            shown[position].counts.add_total(verdict, n)
    for (position, verdict), n in _uniques(session, campaign_id, mode, keys, clicks).items():
        if position in shown:
            shown[position].counts.set_unique(verdict, n)
    return list(shown.values())
