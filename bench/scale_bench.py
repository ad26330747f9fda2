"""Scale benchmark: the learner pages on PostgreSQL with two workers, and a deadline-day burst.

1. PostgreSQL: the lesson page, the dashboard and quiz submissions served by
   `allyship serve --workers 2` on PostgreSQL, in rounds interleaved with the bare baseline
   (bench/baseline_app.py, also two workers), so the ratios compare like with like.
   Uses ALLYSHIP_BENCH_POSTGRES_URL (an empty database), or starts a throwaway server with
   .ci/postgres.sh when run as root on a machine with PostgreSQL installed; else it says so.
2. Deadline day: the production launch command (`ALLYSHIP_ENVIRONMENT=production allyship
   serve --workers 2`, SQLite) under 256 open connections for 60 s: learners opening their
   lesson while others submit quizzes at the same time. Target: zero errors; p50/p99 reported.

Prints a Markdown section; `make bench` (bench/run.py) puts it in bench/RESULTS.md.

    python -m bench.scale_bench [--people 5000] [--duration 8] [--rounds 3] [--burst-seconds 60]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from app.config import PROJECT_ROOT
from app.content.catalog import load_catalog
from bench.generate import generate
from bench.papers import prepare_papers
from bench.run import (
    BIN,
    OUT,
    PAPERS_PER_SECOND,
    PRODUCTION_ENV,
    SECRET,
    SUBMITTERS,
    VIEWERS,
    Server,
    Target,
    logins,
    per_round,
    quiz_module,
    sessions_env,
)

BURST_CONNECTIONS = 256
# Learners taking quizzes in the burst, each opening the page then submitting: many of them,
# as on a deadline day (a learner's next page waits for their previous submission's draw).
BURST_TAKERS = range(16, 80)
PG_TARGETS = {"lesson": 0.6, "dashboard": 0.5, "quiz": 0.5}  # the SQLite targets, for reference


@contextmanager
def postgres_url() -> Iterator[str | None]:
    """An empty PostgreSQL database: the one given, a throwaway server, or None."""
    given = os.environ.get("ALLYSHIP_BENCH_POSTGRES_URL")
    if given:
        yield given
        return
    script = PROJECT_ROOT / ".ci" / "postgres.sh"
    if os.geteuid() != 0 or not list(Path("/usr/lib/postgresql").glob("*/bin")):
        yield None
        return
    started = subprocess.run(
        [
            "bash",
            "-c",
            f"source {script} start >/dev/null && echo $ALLYSHIP_TEST_POSTGRES_URL "
            "&& echo $ALLYSHIP_PGDIR",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    url, pgdir = started[0], started[1]
    try:
        yield url
    finally:
        subprocess.run(
            ["bash", str(script), "stop"], env={**os.environ, "ALLYSHIP_PGDIR": pgdir}, check=False
        )


def _ratio_cell(ours: Target, base: Target) -> str:
    rounds = per_round(ours, base)
    median = sorted(rounds)[len(rounds) // 2] if rounds else 0.0
    return f"**{median:.0%}** ({', '.join(f'{r:.0%}' for r in rounds)})"


def two_workers(name: str, url: str, extra_env: dict[str, str]) -> Server:
    """`allyship serve --workers 2` on the database at `url`, started and answering."""
    env = {
        "ALLYSHIP_DATABASE_URL": url,
        "ALLYSHIP_SECRET_KEY": SECRET,
        "ALLYSHIP_CONTENT_DIR": str(PROJECT_ROOT),
        "ALLYSHIP_RETAKE_WAIT_HOURS": "0",  # learners retake all the time here
        **extra_env,
    }
    return Server(name, [str(BIN / "allyship"), "serve", "--workers", "2"], env).start()


def postgres_rounds(url: str, people: int, duration: int, rounds: int) -> list[str]:
    """Lesson, dashboard and quiz on PostgreSQL, two workers, against the bare baseline."""
    catalog = load_catalog(PROJECT_ROOT)
    generate(url, catalog, people=people)
    quiz_module_id = quiz_module(catalog)
    papers = prepare_papers(
        url,
        catalog.by_id[quiz_module_id],
        SUBMITTERS,
        per_block=duration * PAPERS_PER_SECOND,
        blocks=rounds + 1,
    )
    ours = two_workers("pg-ours", url, {})
    base_db = Path(tempfile.mkdtemp(prefix="bench-base-")) / "baseline.db"
    base = Server(
        "pg-baseline",
        [sys.executable, "-m", "bench.baseline_app", "--workers", "2"],
        {"BASELINE_DB": str(base_db)},
    ).start()
    try:
        viewers = {"BENCH_SESSIONS": sessions_env(logins(ours.url, VIEWERS))}
        submitters = sessions_env(logins(ours.url, SUBMITTERS))
        lesson = catalog.modules[len(catalog.modules) // 2 - 1].id
        targets = [
            Target("base_page", "Bare page", f"{base.url}/page", "get.lua"),
            Target("lesson", "Lesson page", f"{ours.url}/modules/{lesson}", "get.lua", viewers),
            Target("dashboard", "Learner dashboard", f"{ours.url}/", "get.lua", viewers),
            Target("base_insert", "Bare insert", f"{base.url}/insert", "post_insert.lua"),
            Target(
                "quiz",
                "Quiz submission",
                f"{ours.url}/modules/{quiz_module_id}/quiz",
                "post_quiz.lua",
                {"BENCH_SESSIONS": submitters},
                env_per_run=papers.next_env,
            ),
        ]
        for target in targets:
            target.run(2, 32, keep=False)
        for _ in range(rounds):
            for target in targets:
                target.run(duration, 32)
    finally:
        ours.stop()
        base.stop()
    by_key = {t.key: t for t in targets}
    lines = [
        "| Page (PostgreSQL, 2 workers) | req/s (median) | p50 ms | p99 ms | errors "
        "| ours / bare (median; rounds) |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for key, base_key in (
        ("lesson", "base_page"),
        ("dashboard", "base_page"),
        ("quiz", "base_insert"),
    ):
        t = by_key[key]
        lines.append(
            f"| {t.label} | {t.median('rps'):,.0f} | {t.median('p50') / 1000:.1f} "
            f"| {t.median('p99') / 1000:.1f} | {t.errors} | {_ratio_cell(t, by_key[base_key])} |"
        )
    for key in ("base_page", "base_insert"):
        t = by_key[key]
        lines.append(
            f"| {t.label} (2 workers, SQLite) | {t.median('rps'):,.0f} "
            f"| {t.median('p50') / 1000:.1f} | {t.median('p99') / 1000:.1f} | {t.errors} | |"
        )
    return lines


def deadline_burst(people: int, seconds: int) -> list[str]:
    """256 connections on the production command: lesson pages and quiz submissions at once."""
    catalog = load_catalog(PROJECT_ROOT)
    db = OUT / "deadline.db"
    db.unlink(missing_ok=True)
    url = f"sqlite:///{db}"
    generate(url, catalog, people=people)
    prod = two_workers("deadline", url, PRODUCTION_ENV)
    try:
        viewers = {"BENCH_SESSIONS": sessions_env(logins(prod.url, VIEWERS))}
        takers = sessions_env(logins(prod.url, BURST_TAKERS))
        lesson = catalog.modules[0].id
        quiz_module_id = quiz_module(catalog)
        pages = Target(
            "pages",
            "Lesson pages",
            f"{prod.url}/modules/{lesson}",
            "get.lua",
            viewers,
            connections=BURST_CONNECTIONS * 3 // 4,
        )
        quizzes = Target(
            "quizzes",
            "Quizzes taken (page, then submission; req/s counts submissions)",
            f"{prod.url}/modules/{quiz_module_id}/quiz",
            "take_quiz.lua",
            {"BENCH_SESSIONS": takers},
            connections=BURST_CONNECTIONS // 4,
        )
        running = [
            subprocess.Popen(  # both wrk runs at once: 256 connections in all
                t.command(seconds, 0),
                env={
                    **os.environ,
                    "BENCH_DIR": str(Path(__file__).parent),
                    **t.env,
                    "BENCH_NONCE": os.urandom(6).hex(),
                },
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for t in (pages, quizzes)
        ]
        results = [
            t.parse(*p.communicate(timeout=seconds + 120), p.returncode)
            for t, p in zip((pages, quizzes), running, strict=True)
        ]
    finally:
        prod.stop()
    lines = [
        f"| Deadline day, {BURST_CONNECTIONS} connections for {seconds} s | connections | "
        "requests | req/s | p50 ms | p99 ms | max ms | errors |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for t, r in zip((pages, quizzes), results, strict=True):
        lat = r["latency_us"]
        lines.append(
            f"| {t.label} | {t.connections} | {r['requests']:,} | {r['rps']:,.0f} "
            f"| {lat['p50'] / 1000:.1f} | {lat['p99'] / 1000:.1f} | {lat['max'] / 1000:.0f} "
            f"| {r['error_count']} |"
        )
    errors = sum(r["error_count"] for r in results)
    lines.append("")
    lines.append(f"Errors in all: {errors} (target 0): {'PASS' if errors == 0 else '**FAIL**'}.")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=5_000)
    parser.add_argument("--duration", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--burst-seconds", type=int, default=60)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    print("### PostgreSQL, two workers\n")
    with postgres_url() as url:
        if url is None:
            print(
                "Not run: set ALLYSHIP_BENCH_POSTGRES_URL or run as root with PostgreSQL installed."
            )
        else:
            print("\n".join(postgres_rounds(url, args.people, args.duration, args.rounds)))
    print(f"\n### Deadline day: production command, {BURST_CONNECTIONS} connections\n")
    print("\n".join(deadline_burst(args.people, args.burst_seconds)))
    with suppress(OSError):
        sys.stdout.flush()


if __name__ == "__main__":
    main()
