"""Subscriber CSVs read as they stream: the file's lines come out as if it had been split whole."""

from __future__ import annotations

import io

from hypothesis import given
from hypothesis import strategies as st

from publisher.subscriber_rows import CsvRows, _lines, read_csv

_PIECES = st.lists(st.sampled_from([b"a", b"bc", b",", b'"', b"\n", b"\r", b"\r\n", b"\xff"]), max_size=40)


@given(_PIECES.map(b"".join), st.integers(min_value=1, max_value=8))
def test_lines_split_across_blocks_as_the_whole_file_splits(data: bytes, block: int):
    assert list(_lines(io.BytesIO(data), block)) == data.splitlines(keepends=True)


def test_streamed_rows_and_errors_are_read_csvs(tmp_path):
    path = tmp_path / "people.csv"
    path.write_bytes(
        b"email,name,city\r\nada@example.org,Ada,London\r\nbad-address,X,Y\r\n\xff\xfe,broken,row\n"
        b'bob@example.org,"Bob\nBuilder",Leeds\n\ncy@example.org,Cy\nada@example.org,Again,Paris\n'
    )
    rows = CsvRows(path)

    streamed = [(line, person.email, person.name, person.attributes) for line, person in rows]

    assert streamed == [
        (2, "ada@example.org", "Ada", {"city": "London"}),
        (9, "ada@example.org", "Again", {"city": "Paris"}),
    ]
    assert [e.split(":")[0] for e in rows.errors] == ["line 3", "line 4", "line 5", "line 8"]
    report = read_csv(path)
    assert (report.errors, report.rows) == (rows.errors, rows.rows)
    assert [(p.email, p.name) for p in report.people] == [("ada@example.org", "Ada")]
