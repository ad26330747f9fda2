"""Point 1: a private if-then plan at the end of a module, and its check-in 30 days later."""

from __future__ import annotations

from fastapi import FastAPI
from sqlmodel import Session, select

from app.models import Commitment, CommitmentCheckIn, LiveCommitment, User
from tests.concurrency import at_once
from tests.lasting.helpers import MODULE, check_in, in_days, make_due, pass_module, write_plan
from tests.security.people_helpers import signed_in


def _user(session: Session, email: str) -> User:
    return session.exec(select(User).where(User.email == email)).one()


def test_a_plan_is_saved_with_its_check_in_30_days_on(app: FastAPI, session: Session) -> None:
    client = signed_in(app, session, "ana@example.com")
    response = write_plan(client)
    assert response.status_code == 303
    row = session.exec(select(Commitment)).one()
    assert (row.situation, row.action) == ("a colleague is talked over", "say: let her finish")
    assert row.check_on == in_days(30)
    page = client.get(f"/modules/{MODULE}/commitment")
    assert "say: let her finish" in page.text and "Check in on your commitment" not in page.text


def test_an_empty_or_huge_plan_gets_a_clear_message_and_is_not_saved(
    app: FastAPI, session: Session
) -> None:
    client = signed_in(app, session, "ana@example.com")
    empty = write_plan(client, situation="  ", action="x")
    assert empty.status_code == 422 and "fill this in" in empty.text
    huge = write_plan(client, situation="x" * 501, action="y")
    assert huge.status_code == 422 and "at most 500 characters" in huge.text
    too_big_for_the_form = write_plan(client, situation="x" * 5000, action="y")
    assert too_big_for_the_form.status_code in (413, 422)
    assert session.exec(select(Commitment)).all() == []


def test_an_unknown_module_is_a_404_not_a_500(app: FastAPI, session: Session) -> None:
    client = signed_in(app, session, "ana@example.com")
    assert client.get("/modules/no-such-module/commitment").status_code == 404


def test_check_in_is_refused_before_its_day(app: FastAPI, session: Session) -> None:
    client = signed_in(app, session, "ana@example.com")
    write_plan(client)
    page = client.get(f"/modules/{MODULE}/commitment")
    assert 'id="check-in"' not in page.text
    response = check_in(client)
    assert response.status_code == 409 and "opens on" in response.text
    assert session.exec(select(CommitmentCheckIn)).all() == []


def test_keep_asks_again_in_30_days_and_history_is_never_overwritten(
    app: FastAPI, session: Session
) -> None:
    client = signed_in(app, session, "ana@example.com")
    user = _user(session, "ana@example.com")
    write_plan(client)
    make_due(session, user, days_ago=2)
    assert check_in(client, acted="once", decision="keep").status_code == 303
    row = session.exec(select(Commitment)).one()
    session.refresh(row)
    assert row.check_on == in_days(30)
    make_due(session, user, days_ago=1)
    answer = check_in(
        client,
        acted="a-few-times",
        decision="change",
        situation="a meeting runs over",
        action="name who spoke first",
    )
    assert answer.status_code == 303
    session.refresh(row)
    assert row.action == "name who spoke first" and row.check_on == in_days(30)
    make_due(session, user)
    assert check_in(client, acted="often", decision="close").status_code == 303
    session.refresh(row)
    assert row.check_on is None and row.closed_at is not None
    history = session.exec(select(CommitmentCheckIn).order_by(CommitmentCheckIn.id)).all()
    assert [(h.acted, h.decision) for h in history] == [
        ("once", "keep"),
        ("a-few-times", "change"),
        ("often", "close"),
    ]
    # Each check-in keeps the plan as it was when asked.
    assert (
        history[1].action == "say: let her finish" and history[2].action == "name who spoke first"
    )
    page = client.get(f"/modules/{MODULE}/commitment").text
    assert page.count('<tr><th scope="row">') == 3


def test_change_without_a_plan_and_an_unknown_answer_are_refused_clearly(
    app: FastAPI, session: Session
) -> None:
    client = signed_in(app, session, "ana@example.com")
    write_plan(client)
    make_due(session, _user(session, "ana@example.com"))
    odd = check_in(client, acted="always!", decision="keep")
    assert odd.status_code == 422 and "how often" in odd.text
    no_plan = check_in(client, acted="once", decision="change", situation="", action="")
    assert no_plan.status_code == 422 and "fill this in" in no_plan.text
    assert session.exec(select(CommitmentCheckIn)).all() == []


def test_two_submissions_of_one_check_in_at_once_store_one_answer(
    app: FastAPI, session: Session
) -> None:
    client = signed_in(app, session, "ana@example.com")
    write_plan(client)
    make_due(session, _user(session, "ana@example.com"))
    from tests.conftest import csrf_from

    token = csrf_from(client.get(f"/modules/{MODULE}/commitment").text)

    def submit(acted: str) -> int:
        data = {"acted": acted, "decision": "keep", "csrf_token": token}
        return client.post(f"/modules/{MODULE}/commitment/check-in", data=data).status_code

    codes = sorted(at_once(lambda: submit("once"), lambda: submit("often")))
    assert codes == [303, 409]
    assert len(session.exec(select(CommitmentCheckIn)).all()) == 1


def test_another_persons_plan_is_never_shown_or_answered(app: FastAPI, session: Session) -> None:
    ana = signed_in(app, session, "ana@example.com")
    write_plan(ana, action="a secret plan of Ana")
    make_due(session, _user(session, "ana@example.com"))
    ben = signed_in(app, session, "ben@example.com")
    page = ben.get(f"/modules/{MODULE}/commitment")
    assert "a secret plan of Ana" not in page.text
    assert "a secret plan of Ana" not in ben.get("/commitments").text
    assert check_in(ben).status_code == 404
    assert session.exec(select(CommitmentCheckIn)).all() == []


def test_a_group_session_commitment_is_offered_as_the_starting_text(
    app: FastAPI, session: Session
) -> None:
    client = signed_in(app, session, "ana@example.com")
    user = _user(session, "ana@example.com")
    session.add(LiveCommitment(user_id=user.id, module_id=MODULE, text="speak up in stand-ups"))
    session.commit()
    assert "speak up in stand-ups" in client.get(f"/modules/{MODULE}/commitment").text
    write_plan(client)
    assert len(session.exec(select(LiveCommitment)).all()) == 1  # never merged


def test_a_plan_for_a_module_not_passed_is_refused_with_a_message(
    app: FastAPI, session: Session
) -> None:
    client = signed_in(app, session, "ana@example.com")
    page = client.get(f"/modules/{MODULE}/commitment").text
    assert 'id="pass-first"' in page and 'name="situation"' not in page
    refused = write_plan(client, passed=False)
    assert refused.status_code == 409  # type: ignore[attr-defined]
    assert "Pass this module&#39;s quiz first" in refused.text  # type: ignore[attr-defined]
    assert session.exec(select(Commitment)).first() is None
    other = write_plan(client, module="no-such-module", passed=False)
    assert other.status_code == 404  # type: ignore[attr-defined]
    assert write_plan(client).status_code == 303  # type: ignore[attr-defined]  # once passed
    assert len(session.exec(select(Commitment)).all()) == 1


def test_plans_follow_the_one_text_rule(app: FastAPI, session: Session) -> None:
    """Bidi overrides refused, emoji with joiners kept, limits said and refused, no doubled words."""
    client = signed_in(app, session, "ana@example.com")
    pass_module(client)
    page = client.get(f"/modules/{MODULE}/commitment").text
    assert page.count("At most 500 characters") == 2  # said before typing
    bidi = write_plan(client, situation="a\u202eb")
    assert bidi.status_code == 422  # type: ignore[attr-defined]
    assert "RIGHT-TO-LEFT OVERRIDE, U+202E" in bidi.text  # type: ignore[attr-defined]
    hidden = write_plan(client, action="say\u200bso")
    assert hidden.status_code == 422 and "ZERO WIDTH SPACE" in hidden.text  # type: ignore[attr-defined]
    long = write_plan(client, action="x" * 501)
    assert long.status_code == 422  # type: ignore[attr-defined]
    assert "use at most 500 characters (this has 501)" in long.text  # type: ignore[attr-defined]
    assert session.exec(select(Commitment)).first() is None  # nothing cut and saved
    ok = write_plan(
        client, situation="If 👩‍💻 is talked over", action="I will say let her finish 🏳️‍🌈"
    )
    assert ok.status_code == 303  # type: ignore[attr-defined]
    row = session.exec(select(Commitment)).one()
    assert (row.situation, row.action) == ("👩‍💻 is talked over", "say let her finish 🏳️‍🌈")
    mine = client.get("/commitments").text
    assert "I will I will" not in mine and "If If" not in mine
