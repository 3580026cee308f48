"""Posting slots (issue 14): the spec read with clear errors, written back in one form, and its times across DST."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from publisher.campaigns.slots import InvalidSlots, parse_slots, resolve

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("spec", "tz", "text", "zone"),
    [
        ("weekdays 09:00 and 17:00 Europe/Berlin", None, "weekdays 09:00, 17:00", "Europe/Berlin"),
        ("weekdays 09:00, 17:00", "Europe/Berlin", "weekdays 09:00, 17:00", "Europe/Berlin"),
        ("Mon-Fri 9:00", None, "weekdays 09:00", "UTC"),
        ("daily 08:00", "America/New_York", "daily 08:00", "America/New_York"),
        ("every day 08:00", None, "daily 08:00", "UTC"),
        ("weekends 10:30", None, "weekends 10:30", "UTC"),
        ("mon, wed and fri 12:30; sat 10:00", None, "mon, wed, fri 12:30; sat 10:00", "UTC"),
        ("Mondays 18:00 tuesday 18:00", None, "mon, tue 18:00", "UTC"),
        ("fri-mon 07:15", None, "mon, fri, sat, sun 07:15", "UTC"),
        ("weekdays 17:00 09:00 17:00", None, "weekdays 09:00, 17:00", "UTC"),
        ("weekdays 09:00; mon 12:00", None, "mon 09:00, 12:00; tue, wed, thu, fri 09:00", "UTC"),
        ("daily 09:00 UTC", "UTC", "daily 09:00", "UTC"),
    ],
)
def test_a_slot_spec_is_read_and_written_back_in_its_normal_form(spec, tz, text, zone):
    slots = parse_slots(spec, tz)

    assert (slots.text, slots.zone) == (text, zone)
    assert parse_slots(slots.text, slots.zone) == slots  # the normal form reads back as the same slots


@pytest.mark.parametrize(
    ("spec", "tz", "problem"),
    [
        ("", None, "no posting slots in ''"),
        ("09:00", None, "09:00 has no days before it"),
        ("weekdays", None, "'weekdays' has no time after it"),
        ("mon 09:00 tue", None, "'tue' has no time after it"),
        ("weekdays 24:00", None, "24:00 is not a time of day"),
        ("weekdays 09:60", None, "09:60 is not a time of day"),
        ("weekdays 9am", None, "'9am' is neither a day nor a time"),
        ("funday 09:00", None, "'funday' is neither a day nor a time"),
        ("every week 09:00", None, "'every' must be followed by 'day'"),
        ("mon-funday 09:00", None, "'mon-funday' is neither a day nor a time"),
        ("daily 09:00", "Mars/Olympus", "'Mars/Olympus' is not a time zone name"),
        ("daily 09:00", "../../etc/passwd", "is not a time zone name"),
        ("daily 09:00", " ", "name a time zone"),
        ("daily 09:00 Europe/Berlin", "Asia/Tokyo", "names the time zone Europe/Berlin but Asia/Tokyo was given"),
    ],
)
def test_a_bad_slot_spec_is_refused_naming_the_word_and_what_was_expected(spec, tz, problem):
    with pytest.raises(InvalidSlots) as refused:
        parse_slots(spec, tz)

    assert problem in str(refused.value)


@given(st.text(max_size=60), st.one_of(st.none(), st.text(max_size=40)))
def test_any_text_is_read_or_refused_with_invalid_slots_never_another_exception(spec, tz):
    try:
        slots = parse_slots(spec, tz)
    except InvalidSlots:
        return
    assert parse_slots(slots.text, slots.zone) == slots


def test_weekday_slots_skip_the_weekend_and_keep_their_wall_clock_time_across_summer_time():
    slots = parse_slots("weekdays 09:00, 17:00", "Europe/Berlin")
    friday_before_the_change = datetime(2027, 3, 26, 12, 0, tzinfo=UTC)

    times = [
        t.astimezone(BERLIN)
        for t in slots.times(friday_before_the_change, friday_before_the_change + timedelta(days=4))
    ]

    assert [t.strftime("%a %H:%M %z") for t in times] == [
        "Fri 17:00 +0100",
        "Mon 09:00 +0200",  # summer time began on Sunday: still 09:00 on the wall
        "Mon 17:00 +0200",
        "Tue 09:00 +0200",
    ]


def test_a_slot_skipped_by_spring_forward_moves_to_the_next_minute_that_exists():
    # Europe/Berlin, Sunday 28 March 2027: 02:00 CET jumps to 03:00 CEST, so 02:00-02:59 never happen.
    day = datetime(2027, 3, 28).date()

    assert resolve(day, time(2, 30), BERLIN) == datetime(2027, 3, 28, 1, 0, tzinfo=UTC)  # 03:00 CEST
    assert resolve(day, time(2, 0), BERLIN) == datetime(2027, 3, 28, 1, 0, tzinfo=UTC)
    assert resolve(day, time(3, 0), BERLIN) == datetime(2027, 3, 28, 1, 0, tzinfo=UTC)
    assert resolve(day, time(1, 59), BERLIN) == datetime(2027, 3, 28, 0, 59, tzinfo=UTC)


def test_slots_that_fall_into_one_spring_forward_minute_fire_once():
    slots = parse_slots("sun 02:15, 02:45, 03:00", "Europe/Berlin")
    saturday = datetime(2027, 3, 27, tzinfo=UTC)

    times = list(slots.times(saturday, saturday + timedelta(days=2)))

    assert times == [datetime(2027, 3, 28, 1, 0, tzinfo=UTC)]  # 03:00 CEST, once


def test_an_ambiguous_fall_back_slot_fires_once_at_its_first_occurrence():
    # Europe/Berlin, Sunday 31 October 2027: 03:00 CEST goes back to 02:00 CET, so 02:30 happens twice.
    slots = parse_slots("daily 02:30", "Europe/Berlin")
    saturday = datetime(2027, 10, 30, 12, 0, tzinfo=UTC)

    times = list(slots.times(saturday, saturday + timedelta(days=2)))

    assert times == [datetime(2027, 10, 31, 0, 30, tzinfo=UTC), datetime(2027, 11, 1, 1, 30, tzinfo=UTC)]
    assert times[0].astimezone(BERLIN).strftime("%H:%M %Z") == "02:30 CEST"


def test_a_slot_on_a_day_its_zone_skipped_moves_to_the_first_minute_of_the_next_day():
    # Samoa skipped Friday 30 December 2011 entirely (Thursday 23:59 was followed by Saturday 00:00).
    slots = parse_slots("daily 09:00", "Pacific/Apia")
    start = datetime(2011, 12, 29, 0, 0, tzinfo=UTC)

    local = [t.astimezone(ZoneInfo("Pacific/Apia")) for t in slots.times(start, start + timedelta(days=3))]

    assert [t.strftime("%a %d %H:%M") for t in local] == [
        "Thu 29 09:00",
        "Sat 31 00:00",
        "Sat 31 09:00",
        "Sun 01 09:00",
    ]


@given(
    st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC)),
    st.sampled_from(["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "America/Santiago", "UTC"]),
    st.lists(st.times().map(lambda t: t.replace(second=0, microsecond=0)), min_size=1, max_size=4),
)
def test_slot_times_are_strictly_increasing_later_than_the_start_and_on_the_minute(after, zone, times):
    slots = parse_slots("daily " + ", ".join(f"{t:%H:%M}" for t in times), zone)

    found = list(slots.times(after, after + timedelta(days=9)))

    assert len(found) >= 8 * len(set(times)) - 2 * len(set(times))  # a DST day may merge a few
    assert all(b > a for a, b in zip(found, found[1:], strict=False))
    assert all(t > after and t.second == 0 for t in found)
