"""The bare baseline: FastAPI served exactly like `allyship serve`, with nothing of ours in it.

GET /page renders a Jinja2 page (autoescape on) of BASELINE_PAGE_BYTES bytes without any
database; POST /insert inserts one row per request into SQLite (WAL, synchronous=FULL,
BEGIN IMMEDIATE, as app/db.py does). Our figures are reported as ratios against these.

    python -m bench.baseline_app --port 8100 --workers 1
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import threading
from typing import Annotated

from fastapi import FastAPI, Form
from fastapi.responses import HTMLResponse, JSONResponse
from jinja2 import DictLoader, Environment, select_autoescape

from app.db import SQLITE_PRAGMAS

PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{{ title }} · Baseline</title>
<link rel="stylesheet" href="/static/css/app.css"></head>
<body>
<header class="site-header"><a class="brand" href="/">Baseline</a></header>
<main id="main" class="wrap">
<h1>{{ title }}</h1>
{% for section in sections %}
<section id="s{{ loop.index }}"><h2>{{ section.title }}</h2>
{% for paragraph in section.paragraphs %}<p>{{ paragraph }}</p>
{% endfor %}</section>
{% endfor %}
</main>
<footer class="site-footer"><p>Bare baseline page.</p></footer>
</body>
</html>
"""
SENTENCE = "Allies notice who speaks in meetings, who gets credit, and who is asked to take notes. "
DEFAULT_PAGE_BYTES = 21_000


def _sections(target: int, render: object) -> list[dict[str, object]]:
    """Add paragraphs until the rendered page reaches `target` bytes (to within one sentence)."""
    sections: list[dict[str, object]] = []
    paragraphs: list[str] = []
    while True:
        if len(paragraphs) % 4 == 0:
            paragraphs = []
            sections.append({"title": f"Section {len(sections) + 1}", "paragraphs": paragraphs})
        paragraphs.append(SENTENCE * 3)
        if len(render(sections).encode()) >= target:  # type: ignore[operator]
            return sections


def create_app() -> FastAPI:
    target = int(os.environ.get("BASELINE_PAGE_BYTES", DEFAULT_PAGE_BYTES))
    db_path = os.environ.get("BASELINE_DB", "baseline.db")
    env = Environment(loader=DictLoader({"page.html": PAGE}), autoescape=select_autoescape())
    template = env.get_template("page.html")
    title = "A page the size of a lesson"
    sections = _sections(target, lambda s: template.render(title=title, sections=s))
    local = threading.local()
    with sqlite3.connect(db_path) as setup:
        setup.execute("PRAGMA journal_mode=WAL")
        setup.execute("CREATE TABLE IF NOT EXISTS row (id INTEGER PRIMARY KEY, note TEXT NOT NULL)")

    def connection() -> sqlite3.Connection:
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
            for name, value in SQLITE_PRAGMAS.items():
                conn.execute(f"PRAGMA {name}={value}")
            local.conn = conn
        return conn

    app = FastAPI(docs_url=None, redoc_url=None)

    @app.get("/healthz")
    def healthz() -> JSONResponse:
        return JSONResponse({"status": "ok"})

    @app.get("/page")
    def page() -> HTMLResponse:
        return HTMLResponse(template.render(title=title, sections=sections))

    @app.post("/insert")
    def insert(note: Annotated[str, Form(max_length=200)] = "") -> JSONResponse:
        conn = connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            row_id = conn.execute("INSERT INTO row (note) VALUES (?)", (note,)).lastrowid
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return JSONResponse({"id": row_id}, status_code=201)

    return app


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description="Serve the bare baseline like `allyship serve`.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    # The same uvicorn settings as app/cli.py `serve`.
    uvicorn.run(
        "bench.baseline_app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        loop="uvloop",
        http="httptools",
        log_level="info",
        access_log=False,
    )


if __name__ == "__main__":
    main()
