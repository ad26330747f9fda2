"""The product is called Allies in Practice everywhere a person can read its name."""

from __future__ import annotations

import subprocess
from pathlib import Path

from fastapi.testclient import TestClient

ROOT = Path(__file__).resolve().parents[2]
OLD_NAME = "Allyship at Work"


def test_old_name_appears_only_in_the_readme_note() -> None:
    tracked = subprocess.run(
        ["git", "grep", "-l", "-i", OLD_NAME, "--", ".", ":!tests/content/test_product_name.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    # app/security.py lists old product names as words a password must not contain.
    assert sorted(tracked) == ["README.md", "app/security.py"]


def test_pages_and_api_carry_the_new_name(client: TestClient) -> None:
    login = client.get("/login")
    assert "Allies in Practice" in login.text
    assert OLD_NAME not in login.text
    assert client.get("/api/v1/openapi.json").json()["info"]["title"] == "Allies in Practice API"
