"""What a check found: a verdict and plain words (shown in the web app: no path, id or secret)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

DnsLookup = Callable[[bytes], bytes | None]  # a TXT lookup: name -> record, None when nothing is published
TIMEOUT = 3.0  # seconds for each network check


class Verdict(StrEnum):
    OK = "ok"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True)
class Finding:
    check: str  # what was checked, e.g. "database"
    verdict: Verdict
    message: str  # plain words, no path or secret (shown in the web app)
    where: str = ""  # the path or host it is about (the CLI shows it)

    def as_dict(self) -> dict[str, str]:
        return {"check": self.check, "verdict": str(self.verdict), "message": self.message, "where": self.where}


def ok(check: str, message: str, where: str = "") -> Finding:
    return Finding(check, Verdict.OK, message, where)


def warning(check: str, message: str, where: str = "") -> Finding:
    return Finding(check, Verdict.WARNING, message, where)


def error(check: str, message: str, where: str = "") -> Finding:
    return Finding(check, Verdict.ERROR, message, where)
