"""Every sample of the bounce corpus (tests/support/bounce_corpus.py) reads as expected: the recipient is
found, with the expected reason, the expected hard/soft verdict and the expected reader."""

from __future__ import annotations

from collections import Counter

import pytest

from publisher.bounces import REASONS, parse_report
from tests.support.bounce_corpus import files, samples

SAMPLES = samples()
# The writers of RFC 3464 / ARF reports the corpus must show (BounceReport.format, see README "Bounce reasons").
STANDARD_WRITERS = {
    "postfix", "sendmail", "exim", "courier", "gmail", "office365", "yahoo", "icloud", "ses", "sendgrid",
    "mailgun", "postmark", "zoho", "gmx", "mailru", "rfc3464", "arf",
}


@pytest.mark.parametrize("sample", SAMPLES, ids=[s.id for s in SAMPLES])
def test_sample_reads_as_expected(sample):
    reports = parse_report(sample.path.read_bytes())
    found = {r.email.lower(): r for r in reports}

    if sample.reason == "none":
        assert sample.recipient not in found, f"{sample.id}: read as a bounce ({found[sample.recipient].reason})"
        return
    assert sample.recipient in found, f"{sample.id}: recipient not found; found {sorted(found) or 'nothing'}"
    report = found[sample.recipient]
    assert (report.reason, report.hard, report.format) == (sample.reason, sample.hard, sample.format), (
        f"{sample.id}: read {report.reason}/{'hard' if report.hard else 'soft'}/{report.format} from "
        f"status {report.status} reply {report.reply_code} diagnostic {report.diagnostic!r}"
    )


def test_every_corpus_file_has_an_expectation():
    described = {(s.group, s.file) for s in SAMPLES}

    missing = [f"{p.parent.name}/{p.name}" for p in files() if (p.parent.name, p.name) not in described]

    assert not missing, f"corpus files without a row in their expected.csv: {missing}"


def test_every_expectation_has_its_file():
    absent = sorted({s.id for s in SAMPLES if not s.path.is_file()})

    assert not absent


def test_the_corpus_shows_every_reason_of_the_vocabulary_at_least_twice():
    seen = Counter(s.reason for s in SAMPLES)

    rare = {reason: seen[reason] for reason in REASONS if reason not in ("vacation", "delivered") and seen[reason] < 2}

    assert not rare, f"reasons with fewer than two samples: {rare}"


def test_the_standard_corpus_has_a_report_from_every_writer_named():
    writers = {s.format for s in SAMPLES if s.group == "standard"}

    missing = STANDARD_WRITERS - writers

    assert not missing, f"no standard sample written by {sorted(missing)}"
