"""Tracking modes and the reader sketch: unique readers counted without a row that names one."""

from __future__ import annotations

import pytest

from publisher.tracking import (
    DEFAULT_MODE,
    MODES,
    REGISTERS,
    Mode,
    estimate,
    mode_of,
    reader_hash,
    sketch_of,
    unpack,
)


def test_the_modes_are_off_aggregate_and_individual_and_aggregate_is_the_default():
    assert MODES == ("off", "aggregate", "individual")
    assert DEFAULT_MODE is Mode.AGGREGATE


def test_a_campaign_made_before_tracking_tracked_nothing():
    assert mode_of(None) is Mode.OFF
    assert mode_of("individual") is Mode.INDIVIDUAL
    with pytest.raises(ValueError):
        mode_of("everything")


def test_the_reader_hash_is_keyed_by_the_secret_and_the_campaign():
    assert reader_hash("k", 1, 7) == reader_hash("k", 1, 7)
    assert reader_hash("k", 1, 7) != reader_hash("other", 1, 7)
    assert reader_hash("k", 1, 7) != reader_hash("k", 2, 7)


def test_a_sketch_packs_a_register_and_a_rank_of_at_least_one():
    for value in (0, 1, 2**63, 2**64 - 1, 12345678901234567):
        register, rank = unpack(sketch_of(value))
        assert 0 <= register < REGISTERS
        assert 1 <= rank <= 64 - 12 + 1


@pytest.mark.parametrize("readers", [0, 1, 3, 20, 50])
def test_small_counts_are_exact_however_often_each_reader_comes_back(readers: int):
    sketches = [sketch_of(reader_hash("secret", 9, r)) for r in range(readers)]

    assert estimate(sketches * 3) == readers


@pytest.mark.parametrize("readers", [500, 5_000, 50_000])
def test_large_counts_are_within_five_percent(readers: int):
    sketches = [sketch_of(reader_hash("secret", 9, r)) for r in range(readers)]

    assert abs(estimate(sketches) - readers) <= readers * 0.05
