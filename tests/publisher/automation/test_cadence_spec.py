"""Recurring digest specs: read with errors naming the bad word, one normal form, DST handled like slots."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from publisher.automation.cadence_spec import INSTANT, InvalidSchedule, parse_spec


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("written", "normal"),
    [
        ("every friday 08:00", "every friday 08:00"),
        ("Every Friday 08:00", "every friday 08:00"),
        ("fridays 8:00", "every friday 08:00"),
        ("daily 07:00", "daily 07:00"),
        ("every day 07:00", "daily 07:00"),
        ("weekdays 06:30", "weekdays 06:30"),
        ("mon, wed 12:30", "mon, wed 12:30"),
        ("first monday of the month 09:00", "first monday of the month 09:00"),
        ("1st mon of every month 9:00", "first monday of the month 09:00"),
        ("last friday of the month 17:00", "last friday of the month 17:00"),
        ("each article", INSTANT),
        ("instant", INSTANT),
    ],
)
def test_a_spec_is_stored_in_one_normal_form_that_reads_back_the_same(written, normal):
    spec = parse_spec(written, "Europe/Berlin")

    assert spec.text == normal
    assert parse_spec(spec.text, "Europe/Berlin").text == normal


def test_every_friday_at_eight_in_berlin_is_seven_utc_in_winter_and_six_in_summer():
    spec = parse_spec("every friday 08:00", "Europe/Berlin")

    assert list(spec.times(utc(2026, 3, 20), utc(2026, 4, 4))) == [
        utc(2026, 3, 20, 7),
        utc(2026, 3, 27, 7),
        utc(2026, 4, 3, 6),
    ]


def test_a_zone_named_at_the_end_of_the_spec_is_used():
    assert parse_spec("daily 07:00 America/New_York").zone == "America/New_York"
    assert parse_spec("daily 07:00 utc").zone == "UTC"


def test_a_spec_too_long_to_store_is_refused():
    every_quarter_hour = ", ".join(f"{h:02d}:{m:02d}" for h in range(24) for m in (0, 15, 30, 45))

    with pytest.raises(InvalidSchedule, match="longer than 200 characters"):
        parse_spec(f"daily {every_quarter_hour}")


def test_the_first_monday_and_the_last_friday_of_each_month():
    first = parse_spec("first monday of the month 09:00", "UTC")
    last = parse_spec("last friday of the month 17:00", "UTC")

    assert list(first.times(utc(2026, 11, 1), utc(2027, 2, 1))) == [
        utc(2026, 11, 2, 9),
        utc(2026, 12, 7, 9),
        utc(2027, 1, 4, 9),
    ]
    assert list(last.times(utc(2026, 11, 1), utc(2027, 1, 1))) == [utc(2026, 11, 27, 17), utc(2026, 12, 25, 17)]


def test_a_0230_schedule_on_the_spring_forward_day_runs_once_at_0300():
    spec = parse_spec("daily 02:30", "Europe/Berlin")

    times = list(spec.times(utc(2026, 3, 28, 12), utc(2026, 3, 30, 12)))

    # 29 March 2026: 02:00 CET jumps to 03:00 CEST; 02:30 does not exist and moves to 03:00 (01:00 UTC), once.
    assert times == [utc(2026, 3, 29, 1), utc(2026, 3, 30, 0, 30)]


def test_a_0230_schedule_on_the_fall_back_day_runs_once_at_its_first_occurrence():
    spec = parse_spec("daily 02:30", "Europe/Berlin")

    times = list(spec.times(utc(2026, 10, 24, 12), utc(2026, 10, 26, 12)))

    # 25 October 2026: 02:30 happens at 00:30 UTC (CEST) and again at 01:30 UTC (CET); it runs at the first.
    assert times == [utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30)]


def test_the_latest_due_time_of_a_gap_and_how_many_were_in_it():
    spec = parse_spec("daily 07:00", "UTC")

    assert spec.latest(utc(2026, 12, 1, 6, 59), utc(2026, 12, 4, 8)) == (utc(2026, 12, 4, 7), 4)
    assert spec.latest(utc(2026, 12, 4, 7), utc(2026, 12, 4, 8)) == (None, 0)


def test_each_article_has_no_due_times():
    assert parse_spec(INSTANT).next_after(utc(2026, 12, 1)) is None


@pytest.mark.parametrize(
    ("written", "problem"),
    [
        ("every fryday 08:00", r"'fryday' is neither a day nor a time"),
        ("daily", r"'daily' has no time of day"),
        ("daily 25:00", r"25:00 is not a time of day"),
        ("first monday 09:00", r"say which month"),
        ("first moonday of the month 09:00", r"'moonday' is not a day of the week"),
        ("first monday of the month noon", r"'noon' is not a time of day"),
        ("", r"the schedule is empty"),
        ("daily 07:00 Mars/Olympus", r"'Mars/Olympus' is not a time zone name"),
    ],
)
def test_a_bad_spec_is_refused_naming_the_word(written, problem):
    with pytest.raises(InvalidSchedule, match=problem):
        parse_spec(written)


def test_a_spec_naming_another_zone_than_the_one_given_is_refused():
    with pytest.raises(InvalidSchedule, match="names the time zone Europe/Paris but UTC was given"):
        parse_spec("daily 07:00 Europe/Paris", "UTC")
