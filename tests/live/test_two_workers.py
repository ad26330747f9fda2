"""A whole session on two real uvicorn workers: every bit of state lives in the database."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlmodel import Session, func, select

from app.db import make_engine
from app.models import LiveParticipant, LiveVote
from tests.conftest import FIXTURE_COURSE
from tests.factories import make_user
from tests.live.phones import Phone, Presenter, close_all
from tests.servers import start_server, stop_server

pytestmark = pytest.mark.slow
PHONES = 12
CHOICES = ["credit", "private", "silent"]


def test_a_session_runs_unchanged_across_two_workers(db_url: str) -> None:
    engine = make_engine(db_url)
    with Session(engine) as session:
        make_user(session, "fay@example.com", name="Fay", role="facilitator")
    proc, url = start_server(db_url, workers=2, content_dir=FIXTURE_COURSE)
    clients = []
    try:
        fay = Presenter(url, "fay@example.com", ["standup"])
        phones = [Phone(url, fay.code) for _ in range(PHONES)]
        clients = [fay.client, *(phone.client for phone in phones)]
        with ThreadPoolExecutor(PHONES) as pool:
            list(pool.map(Phone.join, phones))
            assert set(pool.map(Phone.poll, phones)) == {"Waiting to start"}

            for label in ("Ground rules", "Voting open"):
                fay.step()
                assert set(pool.map(Phone.poll, phones)) == {label}
                assert set(pool.map(Phone.poll, phones)) == {None}  # unchanged: 304 everywhere

            choices = [CHOICES[i % 3] for i in range(PHONES)]
            assert set(pool.map(Phone.vote, phones, choices)) == {303}
            changed = [CHOICES[(i + 1) % 3] for i in range(PHONES)]
            assert set(pool.map(Phone.vote, phones, changed)) == {303}
            assert f"<strong>{PHONES} of {PHONES}</strong> have voted" in fay.present()

            fay.step()
            assert set(pool.map(Phone.poll, phones)) == {"Results and feedback"}
            fay.step("end")
            assert set(pool.map(Phone.poll, phones)) == {"Ended"}

        with Session(engine) as session:
            assert session.exec(select(func.count()).select_from(LiveParticipant)).one() == PHONES
            stored = dict(
                session.exec(
                    select(LiveVote.choice_id, func.count()).group_by(LiveVote.choice_id)
                ).all()
            )
        assert stored == {c: changed.count(c) for c in set(changed)}
    finally:
        close_all(clients)
        stop_server(proc)
        engine.dispose()
