"""`make bench`: every speed and memory target, measured against a bare baseline, into RESULTS.md.

Steps: generate a database (bench/generate.py), start `allyship serve` (one worker) and the
bare baseline (bench/baseline_app.py, same uvicorn settings) on loopback ports, sign learners
in over HTTP, run wrk rounds that interleave ours and the baseline, read the worker's
resident memory, time start-up, measure keep-alive latency on the production launch command
(two workers), run bench/hr_bench.py and bench/live_bench.py if present, write RESULTS.md.

    python -m bench.run [--people 20000] [--duration 8] [--rounds 5] [--no-extra] [--report-only]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlencode

import httpx

from app.auth.routes import SECOND_FACTOR_PAGE
from app.config import PROJECT_ROOT
from app.content.catalog import Catalog, load_catalog
from bench.generate import BENCH_PASSWORD, email_of, generate
from bench.papers import prepare_papers

BENCH_DIR = Path(__file__).resolve().parent
OUT = BENCH_DIR / "out"
RESULTS = BENCH_DIR / "RESULTS.md"
NOTES = BENCH_DIR / "NOTES.md"  # hand-written profiling notes (before/after), included verbatim
BIN = Path(sys.executable).parent
SECRET = "bench-secret-key-0123456789abcdef0123456789"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
VIEWERS = range(0, 8)  # learners whose pages are fetched
SUBMITTERS = range(8, 16)  # learners who submit quizzes (their attempts grow during the run)
# Draws prepared per submitter for each second of a run (bench/papers.py): room for 8 x 500
# = 4,000 submissions a second, about three times the fastest rate measured.
PAPERS_PER_SECOND = 500
EXTRA_SCRIPTS = ("hr_bench", "live_bench", "signin_bench", "scale_bench")
WRK_THREADS = 2
# Production refuses to start without the address people open (join links and QR codes use it).
PRODUCTION_ENV = {"ALLYSHIP_ENVIRONMENT": "production", "ALLYSHIP_BASE_URL": "http://127.0.0.1"}
BURST = 128  # the anyio thread pool has 40 threads, the SQLite pool 15 connections


# ---------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    name: str
    argv: list[str]
    env: dict[str, str]
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    startup_s: float = 0.0
    startup_cpu_s: float = 0.0
    running: ClassVar[list[Server]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def command(self) -> str:
        return " ".join([*self.argv, "--port", str(self.port)])

    def start(self) -> Server:
        """Start and wait for the first 200 on /healthz; startup_s is that wait."""
        log = (OUT / f"{self.name}.log").open("ab")
        started = time.perf_counter()
        self.proc = subprocess.Popen(
            [*self.argv, "--port", str(self.port)],
            env={**os.environ, **self.env},
            cwd=PROJECT_ROOT,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        Server.running.append(self)
        deadline = started + 60
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited; see {OUT / (self.name + '.log')}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    self.startup_s = time.perf_counter() - started
                    self.startup_cpu_s = cpu_seconds(self.proc.pid)
                    return self
            except httpx.HTTPError:
                time.sleep(0.005)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer /healthz within 60 s")

    def worker_pid(self) -> int:
        """The process serving requests: the server itself with one worker, else a child."""
        assert self.proc is not None
        children = subprocess.run(
            ["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True
        ).stdout.split()
        workers = [int(p) for p in children if _is_python(int(p))]
        return workers[0] if workers else self.proc.pid

    def stop(self) -> None:
        if self in Server.running:
            Server.running.remove(self)
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        except ProcessLookupError:
            pass
        self.proc = None


def _is_python(pid: int) -> bool:
    try:
        return "python" in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return False


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (from /proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kb(pid: int) -> dict[str, int]:
    status = Path(f"/proc/{pid}/status").read_text()
    return {
        key: int(re.search(rf"^{key}:\s+(\d+) kB", status, re.M).group(1))  # type: ignore[union-attr]
        for key in ("VmRSS", "VmHWM")
    }


# ---------------------------------------------------------------- sign-in


@dataclass(frozen=True)
class Login:
    cookie: str  # a whole Cookie header
    csrf: str


def sign_in(client: httpx.Client, email: str) -> str:
    """Sign in through the real form; returns the CSRF token bound to the new session."""
    page = client.get("/login")
    token = _csrf(page.text)
    response = client.post(
        "/login", data={"email": email, "password": BENCH_PASSWORD, "csrf_token": token}
    )
    check_signed_in(response.status_code, response.headers.get("location"), email)
    return _csrf(client.get("/").text)


def check_signed_in(status: int, location: str | None, who: str) -> None:
    """RuntimeError unless a password sign-in opened a session: a 303, but not to the second
    factor's step, which HR and admin accounts (and anyone with a factor) must pass first
    (bench/hr_signin.py takes it)."""
    if status != 303 or (location or "").startswith(SECOND_FACTOR_PAGE):
        raise RuntimeError(f"sign-in of {who} did not open a session: {answer(status, location)}")


def answer(status: int, location: str | None) -> str:
    """A response's status and where it redirects, for an error message."""
    return f"status {status}" + (f" to {location}" if location else "")


def _csrf(html: str) -> str:
    match = CSRF_FIELD.search(html)
    if not match:
        raise RuntimeError("no csrf_token field on the page")
    return match.group(1)


def logins(url: str, people: range) -> list[Login]:
    out = []
    for index in people:
        with httpx.Client(base_url=url, follow_redirects=False, timeout=30) as client:
            csrf = sign_in(client, email_of(index))
            cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
            out.append(Login(cookie, csrf))
    return out


# ---------------------------------------------------------------- wrk


@dataclass
class Target:
    key: str
    label: str
    url: str
    script: str
    env: dict[str, str] = field(default_factory=dict)
    runs: list[dict[str, Any]] = field(default_factory=list)
    connections: int | None = None  # None: the run's --connections
    # More environment for each run (prepared quiz papers: a block of draws per run).
    env_per_run: Callable[[], dict[str, str]] | None = None

    def command(self, duration: int, connections: int) -> list[str]:
        return [
            "wrk",
            f"-t{WRK_THREADS}",
            f"-c{self.connections or connections}",
            f"-d{duration}s",
            "--timeout",
            "10s",
            "-s",
            str(BENCH_DIR / self.script),
            self.url,
        ]

    def run(self, duration: int, connections: int, *, keep: bool = True) -> dict[str, Any]:
        env = {**os.environ, "BENCH_DIR": str(BENCH_DIR), **self.env}
        env["BENCH_WRK_THREADS"] = str(WRK_THREADS)
        if self.env_per_run is not None:
            env |= self.env_per_run()
        env["BENCH_NONCE"] = uuid.uuid4().hex[:12]
        done = subprocess.run(
            self.command(duration, connections),
            env=env,
            capture_output=True,
            text=True,
            timeout=duration + 60,
        )
        result = self.parse(done.stdout, done.stderr, done.returncode)
        if keep:
            self.runs.append(result)
        return result

    def parse(self, stdout: str, stderr: str, returncode: int) -> dict[str, Any]:
        """The BENCH_JSON summary a wrk run printed, with req/s and the error count added."""
        line = next((x for x in stdout.splitlines() if x.startswith("BENCH_JSON ")), None)
        if returncode != 0 or line is None:
            raise RuntimeError(f"wrk failed for {self.key}: {stdout}\n{stderr}")
        result: dict[str, Any] = json.loads(line.removeprefix("BENCH_JSON "))
        # The quiz script counts stored submissions (each after its page): that is the rate.
        posts = next((x for x in stdout.splitlines() if x.startswith("BENCH_POSTS ")), None)
        done = int(posts.split()[1]) if posts else result["requests"]
        result["rps"] = done / (result["duration_us"] / 1e6)
        result["error_count"] = sum(result["errors"].values())
        return result

    def median(self, key: str) -> float:
        values = [r["rps"] if key == "rps" else r["latency_us"][key] for r in self.runs]
        return statistics.median(values)

    @property
    def errors(self) -> int:
        return sum(r["error_count"] for r in self.runs)

    @property
    def requests(self) -> int:
        return sum(r["requests"] for r in self.runs)


def sessions_env(people: list[Login]) -> str:
    return "\n".join(f"{p.cookie}|{p.csrf}" for p in people)


# ---------------------------------------------------------------- the run


def machine() -> dict[str, str]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))  # type: ignore[union-attr]
    wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True)
    versions = {}
    for package in ("fastapi", "starlette", "uvicorn", "sqlalchemy", "sqlmodel", "jinja2"):
        from importlib.metadata import version

        versions[package] = version(package)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=PROJECT_ROOT
    ).stdout.strip()
    return {
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "memory": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "python": platform.python_version(),
        "kernel": platform.release(),
        "sqlite": sqlite3.sqlite_version,
        "wrk": (wrk.stdout + wrk.stderr).splitlines()[0] if (wrk.stdout + wrk.stderr) else "?",
        "packages": ", ".join(f"{k} {v}" for k, v in versions.items()),
        "commit": commit,
    }


DRAWN_FIELD = re.compile(r'name="(answer-[\w-]+|draw_id|quiz_hash)"(?: value="([^"]*)")?')


def answered_quiz(client: httpx.Client, module_id: str) -> str:
    """Open the quiz page (the server draws it) and answer A to every drawn scenario:
    the url-encoded fields, without csrf_token and submission_id."""
    page = client.get(f"/modules/{module_id}/quiz")
    fields: dict[str, str] = {}
    for name, value in DRAWN_FIELD.findall(page.text):
        fields.setdefault(name, "A" if name.startswith("answer-") else value)
    if "draw_id" not in fields:
        raise RuntimeError(f"the quiz page of {module_id} has no draw ({page.status_code})")
    return urlencode(fields)


def quiz_module(catalog: Catalog) -> str:
    """The module whose quiz is submitted (bench/post_quiz.lua, draws prepared by
    bench/papers.py) and taken page first (bench/take_quiz.lua, in the deadline burst)."""
    return catalog.modules[0].id


def count_rows(db: Path, table: str) -> int:
    with closing(sqlite3.connect(db)) as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


LOG_LINE = re.compile(r" method=(\S+) path=(\S+) status=(\d+) ")
LOG_ERROR = re.compile(r"unhandled error id=\S+ (?:method=(\S+) )?path=(\S+)")


def statuses(log: Path) -> dict[str, dict[str, int]]:
    """Responses per "METHOD path" by status, from the app's one line per request."""
    seen: dict[str, Counter[str]] = {}
    text = log.read_text(errors="replace")
    for match in LOG_LINE.finditer(text):
        method, path, status = match.groups()
        seen.setdefault(f"{method} {path}", Counter())[status] += 1
    for match in LOG_ERROR.finditer(text):  # a 500 leaves this line instead
        seen.setdefault(f"{match.group(1) or '?'} {match.group(2)}", Counter())["500"] += 1
    return {k: dict(sorted(v.items())) for k, v in sorted(seen.items())}


def keep_alive(url: str, path: str, email: str | None, n: int = 20) -> dict[str, Any]:
    """n sequential requests on one keep-alive connection (httpx.Client); times in ms."""
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    with httpx.Client(base_url=url, limits=limits, follow_redirects=False, timeout=10) as client:
        if email:
            sign_in(client, email)
        client.get(path)  # the connection is open and warm
        times, statuses, peers = [], set(), set()
        for _ in range(n):
            started = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - started) * 1000)
            statuses.add(response.status_code)
            stream = response.extensions.get("network_stream")
            peers.add(id(stream) if stream is None else stream.get_extra_info("client_addr"))
    return {
        "median_ms": statistics.median(times),
        "max_ms": max(times),
        "times_ms": times,
        "statuses": sorted(statuses),
        "connections": len(peers),
    }


def run_extra(name: str, env: dict[str, str]) -> dict[str, Any] | None:
    if not (BENCH_DIR / f"{name}.py").exists():
        return None
    started = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, "-m", f"bench.{name}"],
            cwd=PROJECT_ROOT,
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=3600,
        )
        output, code = done.stdout, done.returncode
        if code:
            output += "\n" + "\n".join(done.stderr.splitlines()[-30:])
    except subprocess.TimeoutExpired:
        output, code = "timed out after 3600 s", -1
    return {"output": output.strip(), "returncode": code, "seconds": time.perf_counter() - started}


def main() -> None:
    try:
        run()
    finally:
        for server in list(Server.running):  # never leave a server behind on failure
            server.stop()


def run() -> None:
    parser = argparse.ArgumentParser(description="Run the benchmarks; write bench/RESULTS.md.")
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--duration", type=int, default=8, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds per target")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--no-extra", action="store_true", help="skip hr_bench and live_bench")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument(
        "--report-only", action="store_true", help="rewrite the report from bench/out/results.json"
    )
    args = parser.parse_args()
    if args.report_only:
        data = json.loads((OUT / "results.json").read_text())
        for key in ("people", "duration", "rounds", "connections"):
            setattr(args, key, int(data["args"][key]))
        targets = {
            k: Target(k, t["label"], t["url"], "", runs=t["runs"])
            for k, t in data["targets"].items()
        }
        args.output.write_text(render_report(data, targets, args))
        return
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install -y wrk")
    started_at = datetime.now(UTC)
    load_start = os.getloadavg()
    # As an installed package has them (pip compiles on install): an editable checkout run
    # with PYTHONDONTWRITEBYTECODE=1 would otherwise compile every module on each start.
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(PROJECT_ROOT / "app")], check=True
    )
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    db = OUT / "bench.db"
    db_url = f"sqlite:///{db}"
    catalog = load_catalog(PROJECT_ROOT)
    print(f"generating {args.people} people into {db} ...", flush=True)
    t0 = time.perf_counter()
    counts = generate(db_url, catalog, people=args.people)
    generate_s = time.perf_counter() - t0
    quiz_module_id = quiz_module(catalog)
    t0 = time.perf_counter()
    papers = prepare_papers(
        db_url,
        catalog.by_id[quiz_module_id],
        SUBMITTERS,
        per_block=args.duration * PAPERS_PER_SECOND,
        blocks=args.rounds + 1,  # and the warm-up
    )
    print(f"  quiz papers drawn ahead in {time.perf_counter() - t0:.1f} s", flush=True)
    print(f"  {counts} in {generate_s:.1f} s", flush=True)

    app_env = {
        "ALLYSHIP_DATABASE_URL": db_url,
        "ALLYSHIP_SECRET_KEY": SECRET,
        "ALLYSHIP_CONTENT_DIR": str(PROJECT_ROOT),
        # Each bench learner retakes one quiz thousands of times: every attempt is measured.
        "ALLYSHIP_RETAKE_WAIT_HOURS": "0",
    }
    serve = [str(BIN / "allyship"), "serve", "--workers", "1"]
    startups, startup_cpu = [], []
    for _ in range(2):  # two extra cold starts for the start-up figure
        probe = Server("startup", serve, app_env).start()
        startups.append(probe.startup_s)
        startup_cpu.append(probe.startup_cpu_s)
        probe.stop()
    ours = Server("ours", serve, app_env).start()
    startups.append(ours.startup_s)
    startup_cpu.append(ours.startup_cpu_s)
    print(f"start-up: {[f'{s:.2f}' for s in startups]} s", flush=True)

    viewers = logins(ours.url, VIEWERS)
    submitters = logins(ours.url, SUBMITTERS)
    lesson_module = catalog.modules[len(catalog.modules) // 2 - 1]
    lesson_path = f"/modules/{lesson_module.id}"
    with httpx.Client(base_url=ours.url, headers={"Cookie": viewers[0].cookie}) as client:
        page = client.get(lesson_path)
        dash = client.get("/")
    page_bytes = len(page.content)
    if page.status_code != 200 or dash.status_code != 200:
        raise RuntimeError(f"signed-in pages answered {page.status_code}/{dash.status_code}")

    base_env = {"BASELINE_PAGE_BYTES": str(page_bytes), "BASELINE_DB": str(OUT / "baseline.db")}
    base_serve = [sys.executable, "-m", "bench.baseline_app", "--workers", "1"]
    base = Server("baseline", base_serve, base_env).start()
    base_page_bytes = len(httpx.get(f"{base.url}/page").content)

    viewers_env = {"BENCH_SESSIONS": sessions_env(viewers)}
    targets = {
        t.key: t
        for t in (
            Target("base_page", "Bare page (Jinja2, no database)", f"{base.url}/page", "get.lua"),
            Target(
                "lesson",
                "Lesson page, signed in",
                f"{ours.url}{lesson_path}",
                "get.lua",
                viewers_env,
            ),
            Target("dashboard", "Learner dashboard", f"{ours.url}/", "get.lua", viewers_env),
            Target(
                "burst",
                f"Lesson page, {BURST} connections (more than threads and pooled connections)",
                f"{ours.url}{lesson_path}",
                "get.lua",
                viewers_env,
                connections=BURST,
            ),
            Target(
                "base_insert",
                "Bare insert (one row, SQLite WAL, FULL)",
                f"{base.url}/insert",
                "post_insert.lua",
            ),
            Target(
                "quiz",
                "Quiz submission (6 scenarios scored and stored, each answering its own draw)",
                f"{ours.url}/modules/{quiz_module_id}/quiz",
                "post_quiz.lua",
                {"BENCH_SESSIONS": sessions_env(submitters)},
                env_per_run=papers.next_env,
            ),
        )
    }
    attempts_before = count_rows(db, "quizattempt")
    inserts_before = count_rows(OUT / "baseline.db", "row")
    warm = {}
    for target in targets.values():
        print(f"warm-up {target.key}", flush=True)
        warm[target.key] = target.run(2, args.connections, keep=False)
    for round_no in range(1, args.rounds + 1):
        for target in targets.values():
            result = target.run(args.duration, args.connections)
            print(
                f"round {round_no} {target.key}: {result['rps']:.0f} req/s, "
                f"p99 {result['latency_us']['p99'] / 1000:.1f} ms, errors {result['error_count']}",
                flush=True,
            )
    quiz_sent = targets["quiz"].requests + warm["quiz"]["requests"]
    quiz_errors = targets["quiz"].errors + warm["quiz"]["error_count"]
    attempts_stored = count_rows(db, "quizattempt") - attempts_before
    answers_per_attempt = count_rows(db, "attemptanswer") / max(count_rows(db, "quizattempt"), 1)
    inserts_stored = count_rows(OUT / "baseline.db", "row") - inserts_before
    memory = rss_kb(ours.worker_pid())
    ours.stop()
    served = statuses(OUT / "ours.log")
    base.stop()

    prod_env = {**app_env, **PRODUCTION_ENV}
    prod = Server("production", [str(BIN / "allyship"), "serve", "--workers", "2"], prod_env)
    prod.start()
    keepalive = {
        "lesson": keep_alive(prod.url, lesson_path, email_of(VIEWERS[0])),
        "healthz": keep_alive(prod.url, "/healthz", None),
    }
    prod.stop()
    print(f"keep-alive: { ({k: round(v['median_ms'], 2) for k, v in keepalive.items()}) }")

    extras = {}
    if not args.no_extra:
        for name in EXTRA_SCRIPTS:
            print(f"running bench/{name}.py ...", flush=True)
            extras[name] = run_extra(name, {"BENCH_DATABASE_URL": db_url})

    data = {
        "date": started_at.isoformat(timespec="seconds"),
        "seconds": (datetime.now(UTC) - started_at).total_seconds(),
        "args": {k: str(v) for k, v in vars(args).items()},
        "machine": machine(),
        "load": {"start": load_start, "end": os.getloadavg()},
        "counts": counts,
        "generate_s": generate_s,
        "page_bytes": {"lesson": page_bytes, "baseline": base_page_bytes},
        "lesson_path": lesson_path,
        "quiz": {
            "module": quiz_module_id,
            "sent": quiz_sent,
            "errors": quiz_errors,
            "stored": attempts_stored,
            "answers_per_attempt": answers_per_attempt,
            "baseline_inserts_stored": inserts_stored,
        },
        "targets": {
            k: {
                "label": t.label,
                "url": t.url,
                "runs": t.runs,
                "command": " ".join(t.command(args.duration, args.connections)),
            }
            for k, t in targets.items()
        },
        "startup_s": startups,
        "startup_cpu_s": startup_cpu,
        "memory_kb": memory,
        "served": served,
        "keepalive": keepalive,
        "extras": extras,
        "servers": {
            "ours": ours.command,
            "baseline": base.command,
            "production": prod.command,
        },
    }
    (OUT / "results.json").write_text(json.dumps(data, indent=2))
    report = render_report(data, targets, args)
    args.output.write_text(report)
    print(f"wrote {args.output}", flush=True)
    print(report.split("## Machine")[0])


# ---------------------------------------------------------------- the report


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "**FAIL**"


def per_round(ours: Target, base: Target) -> list[float]:
    """ours / baseline for each round: the two ran seconds apart, so drift cancels out."""
    return [
        a["rps"] / b["rps"] if b["rps"] else 0.0 for a, b in zip(ours.runs, base.runs, strict=True)
    ]


def ratio(ours: Target, base: Target) -> float:
    return statistics.median(per_round(ours, base)) if ours.runs else 0.0


def ratio_text(ours: Target, base: Target) -> str:
    rounds = ", ".join(f"{r:.0%}" for r in per_round(ours, base))
    return f"**{ratio(ours, base):.0%}** (rounds: {rounds})"


def render_report(data: dict[str, Any], targets: dict[str, Target], args: Any) -> str:
    page_base, insert_base = targets["base_page"], targets["base_insert"]
    lesson, dashboard, quiz = targets["lesson"], targets["dashboard"], targets["quiz"]
    burst = targets.get("burst") or Target("burst", "", "", "")
    lesson_p99 = lesson.median("p99") / 1000
    quiz_info = data["quiz"]
    rss_mb = data["memory_kb"]["VmRSS"] / 1024
    startup = statistics.median(data["startup_s"])
    ka = data["keepalive"]

    def not_ok(method: str, path: str, ok: str) -> int:
        seen = data["served"].get(f"{method} {path}", {})
        return sum(n for code, n in seen.items() if code != ok)

    quiz_path = "/" + quiz.url.split("/", 3)[3]
    quiz_bad = not_ok("POST", quiz_path, "303") + not_ok("?", quiz_path, "303")
    lesson_bad = not_ok("GET", data["lesson_path"], "200")
    dashboard_bad = not_ok("GET", "/", "200")
    rows = [
        (
            "Lesson page, signed in: throughput",
            f"{lesson.median('rps'):,.0f} req/s ({lesson_bad} not 200)",
            ">= 65% of bare page",
            ratio_text(lesson, page_base),
            ratio(lesson, page_base) >= 0.65 and lesson_bad == 0,
        ),
        (
            "Lesson page: p99 at 32 connections",
            f"{lesson_p99:.1f} ms",
            "< 100 ms",
            "",
            lesson.requests > 0 and lesson_p99 < 100,
        ),
        (
            "Quiz submission (6 scenarios): throughput",
            f"{quiz.median('rps'):,.0f} req/s",
            ">= 55% of bare insert",
            ratio_text(quiz, insert_base),
            ratio(quiz, insert_base) >= 0.55,
        ),
        (
            "Quiz submission: errors",
            f"{quiz_info['errors']} of {quiz_info['sent']:,} in wrk, {quiz_bad} not 303 in the "
            f"app log ({quiz_info['stored']:,} attempts stored)",
            "0",
            "",
            quiz_info["errors"] == 0 and quiz_bad == 0 and quiz_info["stored"] >= quiz_info["sent"],
        ),
        (
            "Learner dashboard: throughput",
            f"{dashboard.median('rps'):,.0f} req/s ({dashboard_bad} not 200)",
            ">= 55% of bare page",
            ratio_text(dashboard, page_base),
            ratio(dashboard, page_base) >= 0.55 and dashboard_bad == 0,
        ),
        (
            "Resident memory of the worker after the run",
            f"{rss_mb:.0f} MB (peak {data['memory_kb']['VmHWM'] / 1024:.0f} MB)",
            "< 150 MB",
            "",
            rss_mb < 150,
        ),
        (
            "Start-up to first 200 on /healthz",
            f"{startup:.2f} s (median of {len(data['startup_s'])})"
            + (
                f"; CPU time of the process {statistics.median(data['startup_cpu_s']):.2f} s"
                if data.get("startup_cpu_s")
                else ""
            ),
            "< 2 s",
            "",
            startup < 2,
        ),
        (
            "Keep-alive, 2 workers: lesson page, signed in",
            f"{ka['lesson']['median_ms']:.2f} ms median",
            "< 5 ms",
            "",
            ka["lesson"]["median_ms"] < 5,
        ),
        (
            "Keep-alive, 2 workers: /healthz",
            f"{ka['healthz']['median_ms']:.2f} ms median",
            "< 5 ms",
            "",
            ka["healthz"]["median_ms"] < 5,
        ),
    ]
    if burst.runs:
        rows.insert(
            4,
            (
                f"Lesson page at {BURST} connections: errors",
                f"{burst.errors} in wrk, {burst.median('rps'):,.0f} req/s, "
                f"p99 {burst.median('p99') / 1000:.0f} ms",
                "0 (no jam)",
                "",
                burst.requests > 0 and burst.errors == 0 and lesson_bad == 0,
            ),
        )
    m = data["machine"]
    lines = [
        "# Benchmark results",
        "",
        f"Written by `make bench` (`python -m bench.run`) on {data['date']} "
        f"in {data['seconds'] / 60:.1f} minutes. Figures are medians of {args.rounds} "
        f"interleaved rounds of {args.duration} s per target (wrk -t{WRK_THREADS} "
        f"-c{args.connections}); server and wrk share the machine's cores. Absolute figures "
        "vary from run to run here; the ratios against the bare baseline, measured in the same "
        "run, are what the targets are about.",
        "",
        "## Targets",
        "",
        "| What | Figure | Target | Ratio (ours / baseline, median of rounds) | Result |",
        "| --- | --- | --- | --- | --- |",
        *(f"| {a} | {b} | {c} | {d} | {_verdict(e)} |" for a, b, c, d, e in rows),
        "",
        "## Every wrk run",
        "",
        "| Target | URL | req/s (median; each round) | p50 ms | p99 ms | errors |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for t in targets.values():
        each = ", ".join(f"{r['rps']:,.0f}" for r in t.runs)
        lines.append(
            f"| {t.label} | `/{t.url.split('/', 3)[3]}` "
            f"| {t.median('rps'):,.0f} ({each}) | {t.median('p50') / 1000:.1f} "
            f"| {t.median('p99') / 1000:.1f} | {t.errors} |"
        )
    pb = data["page_bytes"]
    counts = data["counts"]
    lines += [
        "",
        "Responses by status, counted from the app's own log line per request (so a page "
        "that redirected to /login, or a refused submission, cannot pass for a fast one): "
        + "; ".join(
            f"`{k}` " + ", ".join(f"{n:,}\u00d7{code}" for code, n in v.items())
            for k, v in data["served"].items()
        )
        + ".",
        "",
        f"Lesson page `{data['lesson_path']}`: {pb['lesson']:,} bytes; bare page: "
        f"{pb['baseline']:,} bytes (one Jinja2 template with autoescape, a loop of escaped "
        f"paragraphs: no database, no middleware, no dependencies, one `def` route). Quiz: module `{quiz_info['module']}`, "
        f"{quiz_info['sent']:,} submissions sent (warm-up included), "
        f"{quiz_info['stored']:,} attempts stored, each a fresh submission_id; "
        f"{quiz_info['answers_per_attempt']:.2f} answers per stored attempt overall. "
        f"Bare insert: {quiz_info['baseline_inserts_stored']:,} rows stored.",
        "",
        "Keep-alive (production launch command, `ALLYSHIP_ENVIRONMENT=production allyship "
        "serve --workers 2`), 20 sequential requests on one httpx.Client connection, in ms: "
        f"lesson page {', '.join(f'{x:.1f}' for x in ka['lesson']['times_ms'])}; "
        f"/healthz {', '.join(f'{x:.1f}' for x in ka['healthz']['times_ms'])}.",
        "",
        f"Start-up, process start to first 200 on /healthz (app/ byte-compiled first, as an "
        f"installed package is; content loaded and validated, database revision checked): {', '.join(f'{s:.2f}' for s in data['startup_s'])} s"
        + (
            f"; CPU time used by then {', '.join(f'{s:.2f}' for s in data['startup_cpu_s'])} s"
            " (the difference is time spent waiting for a core)"
            if data.get("startup_cpu_s")
            else ""
        )
        + ".",
        "",
        "## Data",
        "",
        f"Generated by `bench/generate.py` in {data['generate_s']:.1f} s: "
        + ", ".join(f"{v:,} {k}" for k, v in counts.items())
        + " rows (10 modules from lessons/ and quizzes/, one shared argon2 hash). Pages are "
        f"fetched by {len(VIEWERS)} signed-in learners in rotation, quizzes submitted by "
        f"{len(SUBMITTERS)} others; each signed in through the real /login form.",
        "",
    ]
    lines += _extras_section(data["extras"])
    lines += [
        "## Machine",
        "",
        f"- nproc {m['nproc']}, CPU {m['cpu']}, memory {m['memory']}",
        *(
            [
                "- load average (1, 5, 15 min) at the start "
                + ", ".join(f"{x:.1f}" for x in data["load"]["start"])
                + "; at the end "
                + ", ".join(f"{x:.1f}" for x in data["load"]["end"])
                + " (other work on the machine shares its cores)"
            ]
            if "load" in data
            else []
        ),
        f"- Python {m['python']}, SQLite {m['sqlite']}, kernel {m['kernel']}, {m['wrk']}",
        f"- {m['packages']}",
        f"- git commit {m['commit']} (plus the working tree)",
        "",
        "## Commands",
        "",
        "```sh",
        "make bench        # = .venv/bin/python -m bench.run "
        f"--people {args.people} --duration {args.duration} --rounds {args.rounds}",
        f"ALLYSHIP_DATABASE_URL=sqlite:///bench/out/bench.db {data['servers']['ours'].replace(f'{PROJECT_ROOT}/', '')}",
        f"BASELINE_PAGE_BYTES={pb['lesson']} {data['servers']['baseline'].replace(f'{PROJECT_ROOT}/', '')}",
        f"ALLYSHIP_ENVIRONMENT=production {data['servers']['production'].replace(f'{PROJECT_ROOT}/', '')}",
        *(t["command"].replace(f"{PROJECT_ROOT}/", "") for t in data["targets"].values()),
        "```",
        "",
        "Raw figures of the last run: `bench/out/results.json` (not committed).",
        "",
    ]
    if NOTES.exists():
        lines += [NOTES.read_text().rstrip(), ""]
    return "\n".join(lines)


def _extras_section(extras: dict[str, Any]) -> list[str]:
    lines = ["## HR, live-session and sign-in benchmarks", ""]
    if not extras:
        return [*lines, "Not run (`--no-extra`).", ""]
    for name in EXTRA_SCRIPTS:
        result = extras.get(name)
        lines.append(f"### bench/{name}.py")
        lines.append("")
        if result is None:
            lines += [f"bench/{name}.py does not exist yet; nothing to run.", ""]
            continue
        lines.append(
            f"`python -m bench.{name}` exited {result['returncode']} "
            f"after {result['seconds']:.0f} s; its output:"
        )
        lines.append("")
        output = result["output"] or "(no output)"
        if any(x.startswith(("|", "#")) for x in output.splitlines()):
            lines += [re.sub(r"^#{1,3} ", "#### ", output, flags=re.M), ""]
        else:
            lines += ["```text", output, "```", ""]
    return lines


if __name__ == "__main__":
    main()
