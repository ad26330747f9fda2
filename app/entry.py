"""The `allyship` console script: the command's modules imported with the collector paused.

Importing the command (settings, SQLAlchemy, typer) makes tens of thousands of objects that
live as long as the command does, and Python's cyclic collector ran about 200 times while
they were made; `allyship serve` pays that before every start (app/served.py does the same for
the app each worker builds).
"""

from __future__ import annotations

import gc


def main() -> None:
    gc.disable()
    try:
        from app.cli import app
    finally:
        gc.enable()
    app()
