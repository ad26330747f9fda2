"""Property-based tests of the people CSV parser: any bytes get a clear answer, never a crash."""

from __future__ import annotations

import csv
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from app.errors import DomainError
from app.hr.csvfile import parse

HEADER = ["email", "name", "department", "manager email", "role", "external id"]
cell = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30
)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_parse_or_get_a_domain_error(data: bytes) -> None:
    try:
        table = parse(data, "people.csv")
    except DomainError as exc:
        assert exc.message  # a message a person can act on
    else:
        assert all(record.line >= 2 for record in table.records)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.lists(cell, min_size=6, max_size=6), min_size=1, max_size=20),
    st.sampled_from([",", ";"]),
    st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
)
def test_written_rows_come_back_cell_for_cell_in_any_dialect(
    rows: list[list[str]], delimiter: str, encoding: str
) -> None:
    rows = [[c.strip() for c in row] for row in rows if any(c.strip() for c in row)]
    if encoding == "cp1252":
        rows = [[c.encode("cp1252", "ignore").decode("cp1252") for c in row] for row in rows]
        rows = [row for row in rows if any(c.strip() for c in row)]
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(HEADER)
    writer.writerows(rows)
    data = buffer.getvalue().encode(encoding)
    table = parse(data, "people.csv")
    assert table.delimiter == delimiter
    got = [
        [
            r.values[c]
            for c in ("email", "name", "department", "manager_email", "role", "external_id")
        ]
        for r in table.records
    ]
    assert got == [[c.strip() for c in row] for row in rows if any(c.strip() for c in row)]
