"""The app as `allyship serve` builds it in each worker: the cyclic garbage collector paused.

Building the app creates about 280,000 objects (modules, classes, routes, the course), and
Python's collector ran about 520 times while they were made, each time walking what had been
made so far: 0.26-0.30 s of a worker's start-up CPU (bench/NOTES.md). Here it is paused while
the app is built, and what was built is then frozen (`gc.freeze`): those objects live as long
as the worker, so later collections, during requests, skip them. No full collection runs
first: it found about 800 unreachable objects among the 280,000 and cost 0.17-0.22 s of the
start-up, so those few stay frozen with the rest.
"""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported with the collector paused, like the rest of the app
    from fastapi import FastAPI


def create_served_app() -> FastAPI:
    """`app.main.create_app()`, built with the collector paused; the factory uvicorn calls."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        from app.main import create_app

        return create_app()
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()
