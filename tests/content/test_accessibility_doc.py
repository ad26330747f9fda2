"""docs/accessibility.md lists every WCAG 2.2 A and AA criterion, and each test it cites exists."""

from __future__ import annotations

import re

from app.config import PROJECT_ROOT

DOC = PROJECT_ROOT / "docs" / "accessibility.md"
# WCAG 2.2, levels A and AA (4.1.1 Parsing was removed in 2.2).
CRITERIA = [
    "1.1.1",
    "1.2.1",
    "1.2.2",
    "1.2.3",
    "1.2.4",
    "1.2.5",
    "1.3.1",
    "1.3.2",
    "1.3.3",
    "1.3.4",
    "1.3.5",
    "1.4.1",
    "1.4.2",
    "1.4.3",
    "1.4.4",
    "1.4.5",
    "1.4.10",
    "1.4.11",
    "1.4.12",
    "1.4.13",
    "2.1.1",
    "2.1.2",
    "2.1.4",
    "2.2.1",
    "2.2.2",
    "2.3.1",
    "2.4.1",
    "2.4.2",
    "2.4.3",
    "2.4.4",
    "2.4.5",
    "2.4.6",
    "2.4.7",
    "2.4.11",
    "2.5.1",
    "2.5.2",
    "2.5.3",
    "2.5.4",
    "2.5.7",
    "2.5.8",
    "3.1.1",
    "3.1.2",
    "3.2.1",
    "3.2.2",
    "3.2.3",
    "3.2.4",
    "3.2.6",
    "3.3.1",
    "3.3.2",
    "3.3.3",
    "3.3.4",
    "3.3.7",
    "3.3.8",
    "4.1.2",
    "4.1.3",
]
ROW = re.compile(r"^\| (\d\.\d\.\d+) [^|]+\| (A|AA) \| ([^|]+) \| ([^|]+) \|$", re.M)
CITED = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")


def test_every_a_and_aa_criterion_has_one_row_saying_how_and_what_proves_it() -> None:
    rows = ROW.findall(DOC.read_text(encoding="utf-8"))
    assert [r[0] for r in rows] == CRITERIA
    assert len(CRITERIA) == 55
    for number, _level, how, proof in rows:
        assert how.strip(), number
        assert (
            proof.strip() in ("—", "manual", "see Live sessions")
            or CITED.search(proof)
            or ("axe" in proof)
        ), f"{number}: {proof}"
        if proof.strip() == "—":
            assert how.startswith("Not applicable"), number


def test_every_test_the_statement_cites_exists() -> None:
    cited = set(CITED.findall(DOC.read_text(encoding="utf-8")))
    assert len(cited) >= 15
    missing = [
        f"{path}::{name}"
        for path, name in sorted(cited)
        if not (PROJECT_ROOT / path).exists()
        or f"def {name}(" not in (PROJECT_ROOT / path).read_text(encoding="utf-8")
    ]
    assert not missing, missing


def test_the_live_sessions_section_is_there_for_the_live_views() -> None:
    assert "### Live sessions" in DOC.read_text(encoding="utf-8")
