"""make bench judges every figure of issue 17 against its target; a figure not measured is never met."""

from __future__ import annotations

from benchmarks import targets
from benchmarks.median import medians

REQUIRED = {
    "pipeline_vs_transport", "enqueue_10m_seconds", "enqueue_10m_peak_rss_mb", "csv_import_1m_seconds",
    "csv_import_1m_peak_rss_mb", "drop_campaign_1m_seconds", "redirect_rps", "redirect_p99_ms",
}


def test_every_figure_the_issue_names_has_a_target():
    assert REQUIRED <= {target.figure for target in targets.TARGETS}


def test_a_figure_is_met_or_missed_by_its_bound():
    judged = {t.figure: met for t, _, met in targets.verdicts({"redirect_rps": 2_000, "redirect_p99_ms": 50})}

    assert judged["redirect_rps"] is True
    assert judged["redirect_p99_ms"] is False  # p99 must be under 50 ms, not equal to it


def test_a_figure_not_measured_is_not_met_and_says_so():
    [line] = [line for line in targets.lines({}) if line.startswith("drop_campaign_1m_seconds")]

    assert "not measured" in line and "met" not in line.replace("measured", "")
    assert not any(met for _, _, met in targets.verdicts({}))


def test_the_median_of_three_runs_is_taken_per_figure():
    runs = [{"redirect_rps": 900.0, "x": 1.0}, {"redirect_rps": 2_100.0}, {"redirect_rps": 2_050.0, "x": 3.0}]

    assert medians(runs) == {"redirect_rps": 2_050.0, "x": 2.0}
