"""Messages for the page's one live region, sent with an htmx response.

A swap the user caused (a vote, a saved reflection, a filter) is announced through the
`#announcer` region in base.html, which is never swapped itself, so screen readers hear it.
The message travels in `HX-Trigger-After-Settle`, so static/js/app.js can move focus to an
element of the new content once it is in the page.
"""

from __future__ import annotations

import json

from starlette.responses import Response

HEADER = "HX-Trigger-After-Settle"


def announce(response: Response, message: str, *, focus: str | None = None) -> Response:
    """Ask the page to announce `message` and, if given, focus the element matching `focus`."""
    detail: dict[str, str] = {"message": message}
    if focus:
        detail["focus"] = focus
    # json.dumps escapes non-ASCII, so the header stays within latin-1 as HTTP requires.
    response.headers[HEADER] = json.dumps({"announce": detail})
    return response
