"""Issue 17's targets, one place: each figure `make bench` measures against a target, and whether it is met.

A figure a run did not measure (wrk missing, say) is reported as not measured, never as met.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    figure: str
    op: str  # ">=", "<", "==" or "<="
    bound: float
    what: str

    def met(self, value: float) -> bool:
        compare: Callable[[float, float], bool] = _OPS[self.op]
        return compare(value, self.bound)

    @property
    def text(self) -> str:
        return f"{self.op} {self.bound:,g}"


_OPS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
}

TARGETS: tuple[Target, ...] = (
    Target("pipeline_vs_transport", ">=", 0.9, "our pipeline / smtp-source, same SMTP sessions"),
    Target("enqueue_10m_seconds", "<", 60, "`send` to a 10M list, every batch queued"),
    Target("enqueue_10m_peak_rss_mb", "<", 150, "peak RSS of that send"),
    Target("csv_import_1m_seconds", "<", 60, "a 1M-row CSV import, 1% bad rows"),
    Target("csv_import_1m_peak_rss_mb", "<", 200, "peak RSS of that import"),
    Target("drop_campaign_1m_seconds", "<", 10, "compacting a finished 1M-row campaign"),
    Target("redirect_rps", ">=", 2_000, "click redirect under wrk"),
    Target("redirect_p99_ms", "<", 50, "click redirect p99"),
    Target("redirect_errors", "==", 0, "click redirect errors"),
    Target("pixel_rps", ">=", 2_000, "open pixel under wrk"),
    Target("pixel_p99_ms", "<", 50, "open pixel p99"),
    Target("pixel_errors", "==", 0, "open pixel errors"),
    Target("signup_failures_under_load", "==", 0, "signup POSTs that failed during the burst"),
)


def verdicts(results: dict[str, float]) -> list[tuple[Target, float | None, bool]]:
    """(target, value or None when not measured, met) for every target, in the issue's order."""
    out: list[tuple[Target, float | None, bool]] = []
    for target in TARGETS:
        value = results.get(target.figure)
        out.append((target, value, value is not None and target.met(value)))
    return out


def lines(results: dict[str, float]) -> list[str]:
    """One printable line per target: figure, value, target, met / MISSED / not measured."""
    shown = []
    for target, value, met in verdicts(results):
        if value is None:
            shown.append(f"{target.figure}: not measured (target {target.text}; {target.what})")
        else:
            shown.append(f"{target.figure}: {value:,} (target {target.text}) {'met' if met else 'MISSED'}")
    return shown
