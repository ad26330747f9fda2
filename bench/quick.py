"""A quick A/B while profiling: one group of targets against the bare baseline, in minutes.

`make bench` is the full, reported run. This reuses its servers, sign-in and wrk scripts on
a copy of the database the last `make bench` generated (bench/out/bench.db), and prints
throughput, latency and the worker's CPU time per request for each round.

    python -m bench.quick page     # bare page, lesson page, learner dashboard
    python -m bench.quick quiz     # bare insert, quiz submission
    python -m bench.quick page --rounds 3 --duration 8
    python -m bench.quick page --profile lesson   # py-spy samples of the worker under load
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

import httpx

from app.config import PROJECT_ROOT
from app.content.catalog import Catalog, load_catalog
from bench import run as full
from bench.papers import PaperBlocks, prepare_papers

GROUPS = ("page", "quiz")


def main() -> None:
    parser = argparse.ArgumentParser(description="Quick A/B of one group against the baseline.")
    parser.add_argument("group", choices=GROUPS)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--profile", metavar="TARGET", help="sample this target's worker with py-spy (last round)"
    )
    args = parser.parse_args()
    source = full.OUT / "bench.db"
    if not source.exists():
        sys.exit(f"{source} is missing: run `make bench` once to generate it.")
    with tempfile.TemporaryDirectory(prefix="allyship-quick-") as scratch:
        full.OUT = Path(scratch)  # server logs and the baseline's database go here
        db = full.OUT / "bench.db"
        shutil.copyfile(source, db)
        # The copy may predate migrations added since `make bench` generated it.
        env = {"ALLYSHIP_DATABASE_URL": f"sqlite:///{db}", "ALLYSHIP_SECRET_KEY": full.SECRET}
        subprocess.run(
            [str(full.BIN / "allyship"), "db", "upgrade"], env=os.environ | env, check=True
        )
        run_group(args, db)


def run_group(args: argparse.Namespace, db: Path) -> None:
    env = {
        "ALLYSHIP_DATABASE_URL": f"sqlite:///{db}",
        "ALLYSHIP_SECRET_KEY": full.SECRET,
        "ALLYSHIP_CONTENT_DIR": str(PROJECT_ROOT),
        "ALLYSHIP_RETAKE_WAIT_HOURS": "0",  # learners retake all the time here
    }
    catalog = load_catalog(PROJECT_ROOT)
    papers = None
    if args.group == "quiz":
        module = catalog.by_id[full.quiz_module(catalog)]
        per_block = args.duration * full.PAPERS_PER_SECOND
        papers = prepare_papers(
            env["ALLYSHIP_DATABASE_URL"],
            module,
            full.SUBMITTERS,
            per_block=per_block,
            blocks=args.rounds + 1,
        )
    ours = full.Server("ours", [str(full.BIN / "allyship"), "serve", "--workers", "1"], env)
    ours.start()
    try:
        viewers = full.logins(ours.url, full.VIEWERS)
        lesson = f"/modules/{catalog.modules[len(catalog.modules) // 2 - 1].id}"
        cookie = {"Cookie": viewers[0].cookie}
        page_bytes = len(httpx.get(ours.url + lesson, headers=cookie).content)
        base_env = {
            "BASELINE_PAGE_BYTES": str(page_bytes),
            "BASELINE_DB": str(full.OUT / "baseline.db"),
        }
        base_argv = [sys.executable, "-m", "bench.baseline_app", "--workers", "1"]
        base = full.Server("baseline", base_argv, base_env).start()
        targets = _targets(args.group, ours, base, viewers, lesson, catalog, papers)
        for target in targets:
            target.run(2, args.connections, keep=False)
        for round_number in range(args.rounds):
            for target in targets:
                server = base if target.key.startswith("base") else ours
                spy = None
                if args.profile == target.key and round_number == args.rounds - 1:
                    spy = _start_py_spy(server.worker_pid(), args.duration)
                before = full.cpu_seconds(server.worker_pid())
                result = target.run(args.duration, args.connections)
                if spy is not None:
                    _print_profile(spy)
                cpu_ms = (full.cpu_seconds(server.worker_pid()) - before) * 1000
                print(
                    f"{target.key:10s} {result['rps']:7.0f} req/s  "
                    f"p50 {result['latency_us']['p50'] / 1000:6.1f} ms  "
                    f"p99 {result['latency_us']['p99'] / 1000:6.1f} ms  "
                    f"CPU {cpu_ms / max(result['requests'], 1):.3f} ms/request  "
                    f"errors {result['error_count']}",
                    flush=True,
                )
        baseline = targets[0].median("rps")
        for target in targets[1:]:
            share = target.median("rps") / baseline
            print(f"{target.key}: {target.median('rps'):.0f} vs {baseline:.0f} req/s = {share:.0%}")
    finally:
        for server in list(full.Server.running):
            server.stop()


SAMPLES = Path(tempfile.gettempdir()) / "allyship-quick-py-spy.txt"


def _start_py_spy(pid: int, seconds: int) -> subprocess.Popen[bytes]:
    """py-spy, sampling only while the worker holds the GIL (its CPU time, not its waits)."""
    command = [
        str(full.BIN / "py-spy"),
        "record",
        "--pid",
        str(pid),
        "--gil",
        "--rate",
        "1000",
        "--threads",
    ]
    command += ["--duration", str(seconds), "--format", "raw", "--output", str(SAMPLES)]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _print_profile(spy: subprocess.Popen[bytes], top: int = 25) -> None:
    """Where the samples were: by the frame they ended in, and by each file they passed through."""
    spy.wait(timeout=60)
    own: Counter[str] = Counter()
    through: Counter[str] = Counter()
    total = 0
    for line in SAMPLES.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        total += int(count)
        own[frames[-1]] += int(count)
        for where in {f.partition(" (")[2].rstrip(")").rpartition(":")[0] for f in frames}:
            through[where] += int(count)
    print(f"py-spy: {total} samples; full stacks in {SAMPLES}")
    for title, counts in (("ending in", own), ("passing through file", through)):
        print(f"  {title}:")
        for name, count in counts.most_common(top):
            print(f"    {100 * count / total:5.1f}%  {name}")


def _targets(
    group: str,
    ours: full.Server,
    base: full.Server,
    viewers: list[full.Login],
    lesson: str,
    catalog: Catalog,
    papers: PaperBlocks | None,
) -> list[full.Target]:
    if group == "page":
        signed_in = {"BENCH_SESSIONS": full.sessions_env(viewers)}
        return [
            full.Target("base_page", "", f"{base.url}/page", "get.lua"),
            full.Target("lesson", "", ours.url + lesson, "get.lua", signed_in),
            full.Target("dashboard", "", ours.url + "/", "get.lua", signed_in),
        ]
    submitters = full.logins(ours.url, full.SUBMITTERS)
    module = full.quiz_module(catalog)
    return [
        full.Target("base_insert", "", f"{base.url}/insert", "post_insert.lua"),
        full.Target(
            "quiz",
            "",
            f"{ours.url}/modules/{module}/quiz",
            "post_quiz.lua",
            {"BENCH_SESSIONS": full.sessions_env(submitters)},
            env_per_run=papers.next_env if papers else None,
        ),
    ]


if __name__ == "__main__":
    main()
