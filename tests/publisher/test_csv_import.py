"""Subscriber CSVs that are broken are refused with the line, names that would break every send with the field
(issue 18, item 11): through read_csv and the CLI (a real process); tests/publisher/web/test_subscriber_input.py
has the editor and the API."""

from __future__ import annotations

from pathlib import Path

import pytest

from publisher import subscribers
from publisher.errors import PublisherError
from tests.publisher.test_cli import publisher


def write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "subs.csv"
    path.write_bytes(data)
    return path


def test_an_unterminated_quote_refuses_the_file_naming_its_line(tmp_path: Path):
    path = write(
        tmp_path,
        b'email,name\nann@example.com,Ann\nbob@example.com,"Bob\ncarl@example.com,Carl\ndan@example.com,Dan\n',
    )
    with pytest.raises(PublisherError, match=r"line 3: a quote opened here is never closed"):
        subscribers.read_csv(path)


def test_a_field_over_the_csv_field_limit_is_a_bad_row_and_the_rest_is_read(tmp_path: Path):
    path = write(tmp_path, b"email,name\nann@example.com," + b"x" * 200_000 + b"\nbob@example.com,Bob\n")

    report = subscribers.read_csv(path)

    assert report.errors == ["line 2: a field is longer than 128 KiB"]
    assert [p.email for p in report.people] == ["bob@example.com"]


def test_a_quote_in_the_wrong_place_is_a_bad_row(tmp_path: Path):
    path = write(tmp_path, b'email,name\nann@example.com,"An"n\nbob@example.com,Bob\n')

    report = subscribers.read_csv(path)

    assert report.errors == ["line 2: badly quoted field (',' expected after '\"')"]
    assert [p.email for p in report.people] == ["bob@example.com"]


@pytest.mark.parametrize("name", ["Bob\rSmith", "Bob\nSmith", "Bob\x00Smith"])
def test_a_name_with_a_line_break_or_nul_is_a_bad_row(tmp_path: Path, name: str):
    quoted = '"' + name.replace('"', '""') + '"'
    path = write(tmp_path, f"email,name\nann@example.com,Ann\nbob@example.com,{quoted}\n".encode())

    report = subscribers.read_csv(path)

    assert report.errors == ["line 3: the name contains a line break or NUL, which no mail header can carry"]
    assert [p.email for p in report.people] == ["ann@example.com"]


def test_a_multi_line_attribute_still_reads(tmp_path: Path):
    path = write(tmp_path, b'email,name,note\nann@example.com,Ann,"two\nlines"\nbob@example.com,Bob,x\n')
    report = subscribers.read_csv(path)
    assert report.errors == [] and report.people[0].attributes == {"note": "two\nlines"}


@pytest.mark.parametrize("name", ["Bob\nSmith", "Bob\x00"])
def test_parse_addresses_refuses_a_name_that_would_break_a_header(name: str):
    with pytest.raises(PublisherError, match="name contains a line break or NUL"):
        subscribers.parse_addresses(["bob@example.com"], name=name)


def test_the_cli_answers_a_huge_field_and_a_broken_quote_without_a_traceback(tmp_path: Path):
    huge = write(tmp_path, b"email,name\nann@example.com," + b"x" * 200_000 + b"\n")
    result = publisher("subscribers", "import", str(huge), "--list", "news")
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "line 2: a field is longer than 128 KiB" in result.stderr

    broken = write(tmp_path, b'email,name\nann@example.com,"Ann\nbob@example.com,Bob\n')
    result = publisher("subscribers", "import", str(broken), "--list", "news", "--skip-bad")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "line 2: a quote opened here is never closed" in result.stderr
