"""The bounce corpus: real-shaped bounce mails in tests/publisher/bounces/corpus/<group>/, each with its
expected recipient, reason and hard/soft verdict in that folder's expected.csv.

expected.csv has the columns file, recipient, reason, hard (true/false), format (the reader that should
read it: rfc3464, arf, qmail, exim, ...). A file may have several rows (one per failed recipient). A row
with reason "none" says the file holds no bounce for that recipient (an auto-reply, a delivery report).
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

CORPUS = Path(__file__).resolve().parent.parent / "publisher" / "bounces" / "corpus"


@dataclass(frozen=True)
class Sample:
    group: str
    file: str
    recipient: str
    reason: str
    hard: bool
    format: str

    @property
    def path(self) -> Path:
        return CORPUS / self.group / self.file

    @property
    def id(self) -> str:
        return f"{self.group}/{self.file}:{self.recipient}"


def samples() -> list[Sample]:
    out = []
    for expected in sorted(CORPUS.glob("*/expected.csv")):
        with expected.open(newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                out.append(
                    Sample(
                        group=expected.parent.name,
                        file=row["file"].strip(),
                        recipient=row["recipient"].strip().lower(),
                        reason=row["reason"].strip(),
                        hard=row["hard"].strip().lower() == "true",
                        format=row["format"].strip(),
                    )
                )
    return out


def files() -> list[Path]:
    return sorted(p for p in CORPUS.glob("*/*") if p.suffix == ".eml")


def counts() -> dict[str, Counter[str]]:
    """The corpus by group, format and reason (for the closing note)."""
    rows = samples()
    return {
        "group": Counter(s.group for s in rows),
        "format": Counter(s.format for s in rows),
        "reason": Counter(s.reason for s in rows),
        "files": Counter(p.parent.name for p in files()),
    }
