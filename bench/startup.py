"""Start-up CPU and resident memory of `allyship serve --workers 1`, without the full bench.

Usage: python -m bench.startup [--runs 5]

Starts the server on a fresh migrated SQLite database as `make bench` does, waits for the first
200 on /healthz and reads the process's CPU time (user + system) and VmRSS / VmHWM from /proc.
CPU time rather than wall time, since the machine is often shared: the minimum of the runs is
the figure to compare. Then it fetches the sign-in page and /healthz 200 times and reads the
resident memory again (a light stand-in for "after the run").
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from app.config import PROJECT_ROOT
from bench.run import SECRET, cpu_seconds, free_port, rss_kb

BIN = Path(sys.executable).parent


def one_run(env: dict[str, str]) -> tuple[float, float, dict[str, int], dict[str, int]]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [str(BIN / "allyship"), "serve", "--workers", "1", "--port", str(port)],
        env={**os.environ, **env},
        cwd=PROJECT_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    started = time.perf_counter()
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError("server exited")
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.005)
        wall = time.perf_counter() - started
        cpu = cpu_seconds(proc.pid)
        at_start = rss_kb(proc.pid)
        with httpx.Client(base_url=url) as client:
            for _ in range(100):
                client.get("/healthz")
                client.get("/login")
        after = rss_kb(proc.pid)
        return wall, cpu, at_start, after
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            "ALLYSHIP_DATABASE_URL": f"sqlite:///{tmp}/startup.db",
            "ALLYSHIP_SECRET_KEY": SECRET,
            "ALLYSHIP_CONTENT_DIR": str(PROJECT_ROOT),
        }
        subprocess.run(
            [str(BIN / "allyship"), "db", "upgrade"],
            env={**os.environ, **env},
            check=True,
            stdout=subprocess.DEVNULL,
        )
        runs = [one_run(env) for _ in range(args.runs)]
    for wall, cpu, start, after in runs:
        print(
            f"wall {wall:5.2f} s  cpu {cpu:5.2f} s  rss at start {start['VmRSS'] / 1024:6.1f} MB"
            f"  after 200 requests {after['VmRSS'] / 1024:6.1f} MB (peak {after['VmHWM'] / 1024:.1f})"
        )
    print(
        f"min: cpu {min(r[1] for r in runs):.2f} s, rss at start "
        f"{min(r[2]['VmRSS'] for r in runs) / 1024:.1f} MB, after "
        f"{min(r[3]['VmRSS'] for r in runs) / 1024:.1f} MB"
    )


if __name__ == "__main__":
    main()
