"""Outside test F20: the certificate's "Valid until" (public /verify, the learner's
/certificate) and HR's (person page, people table, exports, API) count from one completion,
the oldest of each module's latest in the cycle, so a cycle whose modules were completed on
different days shows one date everywhere."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.api.keys import create_key
from app.clock import utcnow
from app.models import Certificate, Completion, User, row_id
from app.recert.status import add_months, counted_from
from app.web.templating import format_date
from tests.conftest import login
from tests.factories import make_user
from tests.hr.factories import make_assignment
from tests.recert.conftest import ALL, period

CODE = "DNSU-H7X9-AVU4"


def _complete(session: Session, user: User, days: list[datetime], cycle: int = 1) -> None:
    """One completion per module on the given days, in `cycle` (assigned in cycle 1)."""
    for module, at in zip(ALL, days, strict=True):
        if cycle == 1:
            make_assignment(session, user, module, due_at=at + timedelta(days=1))
        session.add(
            Completion(user_id=row_id(user), module_id=module, completed_at=at, cycle=cycle)
        )
    session.commit()


def _certify(session: Session, user: User, code: str, at: datetime, cycle: int = 1) -> None:
    session.add(Certificate(user_id=row_id(user), code=code, issued_at=at, cycle=cycle))
    session.commit()


def _between(text: str, start: str, end: str) -> str:
    return text.split(start, 1)[1].split(end, 1)[0]


def _hr_dates(hr: TestClient, user: User) -> set[str]:
    """HR's valid-until for `user` on the person page, the people table, both exports, the API."""
    person = hr.get(f"/hr/people/{row_id(user)}").text
    shown = _between(
        _between(person, 'id="person-recert"', "</dl>"), "<dt>Valid until</dt><dd>", "<"
    )
    table = hr.get(f"/hr/people?q={user.email}").text
    row = _between(table, f'href="/hr/people/{row_id(user)}"', "</tr>")
    listed = _between(row, '<span class="muted">until ', "<")
    found = {shown, listed}
    for kind in ("pivot", "long"):
        text = hr.get(f"/hr/people/export.csv?kind={kind}").content.decode("utf-8-sig")
        rows = [r for r in csv.DictReader(io.StringIO(text)) if r["email"] == user.email]
        assert rows, kind
        found |= {format_date(date.fromisoformat(r["valid_until"])) for r in rows}
    return found


def test_certificate_and_hr_give_one_valid_until_for_a_cycle_done_on_different_days(
    app: FastAPI, hr_client: TestClient, session: Session
) -> None:
    period(session, "1")
    now = utcnow()
    days = [now - timedelta(days=40 - 3 * i) for i in range(len(ALL))]  # first 40 days ago
    days[-1] = now - timedelta(days=5)  # the course was complete 5 days ago
    alex = make_user(session, "alex@example.com", name="Aleksander Rahman")
    _complete(session, alex, days)
    _certify(session, alex, CODE, days[-1])
    expected = format_date(add_months(min(days).date(), 1))  # about 10 days ago: expired
    assert expected != format_date(add_months(days[-1].date(), 1))  # the old rule's date

    assert _hr_dates(hr_client, alex) == {expected}
    person = hr_client.get(f"/hr/people/{row_id(alex)}").text
    assert 'badge-recert-expired">Expired' in person

    verify = TestClient(app).get(f"/verify/{CODE}").text  # public: nobody signed in
    assert _between(verify, 'id="verify-valid-until">', "<") == expected
    assert format_date(days[-1]) in verify  # "Completed": the day the course was complete
    assert format_date(min(days)) in _between(verify, 'id="verify-counted-from">', "</p>")

    learner = TestClient(app, follow_redirects=False)
    assert login(learner, "alex@example.com").status_code == 303  # type: ignore[attr-defined]
    mine = learner.get("/certificate").text
    assert _between(mine, 'id="certificate-valid-until">Valid until ', "<") == expected
    assert f"It expired on {expected}." in mine  # the learner is told what HR counts
    assert format_date(min(days)) in _between(mine, 'id="certificate-counted-from">', "</p>")


def test_a_retake_in_the_cycle_moves_both_dates_alike(
    app: FastAPI, hr_client: TestClient, session: Session
) -> None:
    """Each module's latest completion counts (a module taken again after a content release):
    the oldest of those, for HR and the certificate alike, and only the certificate's cycle."""
    period(session, "12")
    now = utcnow()
    days = [now - timedelta(days=100 - i) for i in range(len(ALL))]
    kim = make_user(session, "kim@example.com", name="Kim Retake")
    _complete(session, kim, days)
    _certify(session, kim, "KIMR-KIMR-KIMR", days[-1])
    retake = now - timedelta(days=2)  # the oldest module again: the next oldest counts now
    first = session.exec(
        select(Completion).where(Completion.user_id == row_id(kim), Completion.module_id == ALL[0])
    ).one()
    first.superseded_by = 1  # reopened by content release 1, kept as history
    session.add(first)
    session.add(Completion(user_id=row_id(kim), module_id=ALL[0], completed_at=retake, cycle=1))
    session.commit()
    latest = [retake, *days[1:]]
    expected = format_date(add_months(min(latest).date(), 12))
    assert counted_from(latest) == days[1]
    assert _hr_dates(hr_client, kim) == {expected}
    verify = TestClient(app).get("/verify/KIMR-KIMR-KIMR").text
    assert _between(verify, 'id="verify-valid-until">', "<") == expected

    secret = create_key(session, name="f20", scopes=["read"], actor_id=None)[1]
    kim.external_id = "E-KIM"
    session.add(kim)
    session.commit()
    body = (
        TestClient(app)
        .get("/api/v1/people/E-KIM", headers={"Authorization": f"Bearer {secret}"})
        .json()
    )
    assert format_date(date.fromisoformat(body["recertification"]["valid_until"])) == expected


def test_an_earlier_cycles_certificate_counts_from_its_own_cycle(
    app: FastAPI, session: Session
) -> None:
    """A later cycle's completions never move an earlier certificate's date, nor the reverse."""
    period(session, "12")
    now = utcnow()
    one = [now - timedelta(days=400 - 10 * i) for i in range(len(ALL))]
    two = [now - timedelta(days=30 - i) for i in range(len(ALL))]
    ola = make_user(session, "ola@example.com", name="Ola Twice")
    _complete(session, ola, one)
    _certify(session, ola, "ONE1-ONE1-ONE1", one[-1])
    _complete(session, ola, two, cycle=2)
    _certify(session, ola, "TWO2-TWO2-TWO2", two[-1], cycle=2)
    ola.cycle = 2
    session.add(ola)
    session.commit()
    public = TestClient(app)
    first = public.get("/verify/ONE1-ONE1-ONE1").text
    second = public.get("/verify/TWO2-TWO2-TWO2").text
    assert _between(first, 'id="verify-valid-until">', "<") == format_date(
        add_months(one[0].date(), 12)
    )
    assert _between(second, 'id="verify-valid-until">', "<") == format_date(
        add_months(two[0].date(), 12)
    )


def test_counted_from_is_none_until_every_module_is_done() -> None:
    day = utcnow()
    assert counted_from([]) is None
    assert counted_from([day, None]) is None
    assert counted_from([day, day - timedelta(days=1)]) == day - timedelta(days=1)
