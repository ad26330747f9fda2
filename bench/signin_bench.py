"""Quiz submissions and reflection saves while 8 clients sign in (issue 13, finding 7).

Sign-in used to hold SQLite's write lock while argon2 hashed the password, so everyone's
writes queued behind it: 8 clients signing in for 12 s took quiz submissions from 3 ms to
267 ms median. One learner here submits quizzes and saves reflections one after another,
first on a quiet server, then while 8 other clients sign in over and over; the target is a
median within 2x of the quiet one. `make bench` runs it after its own rounds, on its
database; alone it uses a copy of the last one (bench/out/bench.db), or generates a smaller
one (--people) when there is none:

    python -m bench.signin_bench [--quiet 6] [--busy 12] [--clients 8] [--people 2000]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx

from app.config import PROJECT_ROOT
from app.content.catalog import load_catalog
from bench import run as full
from bench.generate import BENCH_PASSWORD, email_of, generate

SUBMITTER = 20  # a learner none of the other benchmarks uses
SIGNERS = range(40, 72)  # the clients sign these people in, in turn


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quiet", type=float, default=6, help="seconds measured quiet")
    parser.add_argument("--busy", type=float, default=12, help="seconds measured under sign-ins")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--people", type=int, default=2000, help="if a database is generated")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="allyship-signin-") as scratch:
        full.OUT = Path(scratch)  # the server's log goes here
        url = os.environ.get("BENCH_DATABASE_URL")
        if url is None:
            source = PROJECT_ROOT / "bench" / "out" / "bench.db"
            url = f"sqlite:///{full.OUT / 'bench.db'}"
            if source.exists():
                shutil.copyfile(source, full.OUT / "bench.db")
            else:
                generate(url, load_catalog(PROJECT_ROOT), people=args.people)
        print(report(measure(url, args), args))


def measure(db_url: str, args: argparse.Namespace) -> dict[str, dict[str, list[float]]]:
    env = {
        "ALLYSHIP_DATABASE_URL": db_url,
        "ALLYSHIP_SECRET_KEY": full.SECRET,
        "ALLYSHIP_CONTENT_DIR": str(PROJECT_ROOT),
        "ALLYSHIP_RETAKE_WAIT_HOURS": "0",  # learners retake all the time here
    }
    server = full.Server("signin", [str(full.BIN / "allyship"), "serve", "--workers", "1"], env)
    server.start()
    try:
        module = full.quiz_module(load_catalog(PROJECT_ROOT))
        with httpx.Client(base_url=server.url, timeout=60, follow_redirects=False) as learner:
            csrf = full.sign_in(learner, email_of(SUBMITTER))
            writes = _Writes(learner, csrf, module)
            writes.run(2)  # warm-up
            quiet = writes.run(args.quiet)
            stop = threading.Event()
            signed: list[float] = []
            clients = [
                threading.Thread(target=_sign_in_loop, args=(server.url, n, stop, signed))
                for n in range(args.clients)
            ]
            for client in clients:
                client.start()
            time.sleep(1)  # every client is signing in by now
            busy = writes.run(args.busy)
            stop.set()
            for client in clients:
                client.join()
    finally:
        server.stop()
    return {"quiet": quiet, "busy": busy, "sign_ins": {"ms": signed}}


class _Writes:
    """One learner's writes in turn: a quiz submission, then a reflection save."""

    def __init__(self, client: httpx.Client, csrf: str, module: str) -> None:
        self.client, self.csrf, self.module = client, csrf, module
        self.headers = {"Content-Type": "application/x-www-form-urlencoded"}

    def run(self, seconds: float) -> dict[str, list[float]]:
        times: dict[str, list[float]] = {"quiz": [], "reflection": []}
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            body = full.answered_quiz(self.client, self.module)  # the page, untimed
            quiz = f"{body}&csrf_token={self.csrf}&submission_id={uuid.uuid4().hex}"
            times["quiz"].append(self._post(f"/modules/{self.module}/quiz", quiz))
            note = f"csrf_token={self.csrf}&text=Noted+at+{time.time():.0f}"
            times["reflection"].append(self._post(f"/modules/{self.module}/reflection", note))
        return times

    def _post(self, path: str, content: str) -> float:
        started = time.perf_counter()
        response = self.client.post(path, content=content, headers=self.headers)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 303:
            raise RuntimeError(f"POST {path} answered {response.status_code}")
        return elapsed


def _sign_in_loop(url: str, n: int, stop: threading.Event, signed: list[float]) -> None:
    """Sign in again and again through the real form (a fresh browser each time)."""
    with httpx.Client(base_url=url, timeout=60, follow_redirects=False) as client:
        turn = 0
        while not stop.is_set():
            client.cookies.clear()
            email = email_of(SIGNERS[(n + turn * 8) % len(SIGNERS)])
            turn += 1
            token = full._csrf(client.get("/login").text)
            started = time.perf_counter()
            data = {"email": email, "password": BENCH_PASSWORD, "csrf_token": token}
            response = client.post("/login", data=data)
            full.check_signed_in(response.status_code, response.headers.get("location"), email)
            signed.append((time.perf_counter() - started) * 1000)


def report(data: dict[str, dict[str, list[float]]], args: argparse.Namespace) -> str:
    quiet, busy, sign_ins = data["quiet"], data["busy"], data["sign_ins"]["ms"]
    lines = [
        "#### Quiz submit while 8 clients sign in",
        "",
        f"`python -m bench.signin_bench --quiet {args.quiet:g} --busy {args.busy:g} "
        f"--clients {args.clients}`: one learner's writes in turn, sequentially, on "
        f"`allyship serve --workers 1`; then the same while {args.clients} clients sign in "
        f"through the form without pause ({len(sign_ins)} sign-ins in {args.busy:g} s, "
        f"median {_median(sign_ins):.0f} ms each).",
        "",
        "| write | quiet: median (p90) | while signing in: median (p90) | ratio | target | result |",
        "|---|---:|---:|---:|---|---|",
    ]
    for kind, label in (("quiz", "Quiz submission"), ("reflection", "Reflection save")):
        ratio = _median(busy[kind]) / max(_median(quiet[kind]), 0.001)
        verdict = ("PASS" if ratio <= 2 else "**FAIL**") if kind == "quiz" else ""
        lines.append(
            f"| {label} | {_median(quiet[kind]):.1f} ms ({_p90(quiet[kind]):.1f}) "
            f"| {_median(busy[kind]):.1f} ms ({_p90(busy[kind]):.1f}) | {ratio:.2f}x "
            f"| {'within 2x' if kind == 'quiz' else ''} | {verdict} |"
        )
    return "\n".join(lines)


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def _p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10)[-1] if len(values) > 1 else _median(values)


if __name__ == "__main__":
    main()
