"""Real servers for tests: `allyship serve` in a subprocess on a free loopback port."""

from __future__ import annotations

import itertools
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import httpx

from app.config import PROJECT_ROOT
from tests.conftest import CSRF_FIELD, NO_RETAKE_WAIT, as_environment
from tests.factories import PASSWORD

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
    db_url: str,
    *,
    workers: int = 1,
    content_dir: Path = PROJECT_ROOT,
    port: int | None = None,
    log: Path | None = None,
    second_factor: bool = False,
    env: dict[str, str] | None = None,
) -> tuple[subprocess.Popen[bytes], str]:
    """Start `allyship serve` and wait until /healthz answers; returns (process, base url).

    With `log`, the server's log lines (one per request, with the worker's pid) go there.
    HR and admin accounts sign in without a second factor unless `second_factor` is set;
    `env` adds settings (ALLYSHIP_...) of the test's own.
    """
    port = port or free_port()
    env = {
        **os.environ,
        "ALLYSHIP_DATABASE_URL": db_url,
        "ALLYSHIP_CONTENT_DIR": str(content_dir),
        "ALLYSHIP_SECRET_KEY": SECRET,
        **as_environment(NO_RETAKE_WAIT),  # browser tests retake the fixture quiz
        "ALLYSHIP_ENVIRONMENT": "test",
        "ALLYSHIP_WRITE_DEADLINE_SECONDS": "60",  # as tests/conftest.py settings_for
        "ALLYSHIP_SECOND_FACTOR_EXEMPT_FOR_TESTS": "false" if second_factor else "true",
        **(env or {}),
    }
    command = [sys.executable, "-m", "app.cli", "serve", "--port", str(port)]
    with open(log or os.devnull, "ab") as stderr:
        proc = subprocess.Popen(
            [*command, "--workers", str(workers)],
            env=env,
            cwd=PROJECT_ROOT,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
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


REQUEST_LINE = re.compile(r" pid=(\d+) logger=allyship request id=([\w-]+?)-\d+ ")


def tagged_client(url: str, tag: str) -> httpx.Client:
    """A client that opens a new connection per request, so requests land on any worker, and
    sends request ids `tag-1`, `tag-2`, ... so that the server log says which worker served it."""
    numbers = itertools.count(1)

    def number(request: httpx.Request) -> None:
        request.headers["X-Request-Id"] = f"{tag}-{next(numbers)}"

    return httpx.Client(
        base_url=url, timeout=30, headers={"Connection": "close"}, event_hooks={"request": [number]}
    )


def sign_in(client: httpx.Client, email: str, password: str = PASSWORD) -> None:
    token = CSRF_FIELD.search(client.get("/login").text).group(1)  # type: ignore[union-attr]
    signed = client.post("/login", data={"email": email, "password": password, "csrf_token": token})
    assert signed.status_code == 303, signed.text


def workers_by_tag(log: Path) -> dict[str, set[int]]:
    """From a server log: the worker pids that served each tagged client's requests."""
    served: dict[str, set[int]] = defaultdict(set)
    for pid, tag in REQUEST_LINE.findall(log.read_text(encoding="utf-8", errors="replace")):
        served[tag].add(int(pid))
    return dict(served)
