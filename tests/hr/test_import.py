"""People import: preview, all-or-nothing apply, encodings, delimiters, limits, leavers, re-import."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from app.cli import app as cli
from app.models import Assignment, AssignmentRule, AuditEvent, Department, ImportBatch, Invite, User
from tests.conftest import csrf_from
from tests.factories import make_department, make_user

HEADER = "email,name,department,manager email,role,external id"
GOOD = "\n".join(
    [
        HEADER + ",favourite colour",
        "boss@example.com,Bea Boss,Sales,,learner,E1,blue",
        "ana@example.com,Ana Example,Sales,boss@example.com,learner,E2,green",
        "cy@example.com,Cy Coder,Engineering,boss@example.com,facilitator,E3,",
    ]
)


def upload(
    client: TestClient, content: bytes | str, *, name: str = "people.csv", leavers: bool = False
) -> object:
    token = csrf_from(client.get("/hr/import").text)
    data = {"csrf_token": token, **({"leavers": "yes"} if leavers else {})}
    body = content.encode() if isinstance(content, str) else content
    return client.post("/hr/import", data=data, files={"file": (name, body, "text/csv")})


def apply(client: TestClient, preview_html: str) -> object:
    action = re.search(r'action="(/hr/import/\d+/apply)"', preview_html)
    assert action, "preview has no apply form"
    fingerprint = re.search(r'name="fingerprint" value="([^"]+)"', preview_html).group(1)  # type: ignore[union-attr]
    return client.post(
        action.group(1), data={"csrf_token": csrf_from(preview_html), "fingerprint": fingerprint}
    )


def import_file(client: TestClient, content: bytes | str, **kwargs: object) -> object:
    preview = upload(client, content, **kwargs)  # type: ignore[arg-type]
    assert preview.status_code == 200, preview.text  # type: ignore[attr-defined]
    applied = apply(client, preview.text)  # type: ignore[attr-defined]
    assert applied.status_code == 303  # type: ignore[attr-defined]
    return applied


def test_import_preview_counts_adds_and_lists_ignored_columns_without_writing(
    hr_client: TestClient, session: Session
) -> None:
    response = upload(hr_client, GOOD)
    assert response.status_code == 200  # type: ignore[attr-defined]
    text = response.text  # type: ignore[attr-defined]
    assert "To add (3)" in text
    assert "Ignored columns: favourite colour" in text
    assert "New departments: Engineering, Sales" in text
    assert session.exec(select(User).where(User.email == "ana@example.com")).first() is None


def test_import_apply_creates_people_departments_managers_and_queued_invites(
    hr_client: TestClient, session: Session
) -> None:
    applied = import_file(hr_client, GOOD)
    page = hr_client.get(applied.headers["location"])  # type: ignore[attr-defined]
    assert "3 added" in page.text
    ana = session.exec(select(User).where(User.email == "ana@example.com")).one()
    boss = session.exec(select(User).where(User.email == "boss@example.com")).one()
    sales = session.exec(select(Department).where(Department.name == "Sales")).one()
    assert (ana.manager_id, ana.department_id, ana.external_id) == (boss.id, sales.id, "E2")
    assert ana.password_hash is None
    cy = session.exec(select(User).where(User.email == "cy@example.com")).one()
    assert cy.role == "facilitator"
    invites = session.exec(select(Invite)).all()
    assert len(invites) == 3 and all(i.token_hash is None for i in invites)
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "people.import")).one()
    assert '"added": 3' in event.detail


def test_import_same_file_again_changes_nothing(hr_client: TestClient, session: Session) -> None:
    import_file(hr_client, GOOD)
    before = [
        (u.id, u.email, u.name, u.role, u.department_id, u.manager_id)
        for u in session.exec(select(User))
    ]
    invites = len(session.exec(select(Invite)).all())
    preview = upload(hr_client, GOOD)
    assert "To add" not in preview.text  # type: ignore[attr-defined]
    assert re.search(r'stat-value">3</p><p class="stat-label">unchanged', preview.text)  # type: ignore[attr-defined]
    apply(hr_client, preview.text)  # type: ignore[attr-defined]
    after = [
        (u.id, u.email, u.name, u.role, u.department_id, u.manager_id)
        for u in session.exec(select(User))
    ]
    assert after == before
    assert len(session.exec(select(Invite)).all()) == invites


def test_import_update_changes_only_what_differs_and_audits_role_change(
    hr_client: TestClient, session: Session
) -> None:
    import_file(hr_client, GOOD)
    changed = GOOD.replace(
        "Ana Example,Sales,boss@example.com,learner",
        "Ana Changed,Engineering,boss@example.com,facilitator",
    )
    preview = upload(hr_client, changed)
    assert "To update (1)" in preview.text  # type: ignore[attr-defined]
    assert "Ana Example → Ana Changed" in preview.text  # type: ignore[attr-defined]
    apply(hr_client, preview.text)  # type: ignore[attr-defined]
    ana = session.exec(select(User).where(User.email == "ana@example.com")).one()
    assert (ana.name, ana.role) == ("Ana Changed", "facilitator")
    role_event = session.exec(
        select(AuditEvent).where(AuditEvent.action == "user.role_change")
    ).one()
    assert role_event.target == "ana@example.com"


def test_import_bad_rows_listed_with_line_and_reason_and_nothing_applied(
    hr_client: TestClient, session: Session
) -> None:
    bad = "\n".join(
        [
            HEADER,
            ",No Email,Sales,,,",
            "not-an-email,Bad Email,Sales,,,",
            "dup@example.com,First,Sales,,,",
            "dup@example.com,Second,Sales,,,",
            "role@example.com,Role,Sales,,wizard,",
            "orphan@example.com,Orphan,Sales,nobody@example.com,,",
            "fine@example.com,Fine,Sales,,,",
        ]
    )
    response = upload(hr_client, bad)
    text = response.text  # type: ignore[attr-defined]
    assert "Line 2, email: is missing" in text
    assert "Line 3, email: “not-an-email” is not a valid email address" in text
    assert "Line 5, email: dup@example.com is also on line 4" in text
    assert "Line 6, role: “wizard” is not a role" in text
    assert "Line 7, manager email: no one with the email nobody@example.com" in text
    assert "/apply" not in text
    assert session.exec(select(User).where(User.email == "fine@example.com")).first() is None


def test_import_utf8_with_bom_is_read(hr_client: TestClient, session: Session) -> None:
    import_file(hr_client, "\ufeff" + HEADER + "\nzoe@example.com,Zoë Żak,Sales,,,\n")
    zoe = session.exec(select(User).where(User.email == "zoe@example.com")).one()
    assert zoe.name == "Zoë Żak"


def test_import_excel_windows_1252_with_semicolons_is_read(
    hr_client: TestClient, session: Session
) -> None:
    content = "email;name;department\r\nrene@example.com;René Müller;Vente\r\n".encode("cp1252")
    preview = upload(hr_client, content)
    assert "Windows-1252" in preview.text and "“;”" in preview.text  # type: ignore[attr-defined]
    apply(hr_client, preview.text)  # type: ignore[attr-defined]
    assert (
        session.exec(select(User).where(User.email == "rene@example.com")).one().name
        == "René Müller"
    )


def test_import_over_10_mb_refused_with_413_while_streaming(
    hr_client: TestClient, session: Session
) -> None:
    big = (HEADER + "\n") + ("x@example.com,X,Sales,,,\n" * 450_000)
    assert len(big) > 10 * 1024 * 1024
    response = upload(hr_client, big)
    assert response.status_code == 413  # type: ignore[attr-defined]
    assert "larger than 10 MB" in response.text  # type: ignore[attr-defined]
    assert session.exec(select(ImportBatch)).first() is None


def test_import_excel_workbook_refused_as_not_csv(hr_client: TestClient) -> None:
    response = upload(hr_client, b"PK\x03\x04binary-workbook", name="people.xlsx")
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert "not a CSV file" in response.text  # type: ignore[attr-defined]
    assert "Save As" in response.text  # type: ignore[attr-defined]


def test_import_binary_with_csv_name_refused_as_not_csv(hr_client: TestClient) -> None:
    response = upload(hr_client, b"%PDF-1.7\x00\x00", name="people.csv")
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert "looks like a PDF" in response.text  # type: ignore[attr-defined]


def test_import_without_email_column_says_which_headings_are_missing(hr_client: TestClient) -> None:
    response = upload(hr_client, "mail,name\nana@example.com,Ana\n")
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert "line 1: the column heading(s) email are missing" in response.text  # type: ignore[attr-defined]


def test_import_leavers_are_deactivated_never_deleted_and_admins_kept(
    hr_client: TestClient, session: Session
) -> None:
    make_user(session, "gone@example.com", name="Gone Person")
    make_user(session, "root@example.com", name="Root", role="admin")
    preview = upload(hr_client, GOOD, leavers=True)
    assert "To deactivate (1)" in preview.text  # type: ignore[attr-defined]
    apply(hr_client, preview.text)  # type: ignore[attr-defined]
    gone = session.exec(select(User).where(User.email == "gone@example.com")).one()
    assert gone.active is False and gone.deactivated_at is not None
    assert session.exec(select(User).where(User.email == "root@example.com")).one().active
    assert session.exec(select(User).where(User.email == "hr@example.com")).one().active


def test_import_stale_preview_is_refused_with_409(hr_client: TestClient, session: Session) -> None:
    preview = upload(hr_client, GOOD)
    make_user(session, "ana@example.com", name="Created Meanwhile")
    response = apply(hr_client, preview.text)  # type: ignore[attr-defined]
    assert response.status_code == 409  # type: ignore[attr-defined]
    assert "changed since this preview" in response.text  # type: ignore[attr-defined]
    assert session.exec(select(User).where(User.email == "boss@example.com")).first() is None


def test_import_by_hr_cannot_grant_admin_role(hr_client: TestClient) -> None:
    response = upload(hr_client, HEADER + "\nnew@example.com,New,Sales,,admin,\n")
    assert "only an admin can give or remove the admin role" in response.text  # type: ignore[attr-defined]


def test_import_new_joiner_in_assigned_department_gets_assignment(
    hr_client: TestClient, session: Session
) -> None:
    sales = make_department(session, "Sales")
    session.add(AssignmentRule(department_id=sales.id or 0, module_id="first-steps", due_days=30))
    session.commit()
    import_file(hr_client, GOOD)
    ana = session.exec(select(User).where(User.email == "ana@example.com")).one()
    cy = session.exec(select(User).where(User.email == "cy@example.com")).one()
    assigned = session.exec(
        select(Assignment.user_id).where(col(Assignment.module_id) == "first-steps")
    ).all()
    assert ana.id in assigned and cy.id not in assigned


def test_import_multiline_quoted_name_keeps_line_numbers_right(hr_client: TestClient) -> None:
    content = HEADER + '\na@example.com,"Two\nLines",Sales,,,\n,Missing,Sales,,,\n'
    response = upload(hr_client, content)
    assert "Line 4, email: is missing" in response.text  # type: ignore[attr-defined]


def test_import_chunked_upload_over_10_mb_stopped_while_streaming(
    hr_client: TestClient, session: Session
) -> None:
    token = csrf_from(hr_client.get("/hr/import").text)
    boundary = "allyshipboundary"

    def body() -> Iterator[bytes]:
        yield (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        yield (HEADER + "\n").encode()
        for _ in range(1050):  # 10.5 MB in 10 KB chunks, no Content-Length
            yield b"x@example.com,X,Sales,,,\n" * 400
        yield f"\r\n--{boundary}--\r\n".encode()

    response = hr_client.post(
        "/hr/import",
        content=body(),
        headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "X-CSRF-Token": token,
        },
    )
    assert response.status_code == 413
    assert session.exec(select(ImportBatch)).first() is None


def test_cli_import_users_dry_run_changes_nothing_then_applies(
    cli_env: object, session: Session, tmp_path: Path
) -> None:
    file = tmp_path / "people.csv"
    file.write_text(GOOD, encoding="utf-8")
    runner = CliRunner()
    dry = runner.invoke(cli, ["import-users", str(file), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "To add 3" in dry.output and "Dry run: nothing was changed." in dry.output
    assert session.exec(select(User)).first() is None
    real = runner.invoke(cli, ["import-users", str(file)])
    assert real.exit_code == 0, real.output
    assert len(session.exec(select(User)).all()) == 3
    again = runner.invoke(cli, ["import-users", str(file)])
    assert "leave unchanged 3" in again.output


def test_cli_import_users_bad_rows_print_file_line_field_and_exit_1(
    cli_env: object, session: Session, tmp_path: Path
) -> None:
    file = tmp_path / "people.csv"
    file.write_text(HEADER + "\nnope,Nope,Sales,,,\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["import-users", str(file)])
    assert result.exit_code == 1
    assert f"{file}:2: email: “nope” is not a valid email address" in result.output
    assert session.exec(select(User)).first() is None


def test_import_applied_file_content_is_not_kept(hr_client: TestClient, session: Session) -> None:
    import_file(hr_client, GOOD)
    batch = session.exec(select(ImportBatch)).one()
    assert batch.applied_at is not None and batch.content == b"" and batch.sha256


def test_import_by_hr_cannot_give_hr_role_to_new_or_existing_person(
    hr_client: TestClient, session: Session
) -> None:
    """R2: the import follows Add/Edit person's rule: HR gives only learner and facilitator."""
    make_user(session, "rt1@example.com", name="RT One")
    for row in ("rt1@example.com,RT One,Sales,,hr,", "newhr@example.com,New HR,Sales,,HR,"):
        response = upload(hr_client, HEADER + "\n" + row + "\n")
        text = response.text  # type: ignore[attr-defined]
        assert "Line 2, role: only an admin can give or remove the hr role" in text
        assert "put one of those in this row" in text
        assert 'name="fingerprint"' not in text  # no apply form for a file with a bad row
    session.expire_all()
    assert session.exec(select(User).where(User.email == "rt1@example.com")).one().role == "learner"
    assert session.exec(select(User).where(User.email == "newhr@example.com")).first() is None


def test_import_by_admin_still_gives_hr_role(admin_client: TestClient, session: Session) -> None:
    make_user(session, "rt1@example.com", name="RT One")
    import_file(admin_client, HEADER + "\nrt1@example.com,RT One,Sales,,hr,\n")
    session.expire_all()
    assert session.exec(select(User).where(User.email == "rt1@example.com")).one().role == "hr"
