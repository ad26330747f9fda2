"""A live group session under load: one session, 300 phones, `allyship serve --workers 2`.

Every phone is its own httpx.AsyncClient (own cookies, own connection, own X-Forwarded-For
address, as phones behind a proxy would be). Phones poll the room fragment once a second with
If-None-Match, vote when voting opens (some change their mind), and the facilitator walks the
whole session. Measured:

- vote acknowledgement: time from sending a vote to its answer, while everyone polls;
- the server time of a 304 poll: the handler's Server-Timing under load, and on a quiet server
  the handler time and the full loopback round trip of sequential polls;
- step propagation: time from the facilitator's click until every phone has the new step;
- votes: the rows stored against the votes sent (final choice per phone and scenario).

    python -m bench.live_bench [--participants 300] [--write]

Prints a Markdown section; --write also puts it in bench/RESULTS.md between its own markers,
leaving the rest of the file alone.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlmodel import Session

from app.config import PROJECT_ROOT
from app.db import make_engine
from app.db.migrate import upgrade
from app.models import User
from app.security import hash_password
from bench.run import free_port

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
START, END = "<!-- live-bench:start -->", "<!-- live-bench:end -->"
SECRET = "live-bench-secret-key-0123456789abcdef"
PASSWORD = "live-bench-password-1"
MODULE = "why-allies-matter"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
HX_TOKEN = re.compile(r'"X-CSRF-Token": "([^"]+)"')
ANNOUNCE = re.compile(r'data-announce="([^"]+)"')
SCENARIO = re.compile(r'name="scenario_id" value="([^"]+)"')
CHOICE = re.compile(r'name="choice" value="([^"]+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')
ETAG_VERSION = re.compile(r'"r\d+-(\d+)-\d+"')
TIMING = re.compile(r"dur=([\d.]+)")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


@dataclass
class Phone:
    index: int
    client: httpx.AsyncClient
    code: str
    token: str = ""
    etag: str = ""
    seen: dict[int, float] = field(default_factory=dict)  # version -> first seen (perf_counter)
    voted: set[str] = field(default_factory=set)
    final: dict[str, str] = field(default_factory=dict)  # scenario -> last acknowledged choice
    tasks: list[asyncio.Task[None]] = field(default_factory=list)


@dataclass
class Stats:
    vote_ms: list[float] = field(default_factory=list)
    vote_server_ms: list[float] = field(default_factory=list)
    poll_304_server_ms: list[float] = field(default_factory=list)
    poll_304_rtt_ms: list[float] = field(default_factory=list)
    poll_200_rtt_ms: list[float] = field(default_factory=list)
    votes_sent: int = 0
    vote_errors: list[str] = field(default_factory=list)
    poll_errors: list[str] = field(default_factory=list)


async def join(phone: Phone) -> None:
    invite = await phone.client.get(f"/j/{phone.code}")
    token = HX_TOKEN.search(invite.text).group(1)  # type: ignore[union-attr]
    joined = await phone.client.post(f"/j/{phone.code}/join", data={"csrf_token": token})
    assert joined.status_code == 303, joined.text
    room = await phone.client.get(f"/j/{phone.code}")
    phone.token = HX_TOKEN.search(room.text).group(1)  # type: ignore[union-attr]


async def poll_forever(phone: Phone, stats: Stats, stop: asyncio.Event, rng: random.Random) -> None:
    """Poll once a second (as hx-trigger="every 1s" does), starting at a random offset."""
    await asyncio.sleep(rng.random())
    next_at = time.perf_counter()
    while not stop.is_set():
        next_at += 1.0
        headers = {"HX-Request": "true", "If-None-Match": phone.etag}
        sent = time.perf_counter()
        try:
            response = await phone.client.get(f"/j/{phone.code}", headers=headers)
        except httpx.HTTPError as exc:
            stats.poll_errors.append(repr(exc))
            await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
            continue
        took = (time.perf_counter() - sent) * 1000
        if response.status_code == 304:
            stats.poll_304_rtt_ms.append(took)
            if match := TIMING.search(response.headers.get("server-timing", "")):
                stats.poll_304_server_ms.append(float(match.group(1)))
        elif response.status_code == 200:
            stats.poll_200_rtt_ms.append(took)
            arrived(phone, response, stats, rng)
        else:
            stats.poll_errors.append(f"HTTP {response.status_code}")
        await asyncio.sleep(max(0.0, next_at - time.perf_counter()))


def arrived(phone: Phone, response: httpx.Response, stats: Stats, rng: random.Random) -> None:
    """A changed room: note when this version arrived; vote when voting has opened."""
    phone.etag = response.headers["etag"]
    version = int(ETAG_VERSION.fullmatch(phone.etag).group(1))  # type: ignore[union-attr]
    phone.seen.setdefault(version, time.perf_counter())
    label = ANNOUNCE.search(response.text)
    scenario = SCENARIO.search(response.text)
    if label and label.group(1) == "Voting open" and scenario:
        sid = scenario.group(1)
        if sid not in phone.voted:
            phone.voted.add(sid)
            choices = CHOICE.findall(response.text)
            phone.tasks.append(
                asyncio.create_task(vote_like_a_person(phone, sid, choices, stats, rng))
            )


async def vote_like_a_person(
    phone: Phone, scenario: str, choices: list[str], stats: Stats, rng: random.Random
) -> None:
    """Read for a while, vote; one in three changes their mind a little later."""
    await asyncio.sleep(rng.uniform(0.3, 4.0))
    picks = [rng.choice(choices)]
    if rng.random() < 1 / 3:
        picks.append(rng.choice(choices))
    for i, choice in enumerate(picks):
        if i:
            await asyncio.sleep(rng.uniform(0.5, 2.0))
        headers = {"HX-Request": "true", "X-CSRF-Token": phone.token}
        data = {"scenario_id": scenario, "choice": choice}
        stats.votes_sent += 1
        sent = time.perf_counter()
        try:
            response = await phone.client.post(f"/j/{phone.code}/vote", data=data, headers=headers)
        except httpx.HTTPError as exc:
            stats.vote_errors.append(repr(exc))
            continue
        stats.vote_ms.append((time.perf_counter() - sent) * 1000)
        if match := TIMING.search(response.headers.get("server-timing", "")):
            stats.vote_server_ms.append(float(match.group(1)))
        if response.status_code == 200:
            phone.final[scenario] = choice
        else:
            stats.vote_errors.append(f"HTTP {response.status_code}")


class Facilitator:
    def __init__(self, url: str) -> None:
        self.client = httpx.AsyncClient(base_url=url, timeout=30)
        self.live_url = ""

    async def sign_in_and_create(self, email: str) -> str:
        page = await self.client.get("/login")
        token = CSRF_FIELD.search(page.text).group(1)  # type: ignore[union-attr]
        data = {"email": email, "password": PASSWORD, "csrf_token": token}
        assert (await self.client.post("/login", data=data)).status_code == 303
        form = await self.client.get(f"/live/new?module_id={MODULE}")
        scenarios = re.findall(r'name="scenario" value="([^"]+)" checked', form.text)
        data = {
            "csrf_token": CSRF_FIELD.search(form.text).group(1),  # type: ignore[union-attr]
            "module_id": MODULE,
            "scenario": scenarios,
            "headcount": "1000",
        }
        created = await self.client.post("/live", data=data)  # type: ignore[arg-type]
        self.live_url = created.headers["location"]
        overview = (await self.client.get(self.live_url)).text
        return "".join(re.search(r'class="join-code">(\w{3}) (\w{3})<', overview).groups())  # type: ignore[union-attr]

    async def next_step(self) -> tuple[int, float, str]:
        """Press Next; returns the new version, when the click was sent, and the new step."""
        page = (await self.client.get(self.live_url)).text  # the controls are on the session page
        version = int(VERSION.search(page).group(1))  # type: ignore[union-attr]
        data = {
            "csrf_token": CSRF_FIELD.search(page).group(1),  # type: ignore[union-attr]
            "action": "next",
            "version": str(version),
        }
        clicked = time.perf_counter()
        response = await self.client.post(f"{self.live_url}/step", data=data)
        assert response.status_code == 303, response.text
        after = (await self.client.get(f"{self.live_url}/present")).text
        label = re.search(r'class="stage-step">([^<]+)<', after).group(1)  # type: ignore[union-attr]
        return version + 1, clicked, label


def start_server(db_url: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "ALLYSHIP_DATABASE_URL": db_url,
        "ALLYSHIP_CONTENT_DIR": str(PROJECT_ROOT),
        "ALLYSHIP_SECRET_KEY": SECRET,
    }
    argv = [
        str(Path(sys.executable).parent / "allyship"),
        "serve",
        "--workers",
        "2",
        "--port",
        str(port),
        "--proxy-headers",
    ]
    with log.open("wb") as out:
        proc = subprocess.Popen(argv, env=env, stdout=out, stderr=out, start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    raise RuntimeError(f"server did not start; see {log}")


def cpu_seconds(root: int) -> float:
    """User + system CPU time of a process and its children (the uvicorn workers), from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    pids = [root, *(int(p) for p in _children(root))]
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def _children(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []


async def quiet_polls(phone: Phone, n: int) -> tuple[list[float], list[float]]:
    """n sequential 304 polls from one phone once the others have stopped (a quiet server)."""
    headers = {"HX-Request": "true", "If-None-Match": phone.etag}
    server, rtt = [], []
    for _ in range(n):
        sent = time.perf_counter()
        response = await phone.client.get(f"/j/{phone.code}", headers=headers)
        rtt.append((time.perf_counter() - sent) * 1000)
        assert response.status_code == 304, response.status_code
        server.append(float(TIMING.search(response.headers["server-timing"]).group(1)))  # type: ignore[union-attr]
    return server, rtt


async def run(participants: int, seed: int) -> dict[str, object]:
    rng = random.Random(seed)
    load_before = os.getloadavg()[0]
    workdir = Path(tempfile.mkdtemp(prefix="live-bench-"))
    db_path = workdir / "live.db"
    db_url = f"sqlite:///{db_path}"
    upgrade(db_url)
    engine = make_engine(db_url)
    with Session(engine) as session:
        session.add(
            User(
                email="fac@example.com",
                name="Bench Facilitator",
                role="facilitator",
                password_hash=hash_password(PASSWORD),
            )
        )
        session.commit()
    engine.dispose()
    port = free_port()
    proc = start_server(db_url, port, workdir / "server.log")
    url = f"http://127.0.0.1:{port}"
    stats, stop = Stats(), asyncio.Event()
    facilitator = Facilitator(url)
    phones: list[Phone] = []
    try:
        code = await facilitator.sign_in_and_create("fac@example.com")
        for i in range(participants):
            address = f"10.{i // 250}.{i % 250}.{rng.randrange(1, 250)}"
            client = httpx.AsyncClient(
                base_url=url,
                timeout=30,
                headers={"X-Forwarded-For": address},
                limits=httpx.Limits(max_connections=2, max_keepalive_connections=2),
            )
            phones.append(Phone(i, client, code))
        joined_at = time.perf_counter()
        gate = asyncio.Semaphore(50)

        async def gated_join(phone: Phone) -> None:
            async with gate:
                await join(phone)

        await asyncio.gather(*(gated_join(p) for p in phones))
        join_s = time.perf_counter() - joined_at
        cpu_at = (time.perf_counter(), cpu_seconds(proc.pid), time.process_time())
        pollers = [asyncio.create_task(poll_forever(p, stats, stop, rng)) for p in phones]
        await asyncio.sleep(2.5)
        propagation: list[tuple[str, float]] = []
        while True:
            version, clicked, label = await facilitator.next_step()
            deadline = time.perf_counter() + 15
            while time.perf_counter() < deadline and not all(version in p.seen for p in phones):
                await asyncio.sleep(0.05)
            reached = [p.seen.get(version) for p in phones]
            missing = sum(1 for r in reached if r is None)
            slowest = max((r - clicked for r in reached if r is not None), default=float("nan"))
            propagation.append((label + (f" ({missing} never saw it)" if missing else ""), slowest))
            if label == "Ended":
                break
            # Stay on each step like a room would; voting stays open until every vote is in.
            await asyncio.sleep(6.0 if label == "Voting open" else 2.0)
            if label == "Voting open":
                await asyncio.gather(*(t for p in phones for t in p.tasks))
        stop.set()
        await asyncio.gather(*pollers)
        wall = time.perf_counter() - cpu_at[0]
        server_cpu = (cpu_seconds(proc.pid) - cpu_at[1]) / wall
        client_cpu = (time.process_time() - cpu_at[2]) / wall
        cpu_before = cpu_seconds(proc.pid)
        quiet_server, quiet_rtt = await quiet_polls(phones[0], 500)
        quiet_cpu_ms = (cpu_seconds(proc.pid) - cpu_before) / 500 * 1000
    finally:
        for phone in phones:
            await phone.client.aclose()
        await facilitator.client.aclose()
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    expected: Counter[tuple[str, str]] = Counter(
        (sid, choice) for p in phones for sid, choice in p.final.items()
    )
    with sqlite3.connect(db_path) as conn:
        stored = Counter(
            {
                (sid, choice): n
                for sid, choice, n in conn.execute(
                    "SELECT scenario_id, choice_id, count(*) FROM livevote GROUP BY 1, 2"
                )
            }
        )
    shutil.rmtree(workdir, ignore_errors=True)
    return {
        "participants": participants,
        "load_before": load_before,
        "load_after": os.getloadavg()[0],
        "join_s": join_s,
        "server_cpu": server_cpu,
        "quiet_cpu_ms": quiet_cpu_ms,
        "client_cpu": client_cpu,
        "stats": stats,
        "propagation": propagation,
        "quiet_server": quiet_server,
        "quiet_rtt": quiet_rtt,
        "expected": expected,
        "stored": stored,
    }


def report(result: dict[str, object], command: str) -> str:
    s: Stats = result["stats"]  # type: ignore[assignment]
    propagation: list[tuple[str, float]] = result["propagation"]  # type: ignore[assignment]
    expected: Counter[tuple[str, str]] = result["expected"]  # type: ignore[assignment]
    stored: Counter[tuple[str, str]] = result["stored"]  # type: ignore[assignment]
    quiet_server: list[float] = result["quiet_server"]  # type: ignore[assignment]
    quiet_rtt: list[float] = result["quiet_rtt"]  # type: ignore[assignment]
    worst = max(d for _, d in propagation)
    vote_p95 = percentile(s.vote_ms, 95)
    lines = [
        f"## Live group session: {result['participants']} phones on two workers",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with `{command}` on {os.cpu_count()} cores "
        f"(Python {sys.version.split()[0]}); the simulated phones (httpx, asyncio, one process) "
        "share the machine with the two uvicorn workers and SQLite (WAL, synchronous=FULL). "
        f"Load average before / after: {result['load_before']:.1f} / {result['load_after']:.1f} "
        "(above 2 means other work was competing for the 2 cores).",
        "",
        "| measure | result | target |",
        "| --- | --- | --- |",
        f"| vote acknowledged, p50 / p95 / max ({len(s.vote_ms)} votes) | "
        f"{percentile(s.vote_ms, 50):.1f} / {vote_p95:.1f} / {max(s.vote_ms):.1f} ms | "
        f"p95 < 100 ms: {'met' if vote_p95 < 100 else 'NOT met'} |",
        f"| vote, handler time (Server-Timing: lock wait, query, upsert, commit, render), "
        f"p50 / p95 | {percentile(s.vote_server_ms, 50):.1f} / {percentile(s.vote_server_ms, 95):.1f} ms | |",
        f"| 304 poll, handler time under load, p50 / p95 ({len(s.poll_304_server_ms)} polls; "
        "includes waiting for a thread and the CPU) | "
        f"{percentile(s.poll_304_server_ms, 50):.2f} / {percentile(s.poll_304_server_ms, 95):.2f} ms | |",
        f"| 304 poll, handler time on a quiet server, p50 / p95 (500 polls) | "
        f"{percentile(quiet_server, 50):.2f} / {percentile(quiet_server, 95):.2f} ms | "
        f"< 2 ms: {'met' if percentile(quiet_server, 95) < 2 else 'NOT met'} |",
        f"| 304 poll, server CPU per poll on a quiet server (whole process: HTTP, middleware, "
        f"app, logging; 500 polls) | {result['quiet_cpu_ms']:.2f} ms | < 2 ms: "
        f"{'met' if result['quiet_cpu_ms'] < 2 else 'NOT met'} |",
        f"| 304 poll, whole loopback round trip on a quiet server, p50 / p95 | "
        f"{percentile(quiet_rtt, 50):.2f} / {percentile(quiet_rtt, 95):.2f} ms | (upper bound of server cost) |",
        f"| 304 poll round trip under load, p50 / p95 | "
        f"{percentile(s.poll_304_rtt_ms, 50):.1f} / {percentile(s.poll_304_rtt_ms, 95):.1f} ms | |",
        f"| step change reaches every phone, worst of {len(propagation)} steps | {worst * 1000:.0f} ms | "
        f"< 2 s: {'met' if worst < 2 else 'NOT met'} |",
        f"| votes: stored rows / final votes of phones / votes sent | "
        f"{sum(stored.values())} / {sum(expected.values())} / {s.votes_sent} | "
        f"stored == sent per phone and scenario: {'yes' if stored == expected else 'NO'} |",
        f"| errors (votes, polls) | {len(s.vote_errors)}, {len(s.poll_errors)} | 0 |",
        f"| {result['participants']} joins (50 at a time) | {result['join_s']:.1f} s | |",
        f"| CPU used during the session: two workers / the simulated phones | "
        f"{result['server_cpu']:.2f} / {result['client_cpu']:.2f} cores | of 2 |",
        "",
        'Step propagation, click to the last phone (phones poll every second, as `hx-trigger="every 1s"`): '
        + ", ".join(f"{label} {d * 1000:.0f} ms" for label, d in propagation),
        "",
        "The handler time is the `Server-Timing` the poll route reports (from its first dependency to "
        "the 304, including the one database query); the round trip adds HTTP parsing, middleware and "
        "loopback. `votes sent` counts changes of mind; each phone's last acknowledged choice per "
        "scenario is what must be stored, once.",
        "",
    ]
    return "\n".join(lines)


def write_section(text: str) -> None:
    """Replace our section in RESULTS.md (or append it), leaving everything else as it is."""
    current = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    block = f"{START}\n{text}{END}\n"
    if START in current and END in current:
        before, rest = current.split(START, 1)
        after = rest.split(END, 1)[1].lstrip("\n")
        updated = before + block + ("\n" + after if after else "")
    else:
        updated = current.rstrip("\n") + "\n\n" + block
    RESULTS.write_text(updated, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--write", action="store_true", help="put the section in bench/RESULTS.md")
    args = parser.parse_args()
    command = "python -m bench.live_bench" + (
        f" --participants {args.participants}" if args.participants != 300 else ""
    )
    try:
        import uvloop

        result = uvloop.run(run(args.participants, args.seed))
    except ImportError:
        result = asyncio.run(run(args.participants, args.seed))
    text = report(result, command)
    print(text)
    if args.write:
        write_section(text)
    stats: Stats = result["stats"]  # type: ignore[assignment]
    ok = result["stored"] == result["expected"] and not stats.vote_errors
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
