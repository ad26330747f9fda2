"""Reading people files: size cap, encoding (UTF-8 with or without BOM, Windows-1252), delimiter."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from app.errors import DomainError, Invalid

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 200_000
BINARY_SNIFF = 64 * 1024  # a NUL this early means a binary file, not one bad line
BINARY_SIGNATURES = {
    b"PK\x03\x04": "an Excel workbook (.xlsx) or another zip file",
    b"\xd0\xcf\x11\xe0": "an old Excel workbook (.xls)",
    b"%PDF": "a PDF",
}
SAVE_AS_CSV = "In your spreadsheet, choose File > Save As > CSV (UTF-8), then import that file."
COLUMN_ALIASES = {
    "email": "email",
    "e mail": "email",
    "email address": "email",
    "work email": "email",
    "name": "name",
    "full name": "name",
    "display name": "name",
    "department": "department",
    "department name": "department",
    "manager email": "manager_email",
    "manager e mail": "manager_email",
    "manager": "manager_email",
    "role": "role",
    "external id": "external_id",
    "externalid": "external_id",
    "employee id": "external_id",
    "employee number": "external_id",
}
REQUIRED = ("email", "name")


class FileTooLarge(DomainError):
    status_code = 413


class NotACsv(Invalid):
    pass


@dataclass(frozen=True)
class CsvRecord:
    line: int
    values: dict[str, str]


@dataclass(frozen=True)
class CsvTable:
    encoding: str
    delimiter: str
    columns: list[str]
    ignored: list[str]
    records: list[CsvRecord]


def too_large_message(filename: str) -> str:
    return (
        f"{filename or 'The file'} is larger than {MAX_BYTES // (1024 * 1024)} MB, the most one "
        "import accepts. Remove columns you do not need, or split it into several files."
    )


def decode(data: bytes, filename: str) -> tuple[str, str]:
    """Text and encoding name; refuses binary files with a message saying what to do.

    `filename` is shown as it is: an upload's name, or the path a command was given.
    """
    if len(data) > MAX_BYTES:
        raise FileTooLarge(too_large_message(filename))
    suffix = PurePosixPath(filename).suffix[1:].lower()  # of the name, not a folder's
    if suffix not in ("csv", "txt", "tsv", ""):
        raise NotACsv(f"{filename} is a .{suffix} file, not a CSV file. {SAVE_AS_CSV}")
    for signature, what in BINARY_SIGNATURES.items():
        if data.startswith(signature):
            raise NotACsv(f"{filename} looks like {what}, not a CSV file. {SAVE_AS_CSV}")
    if (nul := data.find(b"\x00")) >= 0:
        if nul < BINARY_SNIFF:
            raise NotACsv(f"{filename} is not a text file (it contains binary data). {SAVE_AS_CSV}")
        line = data.count(b"\n", 0, nul) + 1
        raise NotACsv(
            f"{filename}, line {line}: contains a NUL character (an invisible control "
            "character), which no field can hold. Remove it from that line and import the file again."
        )
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "UTF-8 with BOM"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "Windows-1252"


def normalise_heading(heading: str) -> str:
    return re.sub(r"[\s_\-]+", " ", heading.strip().lower())


def _delimiter(first_line: str) -> str:
    return ";" if first_line.count(";") > first_line.count(",") else ","


def parse(data: bytes, filename: str) -> CsvTable:
    """The file's rows keyed by our column names, with the line each row starts on."""
    text, encoding = decode(data, filename)
    if not text.strip():
        raise NotACsv(
            f"{filename} is empty: export the people list from your HR system again "
            "(column headings, then one row per person) and import that file."
        )
    delimiter = _delimiter(text.splitlines()[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        headings = next(reader)
    except csv.Error as exc:
        raise NotACsv(f"{filename}, line 1: could not read the column headings ({exc}).") from exc
    columns: dict[int, str] = {}
    ignored: list[str] = []
    for index, heading in enumerate(headings):
        name = COLUMN_ALIASES.get(normalise_heading(heading))
        if name and name not in columns.values():
            columns[index] = name
        elif heading.strip():
            ignored.append(heading.strip())
    missing = [c for c in REQUIRED if c not in columns.values()]
    if missing:
        raise NotACsv(
            f"{filename}, line 1: the column heading(s) {', '.join(missing)} are missing. "
            "The first line must name the columns: email, name, department, manager email, "
            f"role, external id. {SAVE_AS_CSV}"
        )
    records = []
    line = reader.line_num + 1
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                values = {
                    name: row[i].strip() if i < len(row) else "" for i, name in columns.items()
                }
                records.append(CsvRecord(line, values))
            if len(records) > MAX_ROWS:
                raise NotACsv(f"{filename} has more than {MAX_ROWS} rows; split it.")
            line = reader.line_num + 1
    except csv.Error as exc:
        raise NotACsv(f"{filename}, line {line}: {exc}. Check the quotes on that line.") from exc
    return CsvTable(encoding, delimiter, list(columns.values()), ignored, records)
