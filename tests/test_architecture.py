"""The layering in docs/architecture.md holds, and lint-imports would catch it breaking.

Each planted import runs lint-imports on a copy of app/ with one forbidden line added, so a
contract that could never fail (a typo in a module name, a wildcard matching nothing) fails here.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.config import PROJECT_ROOT
from app.privacy import MIN_GROUP

LINT_IMPORTS = str(Path(sys.executable).with_name("lint-imports"))


def lint_imports(root: Path, *contracts: str) -> subprocess.CompletedProcess[str]:
    """Run lint-imports on the tree at `root` (its app/ first on the path), only `contracts`."""
    chosen = [arg for contract in contracts for arg in ("--contract", contract)]
    return subprocess.run(
        [LINT_IMPORTS, "--no-cache", "--no-logo", *chosen],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def tree_copy(tmp_path: Path) -> Path:
    shutil.copytree(
        PROJECT_ROOT / "app", tmp_path / "app", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(PROJECT_ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_architecture_contracts_hold_on_the_tree() -> None:
    result = lint_imports(PROJECT_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "planted", "contract"),
    [
        ("app/content/markdown.py", "import app.hr", "content"),
        ("app/content/schema.py", "import app.config", "content"),
        ("app/web/forms.py", "import app.auth.deps", "web-kit"),
        ("app/web/templating.py", "import app.learning.progress", "web-kit"),
        ("app/db/engine.py", "import app.web.deps", "data"),
        ("app/db/raw.py", "import app.hr.people", "data"),
        ("app/hr/people.py", "import app.api.keys", "features"),
        ("app/learning/progress.py", "import app.live.facilitator", "features"),
        ("app/mail/outbox_sender.py", "import app.auth.invites", "features"),
        ("app/auth/service.py", "import app.learning.scoring", "no-cycles"),
    ],
)
def test_architecture_planted_import_breaks_its_contract(
    tree_copy: Path, module: str, planted: str, contract: str
) -> None:
    target = tree_copy / module
    if not target.exists():  # the data modules are moving into app/db/ (issue 14)
        target = tree_copy / "app" / "db" / "__init__.py"
    assert lint_imports(tree_copy, contract).returncode == 0
    target.write_text(target.read_text() + f"\n{planted}  # planted by the test\n")
    result = lint_imports(tree_copy, contract)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "BROKEN" in result.stdout


IN_CODE = re.compile(r"(>=|<=|<|>|==)\s*5\b|MIN_GROUP\s*=\s*\d")
IN_PAGES = re.compile(r"(fewer than|at least|under|below) 5\b|(>=|<=|<|>|==)\s*5\b", re.IGNORECASE)


def test_small_group_threshold_is_written_once() -> None:
    """Code compares with MIN_GROUP and pages say {{ MIN_GROUP }}, never a literal 5, so
    changing app/privacy.py changes every view (docstrings may still say "5" in prose)."""
    found = [
        f"{path.relative_to(PROJECT_ROOT)}:{n}"
        for folder, pattern, suffix in (("app", IN_CODE, ".py"), ("templates", IN_PAGES, ".html"))
        for path in sorted((PROJECT_ROOT / folder).rglob("*" + suffix))
        if "migrations" not in path.parts
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line)
    ]
    assert [place.split(":")[0] for place in found] == ["app/privacy.py"], found
    assert MIN_GROUP == 5  # the documented figure (README, docs/privacy.md): change together


def test_no_made_up_zero_ids() -> None:
    """A loaded row's id is asked with row_id(), which fails loudly: `x.id or 0` would carry
    on with a 0 that matches nothing (app/models/stored.py)."""
    made_up = re.compile(r"\.id or 0\b")
    found = [
        f"{path.relative_to(PROJECT_ROOT)}:{n}"
        for path in sorted((PROJECT_ROOT / "app").rglob("*.py"))
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if made_up.search(line)
    ]
    assert found == []
