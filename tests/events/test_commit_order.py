"""The feed is in commit order: a reader polling while writers commit out of order misses nothing.

On PostgreSQL a sequence number is taken at insert, not at commit; without the events lock a
transaction that inserted first and commits last is skipped by a reader that has moved past
the later number (the control test shows it happening). With record_event it cannot happen.
"""

from __future__ import annotations

import random
import threading
import time

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import insert
from sqlmodel import Session, select

from app.clock import utcnow
from app.db import writer
from app.events import record_event
from app.models import Event
from tests.conftest import ON_POSTGRES
from tests.events.conftest import feed


def _leaver(session: Session, n: int) -> None:
    record_event(session, "person.deactivated", f"person/{n}", {"deactivated_at": utcnow()})


def test_first_to_insert_commits_last_and_the_reader_skips_nothing(
    app: FastAPI, client: TestClient, read_key: str
) -> None:
    engine = app.state.engine
    assert feed(client, read_key)["events"] == []  # the key's first use is noted before
    first = Session(writer(engine))
    _leaver(first, 1)  # takes its number (and the events lock), then holds its transaction open
    second_done = threading.Event()

    def second() -> None:
        with Session(writer(engine)) as session:
            _leaver(session, 2)
            session.commit()
        second_done.set()

    thread = threading.Thread(target=second)
    thread.start()
    second_done.wait(1.0)  # without the events lock it would commit now, ahead of the first
    seen: list[str] = []
    page = feed(client, read_key)  # a reader polls in between: nothing is committed yet
    seen += [e["subject"] for e in page["events"]]
    after = page["next_after"]
    first.commit()
    first.close()
    thread.join(timeout=20)
    assert second_done.is_set()
    while True:
        page = feed(client, read_key, after=after, limit=1)
        seen += [e["subject"] for e in page["events"]]
        after = page["next_after"]
        if not page["events"]:
            break
    assert seen == ["person/1", "person/2"]


def test_many_writers_and_a_polling_reader_see_every_event_once(
    app: FastAPI, client: TestClient, read_key: str
) -> None:
    engine = app.state.engine
    writers, each = 6, 8

    def write(worker: int) -> None:
        rng = random.Random(worker)
        for i in range(each):
            with Session(writer(engine)) as session:
                _leaver(session, worker * 100 + i)
                time.sleep(rng.random() * 0.05)  # commit a little later than the insert
                session.commit()

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for thread in threads:
        thread.start()
    seen: list[int] = []
    after = 0

    def poll() -> bool:
        nonlocal after
        page = feed(client, read_key, after=after, limit=100)
        seen.extend(e["seq"] for e in page["events"])
        after = page["next_after"]
        return bool(page["events"])

    while any(t.is_alive() for t in threads):  # polling while the writers commit
        poll()
    for thread in threads:
        thread.join()
    while poll():  # and what was committed after the last poll
        pass
    with Session(engine) as session:
        stored = list(session.exec(select(Event.seq).order_by(Event.seq)).all())
    assert len(stored) == writers * each
    assert seen == stored  # none skipped, none repeated, in order


@pytest.mark.skipif(not ON_POSTGRES, reason="SQLite has one writer: numbers are in commit order")
def test_without_the_lock_postgresql_would_skip_a_late_commit(
    app: FastAPI, client: TestClient, read_key: str
) -> None:
    """The hazard the lock prevents, shown with plain inserts that bypass record_event."""
    engine = app.state.engine
    row = {"kind": "person.deactivated", "occurred_at": utcnow(), "data": "{}"}
    first = Session(engine)
    first.execute(insert(Event).values(subject="person/1", **row))  # takes the lower number
    with Session(engine) as second:
        second.execute(insert(Event).values(subject="person/2", **row))
        second.commit()
    page = feed(client, read_key)
    assert [e["subject"] for e in page["events"]] == ["person/2"]
    first.commit()
    first.close()
    later = feed(client, read_key, after=page["next_after"])
    assert later["events"] == []  # person/1 committed below the reader's place: skipped
