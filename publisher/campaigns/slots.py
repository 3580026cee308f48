"""Posting slots (issue 14): "weekdays 09:00, 17:00" in a time zone, read with clear errors, and their times.

parse_slots(text, tz) -> Slots; Slots.text is the spec written back in one normal form (what is stored and
shown); Slots.times(after) yields the slot instants in UTC, in order. Each slot is a wall-clock time in the
account's zone (zoneinfo), so 09:00 stays 09:00 across summer time. On a spring-forward day a slot that does
not exist (02:30 in Europe/Berlin on the last Sunday of March) moves to the next minute that does (03:00);
on a fall-back day an ambiguous one (02:30 in October) is its first occurrence only, so it fires once.

The grammar, tokens separated by spaces, commas or "and": one or more day words, then one or more times,
repeated: `weekdays 09:00 and 17:00`, `mon, wed, fri 12:30; sat 10:00`, `daily 08:00`, `mon-thu 18:15`.
A zone name may end the spec (`weekdays 09:00 Europe/Berlin`) instead of being given on its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from publisher.errors import PublisherError

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
WEEKDAYS = frozenset(range(5))
WEEKENDS = frozenset({5, 6})
EVERY_DAY = frozenset(range(7))
_GROUPS = {"daily": EVERY_DAY, "everyday": EVERY_DAY, "weekdays": WEEKDAYS, "weekends": WEEKENDS}
_TIME = re.compile(r"(\d{1,2}):(\d{2})")
_TOKEN = re.compile(r"[^\s,;]+")
SLOTS_EXAMPLE = "weekdays 09:00, 17:00"
MAX_SLOTS_PER_WEEK = 7 * 24 * 4  # every quarter hour: more is a typo, and each lookup walks them all
_LONGEST_GAP = timedelta(days=2)  # a zone's skipped wall-clock time is at most a day (Samoa, 2011)


class InvalidSlots(PublisherError):
    """A posting-slot spec that cannot be read; the message names the word and what was expected."""


@dataclass(frozen=True)
class Slots:
    """An account's posting slots: the wall-clock times of each weekday (0 Monday) in a zone."""

    week: tuple[tuple[time, ...], ...]  # seven entries, each sorted
    zone: str

    @property
    def tzinfo(self) -> ZoneInfo:
        return ZoneInfo(self.zone)

    @property
    def text(self) -> str:
        """The spec in its normal form, without the zone, e.g. "weekdays 09:00, 17:00; sat 10:00"."""
        groups: dict[tuple[time, ...], list[int]] = {}
        for day, times in enumerate(self.week):
            if times:
                groups.setdefault(times, []).append(day)
        parts = [f"{_days_text(days)} {', '.join(f'{t:%H:%M}' for t in times)}" for times, days in groups.items()]
        return "; ".join(parts)

    def __str__(self) -> str:
        return f"{self.text} ({self.zone})"

    def times(self, after: datetime, until: datetime | None = None) -> Iterator[datetime]:
        """Every slot instant (UTC) later than after, in order, each once; up to until if given."""
        if not any(self.week):
            return
        zone = self.tzinfo
        last = after.astimezone(UTC)
        day = last.astimezone(zone).date() - timedelta(days=1)  # a slot shifted out of a gap may land later
        while until is None or datetime.combine(day, time(), zone) <= until + _LONGEST_GAP:
            for instant in sorted({resolve(day, at, zone) for at in self.week[day.weekday()]}):
                if instant > last and (until is None or instant <= until):
                    last = instant
                    yield instant
            day += timedelta(days=1)


def resolve(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The instant (UTC) of a wall-clock time on a day: a skipped time moves to the next minute that exists;
    an ambiguous one is its first occurrence (fold=0)."""
    local = datetime.combine(day, at)
    for _ in range(int(_LONGEST_GAP / timedelta(minutes=1))):
        placed = local.replace(tzinfo=zone)
        instant = placed.astimezone(UTC)
        if instant.astimezone(zone).replace(tzinfo=None) == local:  # this wall-clock time exists
            return instant
        local += timedelta(minutes=1)
    raise InvalidSlots(f"no valid time near {day} {at:%H:%M} in {zone.key}")  # pragma: no cover: no zone does this


def load_zone(name: str) -> ZoneInfo:
    """A time zone by its IANA name, e.g. Europe/Berlin; a clear error for an unknown one."""
    name = name.strip()
    if not name:
        raise InvalidSlots("name a time zone, such as Europe/Berlin or UTC")
    try:
        if len(name) > 64:  # the longest IANA name is about 30 characters
            raise ValueError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise InvalidSlots(f"{name[:60]!r} is not a time zone name; use one such as Europe/Berlin or UTC") from None


def parse_slots(text: str, tz: str | None = None) -> Slots:
    """Read a slot spec ("weekdays 09:00, 17:00"), in tz or the zone named at its end (default UTC)."""
    tokens = [t for t in _TOKEN.findall(text.replace(";", " ; ")) if t.lower() not in ("and", ";")]
    zone_word = tokens.pop() if tokens and ("/" in tokens[-1] or tokens[-1].upper() == "UTC") else None
    if zone_word is not None and tz is not None and load_zone(zone_word).key != load_zone(tz).key:
        raise InvalidSlots(f"the spec names the time zone {zone_word} but {tz} was given too; name one")
    zone = load_zone(tz or zone_word or "UTC")
    if not tokens:
        raise InvalidSlots(f"no posting slots in {text.strip()[:80]!r}; write days then times, such as {SLOTS_EXAMPLE}")
    week: list[set[time]] = [set() for _ in DAY_NAMES]
    days: set[int] = set()
    after_time = False  # a day word after a time starts the next group
    words = iter(tokens)
    for word in words:
        low = word.lower()
        if low == "every":
            following = next(words, "")
            if following.lower() != "day":
                raise InvalidSlots(f"'every' must be followed by 'day' (or name the days), not {following[:20]!r}")
            low = "daily"
        found = _TIME.fullmatch(low)
        if found:
            if not days:
                raise InvalidSlots(f"{word} has no days before it; write the days first, such as {SLOTS_EXAMPLE}")
            for day in days:
                week[day].add(_read_time(word, found))
            after_time = True
            continue
        if after_time:
            days, after_time = set(), False
        days |= _read_days(low)
    if not after_time:
        raise InvalidSlots(f"{tokens[-1][:20]!r} has no time after it; add one, such as {SLOTS_EXAMPLE}")
    if sum(len(times) for times in week) > MAX_SLOTS_PER_WEEK:
        raise InvalidSlots(f"more than {MAX_SLOTS_PER_WEEK} slots a week; check the spec")
    return Slots(tuple(tuple(sorted(times)) for times in week), zone.key)


def _read_time(word: str, found: re.Match[str]) -> time:
    hour, minute = int(found.group(1)), int(found.group(2))
    if hour > 23 or minute > 59:
        raise InvalidSlots(f"{word} is not a time of day; use 24-hour HH:MM from 00:00 to 23:59")
    return time(hour, minute)


def _read_days(word: str) -> set[int]:
    low = word.lower()
    for key in (low, low + "s"):  # "weekday" as well as "weekdays"
        if key in _GROUPS:
            return set(_GROUPS[key])
    if "-" in low:
        first, _, last = low.partition("-")
        start, end = _day_index(first, word), _day_index(last, word)
        return {(start + n) % 7 for n in range((end - start) % 7 + 1)}
    return {_day_index(low, word)}


def _day_index(name: str, word: str) -> int:
    name = name.rstrip(".")
    if name.endswith("s") and name[:-1] in _FULL:  # "mondays"
        name = name[:-1]
    for index, (short, full) in enumerate(zip(DAY_NAMES, _FULL, strict=True)):
        if name in (short, full):
            return index
    raise InvalidSlots(
        f"{word[:30]!r} is neither a day nor a time; days are mon..sun, weekdays, weekends, daily or a range "
        f"such as mon-fri, times HH:MM, as in {SLOTS_EXAMPLE}"
    )


def _days_text(days: list[int]) -> str:
    chosen = frozenset(days)
    for word in ("daily", "weekdays", "weekends"):
        if chosen == _GROUPS[word]:
            return word
    return ", ".join(DAY_NAMES[d] for d in sorted(chosen))
