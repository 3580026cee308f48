"""A recurring digest's schedule spec: "every friday 08:00", "weekdays 06:30", "first monday of the month 09:00",
"each article"; read with errors naming the bad word, written back in one normal form (DigestSchedule.spec).

Weekly specs are posting slots (campaigns.slots), so they share its DST rules: a wall-clock time a
spring-forward day skips (02:30 in Europe/Berlin on the last Sunday of March) runs at the next minute that
exists, once; an ambiguous one on the fall-back day runs at its first occurrence only. Monthly specs place the
nth (or last) weekday of each month and resolve its times the same way. "each article" has no times: the
digest goes out whenever an article was published since the last one (cadence "instant").
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from publisher.campaigns.slots import DAY_NAMES, InvalidSlots, Slots, load_zone, parse_slots, resolve
from publisher.errors import PublisherError

INSTANT = "each article"
SPEC_MAX = 200  # digest_schedules.spec
SPEC_EXAMPLES = '"every friday 08:00", "daily 07:00", "weekdays 06:30", "first monday of the month 09:00"'
_FULL = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4, "last": -1}
_ORDINAL_WORDS = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}
_INSTANT_WORDS = {"each article", "every article", "instant", "instantly", "as published", "each article as published"}
_TIME = re.compile(r"(\d{1,2}):(\d{2})")


class InvalidSchedule(PublisherError):
    """A schedule spec that cannot be read; the message names the word and what was expected."""


@dataclass(frozen=True)
class CadenceSpec:
    """A parsed spec: weekly slots, an nth weekday of every month, or "each article" (no times)."""

    text: str  # the normal form, stored and shown
    zone: str
    slots: Slots | None = None  # weekly
    ordinal: int = 0  # monthly: 1..4, or -1 for the last
    weekday: int = 0
    at: tuple[time, ...] = ()

    @property
    def instant(self) -> bool:
        return self.slots is None and not self.at

    @property
    def tzinfo(self) -> ZoneInfo:
        return ZoneInfo(self.zone)

    def times(self, after: datetime, until: datetime | None = None) -> Iterator[datetime]:
        """Every due instant (UTC) later than after, in order, each once; up to until if given."""
        if self.slots is not None:
            yield from self.slots.times(after, until)
            return
        if self.instant:
            return
        zone, last = self.tzinfo, after.astimezone(UTC)
        local = last.astimezone(zone).date()
        year, month = (local.year, local.month - 1) if local.month > 1 else (local.year - 1, 12)
        while True:
            day = _nth_weekday(year, month, self.weekday, self.ordinal)
            if until is not None and datetime.combine(day, time(), zone) > until + timedelta(days=2):
                return
            for instant in sorted({resolve(day, at, zone) for at in self.at}):
                if instant > last and (until is None or instant <= until):
                    last = instant
                    yield instant
            year, month = (year, month + 1) if month < 12 else (year + 1, 1)

    def next_after(self, after: datetime) -> datetime | None:
        """The first due instant later than after (None for "each article")."""
        return next(self.times(after), None)

    def latest(self, after: datetime, until: datetime) -> tuple[datetime | None, int]:
        """The last due instant in (after, until] and how many due instants there were in all."""
        found, count = None, 0
        for instant in self.times(after, until):
            found, count = instant, count + 1
        return found, count


def parse_spec(text: str, tz: str | None = None) -> CadenceSpec:
    """Read a spec in tz (default UTC) or the zone named at its end; raises InvalidSchedule naming the problem."""
    words = text.strip().lower().replace(",", ", ").split()
    if not words:
        raise InvalidSchedule(f"the schedule is empty; write one such as {SPEC_EXAMPLES}, or {INSTANT!r}")
    zone_word = None
    if "/" in words[-1] or words[-1] == "utc":
        zone_word = "UTC" if words[-1] == "utc" else text.strip().split()[-1]
        words = words[:-1]
    try:
        if zone_word is not None and tz is not None and load_zone(zone_word).key != load_zone(tz).key:
            raise InvalidSchedule(f"the spec names the time zone {zone_word} but {tz} was given too; name one")
        zone = load_zone(tz or zone_word or "UTC").key
    except InvalidSlots as exc:
        raise InvalidSchedule(str(exc)) from None
    if " ".join(words) in _INSTANT_WORDS:
        return CadenceSpec(INSTANT, zone)
    parsed = _monthly(words, zone) if words[0].rstrip(",") in _ORDINALS else _weekly(words, zone)
    if len(parsed.text) > SPEC_MAX:
        raise InvalidSchedule(f"the schedule is longer than {SPEC_MAX} characters; a digest needs fewer times")
    return parsed


def _weekly(words: list[str], zone: str) -> CadenceSpec:
    # "every friday" and "every day" read as "friday" and "daily"; slots does the rest.
    kept: list[str] = []
    for n, word in enumerate(words):
        if word == "every" and n + 1 < len(words) and words[n + 1] != "day":
            continue
        kept.append(word)
    spec = " ".join(kept)
    if not _TIME.search(spec):
        raise InvalidSchedule(f"{' '.join(words)[:60]!r} has no time of day; add one, as in {SPEC_EXAMPLES}")
    try:
        slots = parse_slots(spec, zone)
    except InvalidSlots as exc:
        raise InvalidSchedule(f"{exc}; a schedule reads like {SPEC_EXAMPLES}") from None
    days = [d for d, times in enumerate(slots.week) if times]
    if len(days) == 1 and len({slots.week[d] for d in days}) == 1:
        normal = f"every {_FULL[days[0]]} {', '.join(f'{t:%H:%M}' for t in slots.week[days[0]])}"
    else:
        normal = slots.text
    return CadenceSpec(normal, zone, slots=slots)


def _monthly(words: list[str], zone: str) -> CadenceSpec:
    """ "first monday of the month 09:00", "last friday of every month 17:00", "2nd tue monthly 08:30"."""
    ordinal = _ORDINALS[words[0].rstrip(",")]
    if len(words) < 2:
        raise InvalidSchedule(f"{words[0]!r} must be followed by a day, as in 'first monday of the month 09:00'")
    weekday = _weekday(words[1])
    rest = [w.rstrip(",") for w in words[2:]]
    filler = {"of", "the", "every", "each", "month", "monthly"}
    at: list[time] = []
    for word in rest:
        if word in filler or not word:
            continue
        found = _TIME.fullmatch(word)
        if not found:
            raise InvalidSchedule(
                f"{word[:30]!r} is not a time of day; write 'first monday of the month 09:00' (24-hour HH:MM)"
            )
        hour, minute = int(found.group(1)), int(found.group(2))
        if hour > 23 or minute > 59:
            raise InvalidSchedule(f"{word} is not a time of day; use 24-hour HH:MM from 00:00 to 23:59")
        at.append(time(hour, minute))
    if "month" not in rest and "monthly" not in rest:
        raise InvalidSchedule(f"say which month: '{words[0]} {words[1]} of the month 09:00'")
    if not at:
        raise InvalidSchedule(f"'{' '.join(words)[:60]}' has no time of day; add one, such as 09:00")
    times = tuple(sorted(set(at)))
    normal = f"{_ORDINAL_WORDS[ordinal]} {_FULL[weekday]} of the month {', '.join(f'{t:%H:%M}' for t in times)}"
    return CadenceSpec(normal, zone, ordinal=ordinal, weekday=weekday, at=times)


def _weekday(word: str) -> int:
    name = word.rstrip(",.")
    for index, (short, full) in enumerate(zip(DAY_NAMES, _FULL, strict=True)):
        if name in (short, full, full + "s"):
            return index
    raise InvalidSchedule(f"{word[:30]!r} is not a day of the week; write monday..sunday (or mon..sun)")


def _nth_weekday(year: int, month: int, weekday: int, ordinal: int) -> date:
    """The nth (1..4) or last (-1) given weekday of a month."""
    if ordinal > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (ordinal - 1))
    following = date(year + (month == 12), month % 12 + 1, 1)
    last = following - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)
