"""The paper a quiz page asks and a submission answers, read or drawn through the request.

Route helpers, like app/learning/signed_out.py: reads go through deps.run_read and a new
draw through the batched writer, so the quiz routes stay thin.
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from fastapi import Request

from app.auth.lookup import AnyUser
from app.content.schema import Module
from app.db import run_batched_write, run_read
from app.errors import NotFound
from app.learning import draws, retakes
from app.models import row_id


async def to_answer(request: Request, module: Module, user: AnyUser) -> draws.Paper:
    """The learner's open draw of this quiz (a read), or a new one (a write) if none.

    Raises retakes.NotYet when a new draw would mostly repeat what the learner has seen and
    its wait has not passed.
    """
    user_id = row_id(user)
    found = await run_read(request, partial(draws.open_paper, user_id=user_id, module=module))
    if found is not None:
        return found
    wait = timedelta(hours=request.app.state.settings.retake_wait_hours)
    held_back = await run_read(
        request, partial(retakes.opens_at, user_id=user_id, module=module, wait=wait)
    )
    if held_back is not None:
        raise held_back
    draw = partial(draws.paper_to_answer, user_id=user_id, module=module)
    return await run_batched_write(request, draw)


def draw_id(raw: str) -> int | None:
    """The posted draw id; None when absent (a page from before draws, or a bare post)."""
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 18 else None


async def submitted(
    request: Request, module: Module, user: AnyUser, named: int | None
) -> draws.Paper:
    """The paper a submission answers: the draw it names (the learner's own), else the open one."""
    if named is None:
        return await to_answer(request, module, user)
    read = partial(draws.paper_of_draw, draw_id=named, user_id=row_id(user), module_id=module.id)
    paper = await run_read(request, read)
    if paper is None:
        raise NotFound("That quiz attempt does not exist. Open the quiz again to answer it.")
    return paper
