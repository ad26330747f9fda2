"""Open answers: phones send anonymous text, the facilitator moderates, the projector waits for 5."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import inspect
from sqlmodel import Session, select

from app.models import LiveAnswer, LiveAnswerQuota, LivePrompt, LiveSession
from tests.conftest import csrf_from
from tests.live.conftest import TO_VOTE_1, TO_WRAPUP, Live, join, signed_in, start_session
from tests.live.open_answers_helpers import (
    close_question,
    moderate,
    open_question,
    send,
    waiting_ids,
)

HX = {"HX-Request": "true"}
WAIT = "Answers appear when five phones have answered"


def answers(session: Session) -> list[tuple[str, str]]:
    session.expire_all()
    rows = session.exec(select(LiveAnswer).order_by(LiveAnswer.id)).all()  # type: ignore[arg-type]
    return [(a.text, a.state) for a in rows]


def version(session: Session, live: Live) -> int:
    session.expire_all()
    return session.get_one(LiveSession, live.id).version


def fill(app: FastAPI, live: Live, n: int, kind: str = "questions") -> list[TestClient]:
    phones = [join(app, live.code) for _ in range(n)]
    assert open_question(live, kind).status_code == 303
    for i, phone in enumerate(phones):
        assert send(phone, live.code, f"Answer number {i}").status_code == 303
    return phones


def test_the_projector_shows_nothing_until_five_answers_exist(
    app: FastAPI, live: Live, session: Session
) -> None:
    phones = fill(app, live, 4)
    for answer_id in waiting_ids(live):
        assert moderate(live.client, live.id, answer_id).status_code == 303
    screen = live.present().text
    assert WAIT in screen and "(4 so far)" in screen
    assert "Answer number" not in screen.split('id="answers-controls"')[0]  # only in moderation
    extra = join(app, live.code)
    assert send(extra, live.code, "The fifth one").status_code == 303
    screen = live.present().text.split('id="answers-controls"')[0]
    assert WAIT not in screen
    assert all(f"Answer number {i}" in screen for i in range(4))
    assert "The fifth one" not in screen  # not approved yet
    assert "Answer number" not in phones[0].get(f"/j/{live.code}").text  # phones never list them


def test_only_approved_answers_show_and_hidden_ones_never(
    app: FastAPI, live: Live, session: Session
) -> None:
    fill(app, live, 6)
    ids = waiting_ids(live)
    assert moderate(live.client, live.id, ids[0], "approve").status_code == 303
    assert moderate(live.client, live.id, ids[1], "hide").status_code == 303
    screen = live.present().text.split('id="answers-controls"')[0]
    assert "Answer number 5" in screen and "Answer number 4" not in screen
    assert "Answer number 3" not in screen  # never approved
    controls = live.controls().split('id="answers-controls"')[1]
    assert "Answer number 4" not in controls  # hidden answers leave the moderation list
    assert moderate(live.client, live.id, ids[0], "hide").status_code == 303  # un-approve
    assert "Answer number 5" not in live.present().text.split('id="answers-controls"')[0]


def test_an_answer_row_holds_nothing_that_links_it_to_a_phone_or_person(
    app: FastAPI, live: Live, session: Session
) -> None:
    columns = {c["name"] for c in inspect(session.get_bind()).get_columns("liveanswer")}
    assert columns == {"id", "prompt_id", "text", "state"}
    fill(app, live, 5)
    session.expire_all()
    assert len(session.exec(select(LiveAnswerQuota)).all()) == 5  # counters while open
    assert close_question(live).status_code == 303
    session.expire_all()
    assert session.exec(select(LiveAnswerQuota)).all() == []
    (prompt,) = session.exec(select(LivePrompt)).all()
    assert prompt.sender_key is None and prompt.closed_at is not None
    assert len(answers(session)) == 5


def test_ending_the_session_closes_the_question_and_drops_the_counters(
    app: FastAPI, live: Live, session: Session
) -> None:
    fill(app, live, 2)
    assert live.step("end").status_code == 303
    session.expire_all()
    assert session.exec(select(LiveAnswerQuota)).all() == []
    assert session.exec(select(LivePrompt.sender_key)).all() == [None]


def test_one_phone_can_send_three_questions_and_no_more(
    app: FastAPI, live: Live, session: Session
) -> None:
    phone = join(app, live.code)
    assert open_question(live, "questions").status_code == 303
    for i in range(3):
        assert send(phone, live.code, f"Question {i}").status_code == 303
    refused = send(phone, live.code, "Question 3")
    assert refused.status_code == 409
    assert "your" in refused.text and "are in" in refused.text
    assert len(answers(session)) == 3
    assert 'id="answer-send"' not in phone.get(f"/j/{live.code}").text  # the box says it is done


def test_what_would_you_say_takes_one_answer_a_phone_and_needs_a_scenario(
    app: FastAPI, live: Live, session: Session
) -> None:
    refused = open_question(live, "say")  # still in the lobby
    assert refused.status_code == 422 and "asks about a scenario" in refused.text
    live.go(TO_VOTE_1)
    phone = join(app, live.code)
    assert open_question(live, "say").status_code == 303
    assert "The stand-up" in live.present().text.split('id="answers-controls"')[0]
    assert send(phone, live.code, "I would credit Ana").status_code == 303
    assert send(phone, live.code, "Again").status_code == 409
    assert answers(session) == [("I would credit Ana", "new")]


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("", "Write your answer first"),
        ("   \n\t ", "Write your answer first"),
        ("bell\x07here", "U+0007"),
        ("evil\u202eoverride", "U+202E"),
        ("zero\u200bwidth", "U+200B"),
        ("isolate\u2066x", "U+2066"),
        ("x" * 281, "at most 280 characters"),
    ],
)
def test_empty_or_odd_text_is_refused_with_a_message(
    app: FastAPI, live: Live, session: Session, text: str, said: str
) -> None:
    phone = join(app, live.code)
    assert open_question(live).status_code == 303
    refused = send(phone, live.code, text)
    assert refused.status_code == 422
    assert said in refused.text
    assert 'class="error-summary"' in refused.text and 'href="#answer"' in refused.text
    assert answers(session) == []
    assert send(phone, live.code, "Fine now").status_code == 303  # a refusal uses no quota


def test_ten_kilobytes_are_refused_and_html_is_shown_as_text(
    app: FastAPI, live: Live, session: Session
) -> None:
    phones = fill(app, live, 4)
    huge = send(phones[0], live.code, "x" * 10_240)
    assert huge.status_code == 422 and answers(session)[-1][0] == "Answer number 3"
    fifth = join(app, live.code)
    html = '<script>alert(1)</script><img src=x onerror="y">'
    assert send(fifth, live.code, html).status_code == 303
    moderate(live.client, live.id, waiting_ids(live)[0])
    page = live.present().text
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_newlines_and_spaces_are_folded_into_one_line(
    app: FastAPI, live: Live, session: Session
) -> None:
    phone = join(app, live.code)
    assert open_question(live).status_code == 303
    assert send(phone, live.code, "  two\r\nlines\t here ").status_code == 303
    assert answers(session) == [("two lines here", "new")]


def test_nothing_can_be_sent_without_an_open_question_or_from_another_room(
    app: FastAPI, live: Live, facilitator: object, session: Session
) -> None:
    phone = join(app, live.code)
    closed = send(phone, live.code, "Anyone?")
    assert closed.status_code == 409 and "closed that question" in closed.text
    other = start_session(live.client)
    assert open_question(other).status_code == 303
    stranger = send(phone, other.code, "From next door")  # joined the first room only
    assert stranger.status_code == 404
    assert answers(session) == []


def test_only_the_rooms_facilitator_may_open_or_moderate(
    app: FastAPI, live: Live, session: Session
) -> None:
    fill(app, live, 5)
    (first, *_rest) = waiting_ids(live)
    before = version(session, live)
    nobody = TestClient(app, follow_redirects=False)
    data = {"csrf_token": csrf_from(nobody.get("/login").text), "decision": "approve"}
    anonymous = nobody.post(f"/live/{live.id}/answers/{first}", data=data)
    assert anonymous.status_code == 303 and "/login" in anonymous.headers["location"]
    someone, _ = signed_in(app, session, "sam@example.com")
    assert moderate(someone, live.id, first).status_code == 403
    colleague, _ = signed_in(app, session, "col@example.com", role="facilitator")
    assert moderate(colleague, live.id, first).status_code == 403
    theirs = start_session(colleague)
    wrong_room = moderate(colleague, theirs.id, first)  # their own room, this room's answer
    assert wrong_room.status_code == 404
    token = csrf_from(colleague.get("/account").text)
    data = {"csrf_token": token, "kind": "questions", "version": str(version(session, live))}
    assert colleague.post(f"/live/{live.id}/answers/open", data=data).status_code == 403
    assert colleague.post(f"/live/{live.id}/answers/close", data=data).status_code == 403
    assert version(session, live) == before
    assert all(state == "new" for _text, state in answers(session))


def test_two_approvals_at_once_change_the_answer_and_the_room_once(
    app: FastAPI, live: Live, session: Session
) -> None:
    from app.db import write_session
    from app.live import open_answers
    from app.models import User
    from tests.concurrency import at_once

    fill(app, live, 5)
    answer_id = waiting_ids(live)[0]
    before = version(session, live)
    user = session.exec(select(User).where(User.role == "facilitator")).one()

    def approve() -> bool:
        with write_session(app.state.engine) as s:
            return open_answers.moderate(
                s, user=user, session_id=live.id, answer_id=answer_id, decision="approve"
            )

    assert sorted(at_once(approve, approve, approve)) == [False, False, True]
    assert version(session, live) == before + 1
    assert session.get_one(LiveAnswer, answer_id).state == "approved"


def test_one_phone_sending_many_answers_at_once_stores_only_its_three(
    app: FastAPI, live: Live, session: Session
) -> None:
    from app.db import write_session
    from app.errors import Conflict
    from app.live import open_answers
    from app.live.participant import COOKIE
    from tests.concurrency import at_once

    phone = join(app, live.code)
    token = phone.cookies[COOKIE]
    assert open_question(live).status_code == 303

    def send_one(i: int) -> str:
        with write_session(app.state.engine) as s:
            try:
                open_answers.send_answer(
                    s, code=live.code, token=token, text=f"Flood {i}", address="10.0.0.9", user=None
                )
            except Conflict:
                return "refused"
            return "stored"

    results = at_once(*[lambda i=i: send_one(i) for i in range(12)])
    assert results.count("stored") == 3 and results.count("refused") == 9
    assert len(answers(session)) == 3
    session.expire_all()
    assert session.exec(select(LivePrompt.received)).one() == 3


def test_an_incoming_answer_refreshes_the_controls_but_not_the_phones(
    app: FastAPI, live: Live, session: Session
) -> None:
    phone = join(app, live.code)
    assert open_question(live).status_code == 303
    controls = live.client.get(f"/live/{live.id}/remote")
    room = phone.get(f"/j/{live.code}", headers=HX)
    assert send(phone, live.code, "New one").status_code == 303
    again = live.client.get(
        f"/live/{live.id}/remote", headers=HX | {"If-None-Match": controls.headers["ETag"]}
    )
    assert again.status_code == 200 and "New one" in again.text
    same = phone.get(f"/j/{live.code}", headers=HX | {"If-None-Match": room.headers["ETag"]})
    assert same.status_code == 304
    moderate(live.client, live.id, waiting_ids(live)[0])
    bumped = phone.get(f"/j/{live.code}", headers=HX | {"If-None-Match": room.headers["ETag"]})
    assert bumped.status_code == 200  # an approval bumps the room's version


def test_a_stale_open_click_changes_nothing(app: FastAPI, live: Live, session: Session) -> None:
    page = live.controls()
    live.go(1)
    data = {"csrf_token": csrf_from(page), "kind": "questions", "version": "1"}
    moved = live.client.post(f"/live/{live.id}/answers/open", data=data)
    assert moved.status_code == 303 and "moved" in moved.headers["location"]
    assert session.exec(select(LivePrompt)).all() == []


def test_the_remote_can_open_and_moderate(app: FastAPI, live: Live, session: Session) -> None:
    phones = [join(app, live.code) for _ in range(5)]
    assert open_question(live, view="remote").status_code == 303
    for i, phone in enumerate(phones):
        send(phone, live.code, f"Remote {i}")
    remote = live.client.get(f"/live/{live.id}/remote").text
    assert "Remote 4" in remote and 'id="answers-close"' in remote
    assert "Answers appear when five" not in remote  # the remote has no projector panel


def test_opening_a_question_closes_the_one_before(
    app: FastAPI, live: Live, session: Session
) -> None:
    fill(app, live, 2)
    assert close_question(live).status_code == 303
    assert close_question(live).status_code == 422  # nothing open any more
    assert open_question(live).status_code == 303
    session.expire_all()
    prompts = session.exec(select(LivePrompt).order_by(LivePrompt.id)).all()  # type: ignore[arg-type]
    assert [p.closed_at is None for p in prompts] == [False, True]


def test_wall_opens_only_at_the_wrapup(app: FastAPI, live: Live) -> None:
    refused = open_question(live, "commitments")
    assert refused.status_code == 422 and "wrap-up" in refused.text
    live.go(TO_WRAPUP)
    assert open_question(live, "commitments").status_code == 303


def test_an_incoming_answer_changes_the_controls_stream_mark_but_not_the_phones(
    app: FastAPI, live: Live, session: Session
) -> None:
    """With the event stream open the controls send no polls, so the stream must carry answers."""
    from app.live.stream import read_marks

    phone = join(app, live.code)
    assert open_question(live).status_code == 303
    before = read_marks(app.state.engine, [live.id])[live.id]
    assert send(phone, live.code, "Heard by the stream").status_code == 303
    after = read_marks(app.state.engine, [live.id])[live.id]
    assert after.token(controls=True) != before.token(controls=True)
    assert after.token(controls=False) == before.token(controls=False)


def test_five_answers_from_two_phones_are_not_enough_to_show(
    app: FastAPI, live: Live, session: Session
) -> None:
    first, second = join(app, live.code), join(app, live.code)
    assert open_question(live).status_code == 303
    for i in range(3):
        assert send(first, live.code, f"First phone {i}").status_code == 303
    for i in range(2):
        assert send(second, live.code, f"Second phone {i}").status_code == 303
    for answer_id in waiting_ids(live):
        assert moderate(live.client, live.id, answer_id).status_code == 303
    screen = live.present().text.split('id="answers-controls"')[0]
    assert WAIT in screen and "(2 so far)" in screen
    assert "First phone" not in screen and "Second phone" not in screen
    assert close_question(live).status_code == 303
    csv_text = live.client.get(f"/live/{live.id}/summary.csv").text
    assert "First phone" not in csv_text and "Second phone" not in csv_text
    # Five phones, one question each: shown, and kept in the summary.
    fill(app, live, 5)
    for answer_id in waiting_ids(live):
        assert moderate(live.client, live.id, answer_id).status_code == 303
    screen = live.present().text.split('id="answers-controls"')[0]
    assert WAIT not in screen and "Answer number 0" in screen
    assert close_question(live).status_code == 303
    csv_text = live.client.get(f"/live/{live.id}/summary.csv").text
    assert "Answer number 4" in csv_text and "First phone" not in csv_text


def test_room_answers_follow_the_one_text_rule(app: FastAPI, live: Live, session: Session) -> None:
    phones = [join(app, live.code) for _ in range(3)]
    assert open_question(live).status_code == 303
    assert send(phones[0], live.code, "👩‍💻 emoji zwj").status_code == 303  # joiner in an emoji
    joined_letters = send(phones[1], live.code, "a\u200db")  # a joiner between letters hides
    assert joined_letters.status_code == 422 and "ZERO WIDTH JOINER" in joined_letters.text
    bidi = send(phones[1], live.code, "a\u202eb")
    assert bidi.status_code == 422 and "RIGHT-TO-LEFT OVERRIDE, U+202E" in bidi.text
    assert answers(session) == [("👩‍💻 emoji zwj", "new")]
