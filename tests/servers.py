"""Real servers for tests: `allyship serve` in a subprocess on a free loopback port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from app.config import PROJECT_ROOT

SECRET = "server-test-secret-key-0123456789abcdef"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def start_server(
    db_url: str, *, workers: int = 1, content_dir: Path = PROJECT_ROOT, port: int | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    """Start `allyship serve` and wait until /healthz answers; returns (process, base url)."""
    port = port or free_port()
    env = {
        **os.environ,
        "ALLYSHIP_DATABASE_URL": db_url,
        "ALLYSHIP_CONTENT_DIR": str(content_dir),
        "ALLYSHIP_SECRET_KEY": SECRET,
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        cwd=PROJECT_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if _port_open(port):  # plain socket first: httpx leaves a socket unclosed when refused
            with httpx.Client(timeout=2) as client:
                if client.get(f"{url}/healthz").status_code == 200:
                    return proc, url
        time.sleep(0.2)
    stop_server(proc)
    raise RuntimeError("server did not start within 30 s")


def worker_pids(proc: subprocess.Popen[bytes]) -> list[int]:
    """The uvicorn worker processes under a multi-worker server."""
    out = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(proc.pid, signal.SIGKILL)
