"""`allyship import-users` names the file by the path it was given, in every message: two
files called people.csv in different folders must not read alike."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from app.cli import app as cli
from app.hr.csvfile import NotACsv, parse
from app.models import User

HEADER = "email,name,department,manager email,role,external id"


def _people_csv(folder: Path, body: str) -> Path:
    folder.mkdir(parents=True)
    file = folder / "people.csv"
    file.write_text(body, encoding="utf-8")
    return file


def test_import_users_of_dev_null_names_dev_null_and_says_what_to_do(cli_env: object) -> None:
    result = CliRunner().invoke(cli, ["import-users", "/dev/null", "--dry-run"])
    assert result.exit_code == 2
    assert result.stderr.startswith("/dev/null is empty: export the people list")
    assert "import that file" in result.stderr


def test_import_users_plan_and_row_errors_name_the_path_given(
    cli_env: object, session: Session, tmp_path: Path
) -> None:
    good = _people_csv(tmp_path / "march", HEADER + "\nana@example.com,Ana,Sales,,,\n")
    bad = _people_csv(tmp_path / "april", HEADER + "\nnope,Nope,Sales,,,\n")
    runner = CliRunner()
    dry = runner.invoke(cli, ["import-users", str(good), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert dry.stdout.startswith(f"{good}: 1 rows")
    failed = runner.invoke(cli, ["import-users", str(bad)])
    assert failed.exit_code == 1
    assert f"{bad}:2: email:" in failed.stderr
    assert session.exec(select(User)).first() is None


def test_import_users_refusals_name_the_path_given(cli_env: object, tmp_path: Path) -> None:
    workbook = tmp_path / "exports" / "people.xlsx"
    workbook.parent.mkdir()
    workbook.write_bytes(b"PK\x03\x04binary-workbook")
    result = CliRunner().invoke(cli, ["import-users", str(workbook)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{workbook} is a .xlsx file, not a CSV file.")


@pytest.mark.parametrize(
    "path", ["hr.v2/people", "hr.v2/people.csv", "./people", "C:\\exports\\people.csv"]
)
def test_a_dot_in_a_folder_name_is_not_taken_for_the_file_type(path: str) -> None:
    table = parse((HEADER + "\nana@example.com,Ana,Sales,,,\n").encode(), path)
    assert [record.values["email"] for record in table.records] == ["ana@example.com"]


def test_an_empty_upload_is_named_by_its_file_name() -> None:
    with pytest.raises(NotACsv, match=r"^people\.csv is empty: export"):
        parse(b"  \n", "people.csv")
