"""CPU time per request in process: the ASGI app called directly, no server, no client.

wrk's throughput on a shared machine swings with whatever else runs; a request's CPU time
in process swings much less. This builds the app on a copy of the database the last
`make bench` generated (bench/out/bench.db), signs the bench learners in through the real
form, and calls the app's ASGI entry with hand-made scopes on uvloop (as `allyship serve`
runs it), one request at a time. Each figure is the best of several runs of
`time.process_time()` over a block of requests (all of the process's threads, so the quiz's
writer thread counts), divided by the block's size. Targets are interleaved run by run.

    python -m bench.inproc                      # lesson, dashboard, quiz
    python -m bench.inproc lesson --runs 9 --requests 500
    python -m bench.inproc lesson --cprofile    # where a block of lesson requests goes
    python -m bench.inproc lesson --py-spy      # py-spy samples of the same (GIL held)

The log lines go to a file, as the served worker's go to bench/out/ours.log.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from contextlib import suppress
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

from app.config import PROJECT_ROOT
from bench import run as full
from bench.generate import BENCH_PASSWORD, email_of

TARGETS = ("lesson", "dashboard", "quiz")
Call = Callable[[int], Awaitable[int]]


async def asgi_call(
    app: Any, method: str, path: str, headers: list[tuple[bytes, bytes]], body: bytes = b""
) -> int:
    """One request through the app's ASGI entry; returns the status (the body is dropped)."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    sent = False
    status = 0
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)  # a client that stays connected
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif status >= 400:
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    if chunks:
        print(f"{method} {path}: {status}", b"".join(chunks)[-3000:].decode(), file=sys.__stdout__)
    return status


async def sign_in(app: Any, index: int) -> tuple[str, str]:
    """The Cookie header and CSRF token of bench learner `index`, signed in through the form."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        token = full._csrf((await client.get("/login")).text)
        data = {"email": email_of(index), "password": BENCH_PASSWORD, "csrf_token": token}
        response = await client.post("/login", data=data)
        full.check_signed_in(response.status_code, response.headers.get("location"), str(index))
        csrf = full._csrf((await client.get("/")).text)
        cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    return cookie, csrf


def _headers(cookie: str, *extra: tuple[bytes, bytes]) -> list[tuple[bytes, bytes]]:
    return [
        (b"host", b"127.0.0.1:8000"),
        (b"user-agent", b"wrk"),
        (b"cookie", cookie.encode("latin-1")),
        *extra,
    ]


async def build_calls(
    app: Any, db_url: str, targets: list[str], blocks: int, size: int, people: int
) -> dict[str, Call]:
    from app.content.catalog import load_catalog
    from bench.papers import prepare_papers

    catalog = load_catalog(PROJECT_ROOT)
    pages = {"lesson", "dashboard"} & set(targets)
    viewers = [await sign_in(app, i) for i in full.VIEWERS[:people]] if pages else []
    lesson_path = f"/modules/{catalog.modules[len(catalog.modules) // 2 - 1].id}"
    calls: dict[str, Call] = {}

    def page(path: str) -> Call:
        heads = [_headers(cookie) for cookie, _ in viewers]

        async def call(i: int) -> int:
            return await asgi_call(app, "GET", path, heads[i % len(heads)])

        return call

    if "lesson" in targets:
        calls["lesson"] = page(lesson_path)
    if "dashboard" in targets:
        calls["dashboard"] = page("/")
    if "quiz" in targets:
        module = catalog.by_id[full.quiz_module(catalog)]
        learners = full.SUBMITTERS[:people]
        submitters = [await sign_in(app, i) for i in learners]
        per_person = blocks * size // len(learners) + 2
        papers = prepare_papers(db_url, module, learners, per_block=per_person, blocks=1)
        form_type = (b"content-type", b"application/x-www-form-urlencoded")
        nonce = uuid.uuid4().hex[:8]
        path = f"/modules/{module.id}/quiz"

        async def quiz(i: int) -> int:
            learner = i % len(submitters)
            cookie, csrf = submitters[learner]
            draw = papers.firsts[learner] + i // len(submitters)
            body = (
                urlencode({"csrf_token": csrf, "draw_id": draw, "submission_id": f"{nonce}-{i}"})
                + "&"
                + papers.fields
            ).encode()
            heads = _headers(cookie, form_type, (b"content-length", str(len(body)).encode()))
            return await asgi_call(app, "POST", path, heads, body)

        calls["quiz"] = quiz
    return calls


EXPECTED = {"lesson": 200, "dashboard": 200, "quiz": 303}
# Submissions are sent eight at a time (one per submitter), as under load: the writer thread
# commits what arrives together in one transaction (app/db/group_commit.py), so one at a time
# would measure a disk flush per submission.
CONCURRENT = {"quiz": len(full.SUBMITTERS)}  # the most --people allows


async def measure(args: argparse.Namespace, db_url: str) -> None:
    from app.config import get_settings
    from app.main import create_app

    get_settings.cache_clear()
    app = create_app()
    async with app.router.lifespan_context(app):
        blocks = (args.runs + 1) * (2 if args.cprofile or args.py_spy else 1)
        calls = await build_calls(app, db_url, args.targets, blocks, args.requests, args.people)
        counter = dict.fromkeys(calls, 0)  # each target numbers its own requests

        async def block(key: str, call: Call, requests: int) -> None:
            at_once = min(CONCURRENT.get(key, 1), args.people)
            for _ in range(requests // at_once):
                first = counter[key]
                counter[key] += at_once
                found = await asyncio.gather(*(call(first + j) for j in range(at_once)))
                if any(status != EXPECTED[key] for status in found):
                    raise RuntimeError(f"{key}: status {found}")

        gc_time = [0.0, 0.0, 0, 0, 0]  # seconds in collections; started; per generation

        def on_gc(phase: str, info: dict[str, int]) -> None:
            if phase == "start":
                gc_time[1] = time.perf_counter()
            else:
                gc_time[0] += time.perf_counter() - gc_time[1]
                gc_time[2 + info["generation"]] += 1

        gc.callbacks.append(on_gc)
        best: dict[str, float] = {}
        wall: dict[str, float] = {}
        if args.callgrind:
            await counted(calls, block, args)
            return
        for run in range(args.runs + 1):  # the first run warms up
            for key, call in calls.items():
                gc_time[:] = [0.0, 0.0, 0, 0, 0]
                started_cpu, started = time.process_time(), time.perf_counter()
                await block(key, call, args.requests)
                cpu = (time.process_time() - started_cpu) / args.requests * 1000
                took = (time.perf_counter() - started) / args.requests * 1000
                if run:
                    best[key] = min(best.get(key, cpu), cpu)
                    wall[key] = min(wall.get(key, took), took)
                    print(
                        f"  run {run} {key:10s} {cpu:.3f} ms CPU, of which gc "
                        f"{gc_time[0] / args.requests * 1000:.3f} ms "
                        f"(collections by generation {gc_time[2:]})",
                        file=sys.__stdout__,
                    )
        for key in calls:
            print(
                f"{key:10s} {best[key]:.3f} ms CPU per request (wall {wall[key]:.3f} ms), "
                f"best of {args.runs} x {args.requests}",
                file=sys.__stdout__,
                flush=True,
            )
        if args.cprofile or args.py_spy:
            key = args.targets[0]
            spy = _start_py_spy() if args.py_spy else None
            profile = cProfile.Profile() if args.cprofile else None
            if profile:
                profile.enable()
            await block(key, calls[key], args.requests * args.runs)
            if profile:
                profile.disable()
                stats = pstats.Stats(profile, stream=sys.__stdout__)
                stats.sort_stats("tottime").print_stats(40)
                stats.sort_stats("cumulative").print_stats(60)
            if spy:
                spy.send_signal(2)
                spy.wait(timeout=60)
                print(f"py-spy: {SAMPLES}", file=sys.__stdout__)


async def counted(calls: dict[str, Call], block: Any, args: argparse.Namespace) -> None:
    """Instructions per request, counted by callgrind (run under `valgrind --tool=callgrind
    --instr-atstart=no`): the same on a loaded machine as on a quiet one."""
    pid = str(os.getpid())

    def control(*options: str) -> None:
        subprocess.run(["callgrind_control", *options, pid], check=True, capture_output=True)

    out = Path(args.callgrind)
    for key, call in calls.items():
        await block(key, call, args.requests)  # warm up, not counted
        for _ in range(args.runs):
            before = set(out.parent.glob(out.name + ".*"))
            control("-z")
            control("-i", "on")
            await block(key, call, args.requests)
            control("-i", "off")
            control(f"--dump={key}")
            dumped = set(out.parent.glob(out.name + ".*")) - before
            summary = next(
                int(line.split()[1])
                for line in max(dumped, key=lambda f: f.stat().st_mtime).read_text().splitlines()
                if line.startswith("totals:")
            )
            print(
                f"{key:10s} {summary / args.requests / 1e6:.3f} M instructions per request",
                file=sys.__stdout__,
                flush=True,
            )


SAMPLES = Path(tempfile.gettempdir()) / "allyship-inproc-py-spy.txt"


def _start_py_spy() -> subprocess.Popen[bytes]:
    command = [str(full.BIN / "py-spy"), "record", "--pid", str(os.getpid()), "--gil"]
    command += ["--rate", "2000", "--format", "raw", "--output", str(SAMPLES)]
    spy = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1)
    return spy


def main() -> None:
    parser = argparse.ArgumentParser(description="CPU time per request, in process.")
    parser.add_argument("targets", nargs="*", help=f"any of {', '.join(TARGETS)} (default all)")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--requests", type=int, default=300, help="requests per run")
    parser.add_argument("--cprofile", action="store_true", help="profile the first target")
    parser.add_argument("--py-spy", action="store_true", help="sample the first target")
    parser.add_argument(
        "--people", type=int, default=8, help="learners signed in for each group (at most 8)"
    )
    parser.add_argument(
        "--callgrind",
        metavar="OUT",
        help="count instructions instead (the --callgrind-out-file valgrind was given)",
    )
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL database: filled by `bench.generate` when empty, else used as an "
        "earlier run left it (default: a copy of bench/out/bench.db)",
    )
    args = parser.parse_args()
    args.targets = args.targets or list(TARGETS)
    if unknown := set(args.targets) - set(TARGETS):
        parser.error(f"unknown targets: {sorted(unknown)}")
    source = full.OUT / "bench.db"
    if not args.database_url and not source.exists():
        sys.exit(f"{source} is missing: run `make bench` once to generate it.")
    with tempfile.TemporaryDirectory(prefix="allyship-inproc-") as scratch:
        db = Path(scratch) / "bench.db"
        if args.database_url:
            from app.content.catalog import load_catalog
            from bench.generate import AlreadyFilled, generate

            with suppress(AlreadyFilled):
                generate(args.database_url, load_catalog(PROJECT_ROOT), people=2_000)
        else:
            shutil.copyfile(source, db)
        env = {
            "ALLYSHIP_DATABASE_URL": args.database_url or f"sqlite:///{db}",
            "ALLYSHIP_SECRET_KEY": full.SECRET,
            "ALLYSHIP_CONTENT_DIR": str(PROJECT_ROOT),
            "ALLYSHIP_RETAKE_WAIT_HOURS": "0",
            "ALLYSHIP_OUTBOX_SENDER": "false",
            "ALLYSHIP_WEBHOOK_SENDER": "false",
        }
        os.environ.update(env)
        subprocess.run([str(full.BIN / "allyship"), "db", "upgrade"], check=True)
        import uvloop

        with open(Path(scratch) / "log.txt", "w") as log:
            sys.stderr = log  # the app's log lines, written as the server writes them
            try:
                uvloop.run(measure(args, env["ALLYSHIP_DATABASE_URL"]))
            finally:
                sys.stderr = sys.__stderr__


if __name__ == "__main__":
    main()
