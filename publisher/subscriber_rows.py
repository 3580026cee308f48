"""A subscriber row: a person to add, validated, and subscriber CSVs read as they stream.

Below publisher.subscribers (which re-exports these) and the set-based import (publisher.subscriber_import).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from publisher.addresses import normalize_address
from publisher.errors import PublisherError


@dataclass(frozen=True)
class NewSubscriber:
    email: str
    name: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)


_HEADER_BREAKERS = ("\r", "\n", "\x00")
BAD_NAME = "the name contains a line break or NUL, which no mail header can carry"


def check_name(name: str) -> str:
    """The name, or PublisherError: a line break or NUL in it would fail every mail sent to the person."""
    if any(c in name for c in _HEADER_BREAKERS):
        raise PublisherError(BAD_NAME)
    return name


@dataclass
class CsvReport:
    people: list[NewSubscriber]
    errors: list[str]
    rows: int


def read_csv(path: Path) -> CsvReport:
    """Read a subscriber CSV (header row with an `email` column, optional `name`, others become attributes).

    Every bad row is reported with its line number (the line it starts on); the caller decides whether to go
    on without them. A quote that is never closed would make the rest of the file one field: PublisherError.
    An address on several rows is kept once, as its first row gives it.
    """
    reader = CsvRows(path)
    people: dict[str, NewSubscriber] = {}
    for _, person in reader:
        people.setdefault(person.email, person)
    return CsvReport(people=list(people.values()), errors=reader.errors, rows=reader.rows)


class CsvRows:
    """A subscriber CSV read as it streams: iterate for (line, person) of each good row, in file order.

    After the iteration, `errors` names every bad row by the line it starts on and `rows` counts the rows
    (blank ones aside). The file is read a block at a time: a million rows never sit in memory at once.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: dict[int, str] = {}
        self.rows = 0

    @property
    def errors(self) -> list[str]:
        return [f"line {number}: {self.problems[number]}" for number in sorted(self.problems)]

    def __iter__(self) -> Iterator[tuple[int, NewSubscriber]]:
        path, problems = self.path, self.problems
        reader = csv.reader(self._decoded(), strict=True)
        header = [h.strip().lower() for h in _next_row(reader, path)[0] or []]
        if "email" not in header:
            raise PublisherError(f"{path}: the first line must be a header with an 'email' column")
        email_at = header.index("email")
        name_at = header.index("name") if "name" in header else None
        others = [(i, key) for i, key in enumerate(header) if i not in (email_at, name_at) and key]
        while True:
            start = reader.line_num + 1
            row, problem = _next_row(reader, path)
            if row is None:
                break
            if problem is not None:
                problems.setdefault(start, problem)
                self.rows += 1
                continue
            if start in problems or not "".join(row).strip():  # a blank row (join: no generator per row)
                continue
            self.rows += 1
            if len(row) != len(header):
                problems[start] = f"expected {len(header)} columns, found {len(row)}"
                continue
            try:
                email = normalize_address(row[email_at])
                name = check_name(row[name_at].strip()) if name_at is not None else ""
            except PublisherError as exc:
                problems[start] = str(exc)
                continue
            yield start, NewSubscriber(email=email, name=name, attributes={key: row[i] for i, key in others})
        self.rows += self._undecoded  # each line that is not UTF-8 counts as a (bad) row

    def _decoded(self) -> Iterator[str]:
        """The file's lines as text; a line that is not UTF-8 is noted and read as an empty line."""
        self._undecoded = 0
        number = 0
        with self.path.open("rb") as stream:
            for line in _lines(stream):
                number += 1
                try:
                    yield line.decode("utf-8-sig" if number == 1 else "utf-8")
                except UnicodeDecodeError as exc:
                    self.problems[number] = f"not valid UTF-8 (byte 0x{line[exc.start]:02x})"
                    self._undecoded += 1
                    yield "\n"  # keeps the line numbers of the rows after it


def _lines(stream: BinaryIO, block: int = 1 << 20) -> Iterator[bytes]:
    """The lines of a binary stream, ends kept, split as bytes.splitlines does (\\n, \\r\\n or \\r)."""
    rest = b""
    while chunk := stream.read(block):
        lines = (rest + chunk).splitlines(keepends=True)
        # The last piece waits for the next block: a line cut in two, or a \r whose \n may come next.
        rest = lines.pop() if lines and not lines[-1].endswith(b"\n") else b""
        yield from lines
    if rest:
        yield from rest.splitlines(keepends=True)


def _next_row(reader: Any, path: Path) -> tuple[list[str] | None, str | None]:  # noqa: ANN401 - a csv reader
    """(the next row, None), ([], why) for a row the csv module could not read, (None, None) at the end."""
    start = reader.line_num + 1
    try:
        return next(reader), None
    except StopIteration:
        return None, None
    except csv.Error as exc:
        message = str(exc)
        if message.startswith("unexpected end of data"):
            raise PublisherError(
                f"{path}: line {start}: a quote opened here is never closed, so every line after it would be "
                "read as one field; nothing was imported"
            ) from None
        if message.startswith("field larger than field limit"):
            return [], f"a field is longer than {csv.field_size_limit() // 1024} KiB"
        return [], f"badly quoted field ({message})"
