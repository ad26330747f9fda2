"""`allyship serve` builds each worker's app with the garbage collector paused (app/served.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

from app.config import PROJECT_ROOT

BUILD = """
import gc, json
collections = []
gc.callbacks.append(lambda phase, info: phase == "start" and collections.append(info))
from app.served import create_served_app
collections.clear()
app = create_served_app()
print(json.dumps({
    "collections": len(collections),
    "enabled": gc.isenabled(),
    "frozen": gc.get_freeze_count(),
    "routes": len(app.routes),
}))
"""


IMPORT_COMMAND = """
import gc
import typer
collections, seen = [], []
gc.callbacks.append(lambda phase, info: phase == "start" and collections.append(info))
def run(self, *args, **kwargs):  # instead of running a command: what the import left
    seen.extend([len(collections), gc.isenabled()])
typer.Typer.__call__ = run
import app.entry
collections.clear()
app.entry.main()
print(*seen, "ok")
"""


def test_the_worker_app_is_built_without_a_collection_and_its_objects_frozen(
    db_url: str, content_dir: Path
) -> None:
    env = {
        **os.environ,
        "ALLYSHIP_DATABASE_URL": db_url,
        "ALLYSHIP_CONTENT_DIR": str(content_dir),
        "ALLYSHIP_SECRET_KEY": "s" * 40,
        "ALLYSHIP_OUTBOX_SENDER": "false",
        "ALLYSHIP_WEBHOOK_SENDER": "false",
    }
    built = subprocess.run(
        [sys.executable, "-c", BUILD], env=env, cwd=PROJECT_ROOT, capture_output=True, text=True
    )
    assert built.returncode == 0, built.stderr
    found = json.loads(built.stdout.strip().splitlines()[-1])
    # About 520 collections ran while the app was built before, then one full one at the end.
    assert found["collections"] == 0
    assert found["enabled"] is True
    assert found["frozen"] > 100_000  # what start-up made, skipped by later collections
    assert found["routes"] > 20  # the whole app: its routers, /static, /healthz


def test_serve_runs_the_paused_factory_from_the_paused_command() -> None:
    source = (PROJECT_ROOT / "app" / "cli.py").read_text()
    assert '"app.served:create_served_app"' in source
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    assert project["scripts"]["allyship"] == "app.entry:main"


def test_the_command_imports_with_the_collector_paused_and_leaves_it_running() -> None:
    found = subprocess.run(
        [sys.executable, "-c", IMPORT_COMMAND], cwd=PROJECT_ROOT, capture_output=True, text=True
    )
    assert found.returncode == 0, found.stderr
    assert found.stdout.split() == ["0", "True", "ok"]
