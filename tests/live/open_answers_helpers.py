"""Helpers for open-answer tests: open a question, send answers from phones, moderate them."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.conftest import csrf_from
from tests.live.conftest import VERSION, Live, join, page_token

ANSWER_ID = re.compile(r'id="answer-approve-(\d+)"')


def open_question(live: Live, kind: str = "questions", view: str = "session"):  # type: ignore[no-untyped-def]
    page = live.controls() if view == "session" else live.client.get(f"/live/{live.id}/{view}").text
    version = VERSION.search(page).group(1)  # type: ignore[union-attr]
    data = {"csrf_token": csrf_from(page), "kind": kind, "version": version, "view": view}
    return live.client.post(f"/live/{live.id}/answers/open", data=data)


def close_question(live: Live):  # type: ignore[no-untyped-def]
    page = live.controls()
    version = VERSION.search(page).group(1)  # type: ignore[union-attr]
    data = {"csrf_token": csrf_from(page), "version": version}
    return live.client.post(f"/live/{live.id}/answers/close", data=data)


def send(phone: TestClient, code: str, text: str, **headers: str):  # type: ignore[no-untyped-def]
    page = phone.get(f"/j/{code}").text
    data = {"csrf_token": page_token(page), "answer": text}
    return phone.post(f"/j/{code}/answer", data=data, headers=headers)


def moderate(client: TestClient, live_id: int, answer_id: int, decision: str = "approve"):  # type: ignore[no-untyped-def]
    page = client.get("/account").text
    data = {"csrf_token": csrf_from(page), "decision": decision}
    return client.post(f"/live/{live_id}/answers/{answer_id}", data=data)


def waiting_ids(live: Live) -> list[int]:
    """Answers the session page lists with an Approve button, newest first."""
    return [int(i) for i in ANSWER_ID.findall(live.controls())]


def question_with_answer(app: FastAPI, live: Live) -> int:
    """Open a question and have one phone answer it; the answer's id."""
    assert open_question(live).status_code == 303
    assert send(join(app, live.code), live.code, "An answer").status_code == 303
    return waiting_ids(live)[0]
