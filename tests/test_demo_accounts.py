"""Outside test F12: every account README's "Demo accounts" table names exists in the demo
data, and one of them has reports (so the team page can be tried from the demo)."""

from __future__ import annotations

import re

from fastapi import FastAPI
from sqlmodel import Session, col, select

from app.config import PROJECT_ROOT
from app.demo import load_demo
from app.models import User


def test_readme_demo_accounts_exist_and_one_manages_a_team(app: FastAPI, session: Session) -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("### Demo accounts")[1].split("\n\n", 3)[2]
    emails = re.findall(r"^\| `([^`]+@example\.com)` \|", table, re.M)
    assert "manager1@example.com" in emails
    load_demo(session, app.state.catalog, employees=12)
    found = set(session.exec(select(User.email).where(col(User.email).in_(emails))).all())
    assert found == set(emails)
    manager = session.exec(select(User).where(User.email == "manager1@example.com")).one()
    reports = session.exec(select(User.id).where(User.manager_id == manager.id)).all()
    assert reports
