"""HR benchmark: dashboard pages, CSV export speed and memory, 10,000-row import preview and apply.

Uses BENCH_DATABASE_URL (as `make bench` passes it) or generates 20,000 people x 10 modules
with bench/generate.py; works on a copy, so the source database is left as it was. Its HR
user signs in as HR accounts must, with a second factor (bench/hr_signin.py).
Prints a Markdown section; `make bench` (bench/run.py) runs it and puts that in bench/RESULTS.md.

    python -m bench.hr_bench [--people 20000] [--runs 25]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import event, insert
from sqlalchemy.engine import make_url
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, func, select

from app.config import PROJECT_ROOT, Settings
from app.content.catalog import load_catalog
from app.db import make_engine, write_session
from app.hr import exports, importing
from app.hr.people import PeopleFilter
from app.main import create_app
from app.models import Assignment, AttemptAnswer, Completion, Department, QuizAttempt, User
from app.security import hash_password
from bench.hr_signin import Authenticator, enrol, sign_in
from bench.run import free_port

HR_EMAIL, HR_PASSWORD = "bench-hr@example.com", "bench-hr-password-2024"
SECRET = "bench-secret-key-0123456789abcdef0123456789"
PAGES = [
    ("Overview (/hr)", "/hr"),
    ("People, first page", "/hr/people"),
    ("People, overdue by due date", "/hr/people?overdue=yes&sort=due"),
    ("People, search", "/hr/people?q=person+12"),
    ("Person drill-down", "/hr/people/{person}"),
    ("Hardest scenarios", "/hr/scenarios"),
]


def database(people: int, workdir: Path) -> tuple[str, float]:
    """A copy of BENCH_DATABASE_URL, or a freshly generated one; returns (url, seconds)."""
    target = workdir / "hr_bench.db"
    source = os.environ.get("BENCH_DATABASE_URL")
    started = time.perf_counter()
    if source:
        shutil.copy(make_url(source).database or "", target)
    else:
        from bench.generate import generate

        generate(f"sqlite:///{target}", load_catalog(PROJECT_ROOT), people=people)
    return f"sqlite:///{target}", time.perf_counter() - started


def counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    with Session(engine) as session:
        out = {
            model.__tablename__: session.exec(select(func.count()).select_from(model)).one()  # type: ignore[attr-defined]
            for model in (User, Assignment, QuizAttempt, AttemptAnswer, Completion)
        }
    engine.dispose()
    return out


def bench_settings(url: str) -> Settings:
    return Settings(database_url=url, content_dir=PROJECT_ROOT, secret_key=SECRET)


def add_hr_user(url: str, settings: Settings) -> Authenticator:
    """The bench HR user, with the second factor HR accounts must use; returns its authenticator."""
    with write_session(make_engine(url)) as session:
        session.execute(
            insert(User),
            [
                {
                    "email": HR_EMAIL,
                    "name": "Bench HR",
                    "role": "hr",
                    "password_hash": hash_password(HR_PASSWORD),
                }
            ],
        )
        session.commit()
    return enrol(url, settings, HR_EMAIL)


def signed_in(app: Any, authenticator: Authenticator) -> TestClient:
    client = TestClient(app, follow_redirects=False)
    sign_in(client, HR_EMAIL, HR_PASSWORD, authenticator)
    return client


@contextmanager
def query_counter(engine: Any) -> Iterator[list[int]]:
    box = [0]

    def count(*_args: Any) -> None:
        box[0] += 1

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield box
    finally:
        event.remove(engine, "before_cursor_execute", count)


def time_pages(app: Any, runs: int, authenticator: Authenticator) -> list[dict[str, Any]]:
    client = signed_in(app, authenticator)
    overdue = client.get("/hr/people?overdue=yes&sort=due").text
    person = re.search(r'href="/hr/people/(\d+)"', overdue)
    if person is None:
        raise RuntimeError("/hr/people?overdue=yes&sort=due links to no person")
    person_id = person.group(1)
    out = []
    for label, path in PAGES:
        url = path.format(person=person_id)
        for _ in range(2):
            assert client.get(url).status_code == 200, url
        timings, cpu = [], []
        for _ in range(runs):
            started, cpu_started = time.perf_counter(), time.process_time()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - cpu_started) * 1000)
            assert response.status_code == 200
        with query_counter(app.state.engine) as queries:
            client.get(url)
        out.append(
            {
                "label": label,
                "url": url,
                "median": statistics.median(timings),
                "cpu": statistics.median(cpu),
                "p95": sorted(timings)[int(0.95 * (len(timings) - 1))],
                "queries": queries[0],
                "bytes": len(response.content),
            }
        )
    return out


def export_in_process(url: str, kind: str, *, trace: bool) -> dict[str, float]:
    """Stream the export through the generator the route uses; rows, time, or memory growth."""
    catalog = load_catalog(PROJECT_ROOT)
    engine = make_engine(url)
    if trace:
        tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0] if trace else 0
    started, cpu = time.perf_counter(), time.process_time()
    lines = 0
    for chunk in exports.csv_chunks(
        exports.rows(engine, catalog, kind=kind, filters=PeopleFilter())
    ):
        lines += chunk.count(b"\r\n")
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = (tracemalloc.get_traced_memory()[1] - base) if trace else 0
    if trace:
        tracemalloc.stop()
    engine.dispose()
    rows = lines - 1
    return {
        "rows": rows,
        "seconds": seconds,
        "rows_per_s": rows / seconds,
        "cpu_rows_per_s": rows / cpu,
        "peak_mb": peak / 1e6,
    }


@contextmanager
def server(url: str) -> Iterator[str]:
    """`allyship serve` (one worker, uvloop, httptools) in its own process on loopback."""
    port = free_port()
    env = {
        **os.environ,
        "ALLYSHIP_DATABASE_URL": url,
        "ALLYSHIP_SECRET_KEY": SECRET,
        "ALLYSHIP_CONTENT_DIR": str(PROJECT_ROOT),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
        env=env,
        cwd=PROJECT_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield base
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)


def export_over_http(url: str, kind: str, authenticator: Authenticator) -> dict[str, float]:
    """The export from a separate server process, read as a stream by a client."""
    with server(url) as base, httpx.Client(base_url=base, timeout=300) as client:
        sign_in(client, HR_EMAIL, HR_PASSWORD, authenticator)
        started = time.perf_counter()
        first = 0.0
        lines = 0
        with client.stream("GET", f"/hr/people/export.csv?kind={kind}") as response:
            assert response.status_code == 200, response.status_code
            for chunk in response.iter_raw():
                first = first or time.perf_counter() - started
                lines += chunk.count(b"\r\n")
        seconds = time.perf_counter() - started
    rows = lines - 1
    return {
        "rows": rows,
        "seconds": seconds,
        "rows_per_s": rows / seconds,
        "first_byte_ms": first * 1000,
    }


def import_file(url: str, rows: int) -> bytes:
    """A realistic HR-system file: half existing people (a tenth of them changed), half new."""
    engine = make_engine(url)
    manager = aliased(User)
    with Session(engine) as session:
        existing = session.exec(
            select(  # type: ignore[call-overload]
                User.email, User.name, User.external_id, Department.name, User.role, manager.email
            )
            .join(Department, Department.id == User.department_id, isouter=True)
            .join(manager, manager.id == User.manager_id, isouter=True)
            .where(User.role == "learner", col(User.active))
            .order_by(User.id)
            .limit(rows // 2)
        ).all()
    engine.dispose()
    lines = ["email,name,department,manager email,role,external id,cost centre"]
    for i, (email, name, ext, department, role, boss) in enumerate(existing):
        renamed = f"{name} (new name)" if i % 10 == 0 else name
        lines.append(
            f"{email},{renamed},{department or ''},{boss or ''},{role},{ext or ''},CC{i % 7}"
        )
    for i in range(rows - len(existing)):
        manager = existing[i % len(existing)][0] if i % 3 == 0 else ""
        lines.append(
            f"new{i:05d}@example.com,New Person {i:05d},Engineering,{manager},learner,N{i:05d},CC1"
        )
    return ("\n".join(lines) + "\n").encode()


def time_import(url: str, data: bytes) -> dict[str, Any]:
    """Preview (parse, compare, store) and apply (re-check, write all) as the web page does."""
    settings = bench_settings(url)
    with write_session(make_engine(url)) as session:
        hr = session.exec(select(User).where(User.email == HR_EMAIL)).one()
        started = time.perf_counter()
        batch, plan = importing.preview_batch(
            session, actor=hr, filename="people.csv", data=data, leavers=False
        )
        preview_s = time.perf_counter() - started
        started = time.perf_counter()
        importing.apply_batch(
            session,
            actor=hr,
            batch_id=batch.id or 0,
            fingerprint=plan.fingerprint,
            settings=settings,
        )
        apply_s = time.perf_counter() - started
        started = time.perf_counter()
        _batch, again = importing.preview_batch(
            session, actor=hr, filename="people.csv", data=data, leavers=False
        )
        again_s = time.perf_counter() - started
    return {
        "preview_s": preview_s,
        "apply_s": apply_s,
        "summary": plan.summary(),
        "again": again.summary(),
        "again_s": again_s,
    }


def report(r: dict[str, Any], command: str) -> str:
    c = r["counts"]
    lines = [
        "## HR: dashboard, exports, import",
        "",
        f"`{command}` on {r['machine']}, {r['date']}. SQLite file, one process; "
        f"{c['user']:,} people, {c['assignment']:,} assignments, {c['quizattempt']:,} attempts "
        f"({c['attemptanswer']:,} answers), {c['completion']:,} completions.",
        "",
        f"Load average (1 min) on this shared machine: {r['load'][0]:.1f} at the start, "
        f"{os.getloadavg()[0]:.1f} at the end; CPU columns are this process's CPU time, which "
        "other processes on the machine do not inflate as much as wall-clock time.",
        "",
        "| page (signed in as HR, in-process) | median | p95 | CPU median | SQL queries | HTML |",
        "|---|---:|---:|---:|---:|---:|",
        *(
            f"| {p['label']} | {p['median']:.0f} ms | {p['p95']:.0f} ms | {p['cpu']:.0f} ms | {p['queries']} | {p['bytes'] // 1024} KB |"
            for p in r["pages"]
        ),
        "",
        "Query counts per page do not depend on the number of people (tests/hr/test_dashboard.py "
        "counts them with a `before_cursor_execute` listener at two sizes).",
        "",
        "| export (all people, no filter) | rows | time | rows/s (wall) | rows/s (CPU) | peak memory growth (tracemalloc, separate run) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for kind, label in (
        ("long", "long: person x module"),
        ("pivot", "pivot: person, a column per module"),
    ):
        e = r["export"][kind]
        lines.append(
            f"| {label}, in process | {e['rows']:,} | {e['seconds']:.2f} s | {e['rows_per_s']:,.0f} | {e['cpu_rows_per_s']:,.0f} | {e['peak_mb']:.1f} MB |"
        )
    h = r["export_http"]
    lines += [
        f"| long, from `allyship serve` to an HTTP client, streamed | {h['rows']:,} | {h['seconds']:.2f} s | {h['rows_per_s']:,.0f} | | first bytes after {h['first_byte_ms']:.0f} ms |",
        "",
        "| import of 10,000 rows (5,000 existing people, 500 of them renamed; 5,000 new) | time |",
        "|---|---:|",
        f"| preview: read, check every row, compare with the database, store the upload | {r['import']['preview_s']:.2f} s |",
        f"| apply: re-check, bulk insert and update, joiner rules, invites, audit, commit | {r['import']['apply_s']:.2f} s |",
        f"| preview of the same file again (nothing to change) | {r['import']['again_s']:.2f} s |",
        "",
        f"Apply summary: {r['import']['summary']}; the same file again: {r['import']['again']}.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=25)
    parser.add_argument("--import-rows", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hr-bench-") as tmp:
        url, _ = database(args.people, Path(tmp))
        settings = bench_settings(url)
        authenticator = add_hr_user(url, settings)
        app = create_app(settings)
        result: dict[str, Any] = {
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
            "date": time.strftime("%Y-%m-%d"),
            "counts": counts(url),
            "load": os.getloadavg(),
            "pages": time_pages(app, args.runs, authenticator),
        }
        app.state.engine.dispose()
        result["export"] = {
            kind: {
                **export_in_process(url, kind, trace=False),
                "peak_mb": export_in_process(url, kind, trace=True)["peak_mb"],
            }
            for kind in ("long", "pivot")
        }
        result["export_http"] = export_over_http(url, "long", authenticator)
        result["import"] = time_import(url, import_file(url, args.import_rows))
    command = "python -m bench.hr_bench" + (
        f" --people {args.people}" if args.people != 20_000 else ""
    )
    text = report(result, command)
    print(text)


if __name__ == "__main__":
    main()
