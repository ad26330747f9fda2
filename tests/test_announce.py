"""The announce header: the message and focus target, JSON-encoded and safe for HTTP."""

from __future__ import annotations

import json

from starlette.responses import HTMLResponse

from app.web.announce import HEADER, announce


def test_announce_sets_message_and_focus() -> None:
    response = announce(HTMLResponse("<p>ok</p>"), "Vote recorded: option B", focus="#result")
    assert json.loads(response.headers[HEADER]) == {
        "announce": {"message": "Vote recorded: option B", "focus": "#result"}
    }


def test_announce_without_focus_and_with_non_ascii_text() -> None:
    response = announce(HTMLResponse(""), "Réflexion enregistrée — 2 of 3")
    raw = response.headers[HEADER]
    raw.encode("latin-1")  # an HTTP header must encode; json escapes the rest
    assert json.loads(raw) == {"announce": {"message": "Réflexion enregistrée — 2 of 3"}}
