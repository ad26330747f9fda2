"""Tests exercise what production runs: the lifespan, the loop's reader and the writer thread.

An `async def` route runs on the event loop, so it must never touch a database session
(a session's I/O would block every request of the worker); its reads go through
app.db.run_read and its writes through app.db.run_batched_write.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.db import SessionDep, get_session, trace
from app.models import QuizAttempt
from app.web.request_checks import api_routes, checked_router
from tests.conftest import ON_POSTGRES, login
from tests.factories import make_user
from tests.learning.test_learner_journey import quiz_form


def _dependants(dependant: Dependant) -> Iterator[Dependant]:
    for sub in dependant.dependencies:
        yield sub
        yield from _dependants(sub)


def async_routes_with_a_session(app: FastAPI) -> list[str]:
    """Every `async def` endpoint that depends, at any depth, on a database session."""
    return [
        f"{sorted(route.methods)} {route.path}"
        for route in api_routes(app.routes)
        if isinstance(route, APIRoute)
        and inspect.iscoroutinefunction(route.endpoint)
        and any(d.call is get_session for d in _dependants(route.dependant))
    ]


def test_no_async_route_depends_on_a_database_session(app: FastAPI) -> None:
    assert sum(1 for _ in api_routes(app.routes)) > 50  # the walk reaches included routers
    assert async_routes_with_a_session(app) == []


async def _needs_a_session(session: SessionDep) -> int:
    return 1


async def _needs_it_through_another(value: Annotated[int, Depends(_needs_a_session)]) -> int:
    return value


def test_the_session_check_finds_an_async_route_with_a_session_deep_down(
    app: FastAPI,
) -> None:
    """The check above can fail: a route with a session two dependencies down is caught."""
    router = checked_router()

    @router.get("/bad-async-route")
    async def bad(value: Annotated[int, Depends(_needs_it_through_another)]) -> dict[str, int]:
        return {"value": value}

    @router.get("/fine-sync-route")
    def fine(session: SessionDep) -> dict[str, int]:
        return {"value": 1}

    app.include_router(router)
    assert async_routes_with_a_session(app) == ["['GET'] /bad-async-route"]


def test_the_test_app_runs_its_lifespan(app: FastAPI) -> None:
    assert (app.state.write_batches is not None) == (not ON_POSTGRES)
    assert (app.state.loop_reader is not None) == (not ON_POSTGRES)
    if app.state.write_batches is not None:
        assert app.state.write_batches.alive


def test_a_quiz_goes_through_the_writer_thread_and_the_loop_reader(
    app: FastAPI, session: Session
) -> None:
    make_user(session)
    client = TestClient(app, follow_redirects=False)
    assert login(client, "ana@example.com").status_code == 303
    data = quiz_form(client, "first-steps") | {
        "answer-standup": "credit",
        "answer-review": "finish",
    }
    threads: list[tuple[str, str]] = []

    def note(statement: str) -> None:
        threads.append((threading.current_thread().name, statement))

    with trace.watching(note):
        assert client.post("/modules/first-steps/quiz", data=data).status_code == 303
    insert = [name for name, q in threads if q.lstrip().startswith("INSERT INTO quizattempt")]
    lookup = [name for name, q in threads if 'JOIN "user" u ON u.id = s.user_id' in q]
    assert len(session.exec(select(QuizAttempt)).all()) == 1
    if ON_POSTGRES:  # a thread of the pool for each: PostgreSQL takes concurrent writers
        assert insert and all(name != "allyship-writer" for name in insert)
    else:
        assert insert == ["allyship-writer"]
        assert lookup and all(not name.startswith("AnyIO worker") for name in lookup)
