"""How often parse_report agrees with a reference classifier on real bounce mails: an independent measurement.

    python -m benchmarks.bounce_agreement /tmp/realbounces

The folder holds real bounce mails (*.eml, for instance copied from sisimai's set-of-emails) and an
expected.csv with the columns file, recipient, reason, hard (true/false): the reference classifier's
verdict on each (Sisimai's test suites list theirs: rb-sisimai test/public/lhost-*.rb). A file may have
several rows. No sample is committed here: the mails are theirs, and the figures are only honest on
mails this code was not tuned on.

Printed: recipient found (the expected address among those read; a row without a recipient counts as
found when anything was read; a "delivered" or "vacation" row counts as found and agreeing when nothing
is read), reason agreement (exact, and with Sisimai's reasons that have no twin in
our vocabulary mapped: authfailure, requireptr, failedstarttls -> securityerror, badreputation -> blocked,
speeding / ratelimited -> toomanyconn, norelaying -> rejected, notcompliantrfc -> contenterror,
emailtoolarge -> mesgtoobig), and hard/soft agreement, each over the rows whose recipient was found too,
and any file that raised (which must be none).
"""

from __future__ import annotations

import csv
import shutil
import sys
import tempfile
from collections import Counter
from pathlib import Path

from publisher.bounces import parse_report

# Sisimai v5 reasons our vocabulary folds into one of its own.
TWINS = {
    "authfailure": "securityerror",
    "requireptr": "securityerror",
    "failedstarttls": "securityerror",
    "badreputation": "blocked",
    "speeding": "toomanyconn",
    "ratelimited": "toomanyconn",
    "norelaying": "rejected",
    "notcompliantrfc": "contenterror",
    "emailtoolarge": "mesgtoobig",
}
# Reference verdicts that mean "not a bounce": nothing should be read from such a mail.
NOT_BOUNCES = frozenset({"delivered", "vacation", "none"})


def measure(folder: Path) -> dict[str, object]:
    """The figures for one folder (see the module docstring)."""
    rows = list(csv.DictReader((folder / "expected.csv").open(newline="", encoding="utf-8")))
    counts: Counter[str] = Counter()
    disagreements: list[str] = []
    raised: list[str] = []
    for row in rows:
        path = folder / row["file"].strip()
        try:
            reports = parse_report(path.read_bytes())
        except Exception as exc:  # parse_report must never raise: count it, do not stop
            raised.append(f"{path.name}: {exc!r}")
            reports = []
        wanted = (row.get("recipient") or "").strip().lower()
        found = {r.email.lower(): r for r in reports}
        expected, hard = row["reason"].strip().lower(), row["hard"].strip().lower() == "true"
        counts["rows"] += 1
        if expected in NOT_BOUNCES:  # a delivery report or an auto-reply: right when nothing is read
            right = not reports
            counts["found"] += 1
            counts["reason"] += right
            counts["reason_mapped"] += right
            counts["hard"] += right
            if not right:
                disagreements.append(f"{path.name}: expected no bounce, read {sorted(found)}")
            continue
        report = found.get(wanted) if wanted else (reports[0] if reports else None)
        if report is None:
            disagreements.append(f"{path.name}: {wanted or 'a recipient'} not found (read {sorted(found)})")
            continue
        counts["found"] += 1
        counts["reason"] += report.reason == expected
        counts["reason_mapped"] += report.reason == TWINS.get(expected, expected)
        counts["hard"] += report.hard == hard
        if report.reason != TWINS.get(expected, expected) or report.hard != hard:
            disagreements.append(
                f"{path.name}: read {report.reason}/{'hard' if report.hard else 'soft'}, "
                f"expected {expected}/{'hard' if hard else 'soft'} ({report.status} {report.diagnostic!r:.120})"
            )
    total, found_count = counts["rows"] or 1, counts["found"] or 1
    return {
        "rows": counts["rows"],
        "recipient_found_pct": round(100 * counts["found"] / total, 1),
        "reason_agree_pct": round(100 * counts["reason"] / found_count, 1),
        "reason_agree_mapped_pct": round(100 * counts["reason_mapped"] / found_count, 1),
        "hard_soft_agree_pct": round(100 * counts["hard"] / found_count, 1),
        "raised": raised,
        "disagreements": disagreements,
    }


def is_standard(raw: bytes) -> bool:
    """A report in RFC 3464 / ARF form (multipart/report, or DSN fields in a text part), as opposed to an
    MTA's own plain-text body."""
    head = raw[:200_000].lower()
    return b"multipart/report" in head or b"\nfinal-recipient:" in head


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not (Path(argv[0]) / "expected.csv").is_file():
        print(__doc__, file=sys.stderr)
        print(
            "No folder of real bounces given (or it has no expected.csv). Copy real bounce mails into one, "
            "for instance from https://github.com/sisimai/set-of-emails (maildir/bsd/*.eml), write its "
            "expected.csv (file,recipient,reason,hard) from sisimai's verdicts (rb-sisimai test/public/"
            "lhost-*.rb), and run: python -m benchmarks.bounce_agreement FOLDER",
            file=sys.stderr,
        )
        return 2
    folder = Path(argv[0])
    figures = measure(folder)
    for line in figures.pop("disagreements"):  # type: ignore[attr-defined]
        print("  " + line)
    for key, value in figures.items():
        print(f"{key}: {value}")
    # The same figures for the standard reports alone and for the MTAs' own bodies alone.
    for name, wanted in (("standard", True), ("non-standard", False)):
        with tempfile.TemporaryDirectory() as tmp:
            subset = _subset(folder, Path(tmp), wanted)
            if subset:
                part = measure(Path(tmp))
                print(
                    f"{name} ({subset} rows): found {part['recipient_found_pct']}%, reason (mapped) "
                    f"{part['reason_agree_mapped_pct']}%, hard/soft {part['hard_soft_agree_pct']}%"
                )
    return 1 if figures["raised"] else 0


def _subset(folder: Path, into: Path, standard: bool) -> int:
    """Copy the rows (and files) of one kind into another folder; how many rows."""
    with (folder / "expected.csv").open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        rows = [r for r in reader if is_standard((folder / r["file"].strip()).read_bytes()) == standard]
        fields = reader.fieldnames or ["file", "recipient", "reason", "hard"]
    with (into / "expected.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    for row in rows:
        shutil.copyfile(folder / row["file"].strip(), into / row["file"].strip())
    return len(rows)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
