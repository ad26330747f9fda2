"""Browser tests: the app served by uvicorn on a loopback port, driven by Debian's Chromium."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Locator, Page

from app.config import PROJECT_ROOT
from app.content.catalog import Catalog, load_catalog
from app.db import session_for
from app.db.migrate import upgrade
from tests.factories import PASSWORD, make_department, make_user
from tests.servers import start_server, stop_server

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = PROJECT_ROOT / "tests" / "artifacts"
AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")

pytestmark = pytest.mark.e2e


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict[str, object]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    return {
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@dataclass
class LiveServer:
    url: str
    db_url: str
    catalog: Catalog


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    path = tmp_path_factory.mktemp("e2e") / "e2e.db"
    db_url = f"sqlite:///{path}"
    upgrade(db_url)
    with session_for(db_url) as session:
        engineering = make_department(session, "Engineering")
        make_user(session, "learner@example.com", name="Lee Learner", department=engineering)
        make_user(session, "nojs@example.com", name="Noor Nojs", department=engineering)
        make_user(session, "keys@example.com", name="Kai Keys", department=engineering)
        make_user(session, "hr@example.com", name="Hana HR", role="hr")
        make_user(session, "facilitator@example.com", name="Femi Facilitator", role="facilitator")
    proc, url = start_server(db_url)
    yield LiveServer(url=url, db_url=db_url, catalog=load_catalog(PROJECT_ROOT))
    stop_server(proc)


def sign_in(page: Page, server: LiveServer, email: str) -> None:
    """Sign in from the form; wait for the landing page (each role has its own home)."""
    page.goto(f"{server.url}/login")
    page.get_by_label("Work email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: urlsplit(url).path != "/login")


def shown_scenarios(page: Page) -> list[str]:
    """The ids of the scenarios the quiz page asks (its draw), in page order.

    Waits for the quiz page first: evaluate_all does not wait, and a click that opens the
    quiz returns before the page has loaded (on a busy machine the ids came back empty).
    """
    page.locator("fieldset.scenario").first.wait_for()
    ids: list[str] = page.locator("fieldset.scenario").evaluate_all(
        "els => els.map(e => e.id.replace('scenario-', ''))"
    )
    return ids


def option(
    page: Page, server: LiveServer, module_id: str, scenario_id: str, choice_id: str
) -> Locator:
    """A choice's radio button, found by its text as a learner would (values are letters)."""
    scenario = server.catalog.by_id[module_id].quiz.scenario(scenario_id)
    choice = scenario.choice(choice_id) if scenario else None
    assert choice is not None, (scenario_id, choice_id)
    return page.locator(f"#scenario-{scenario_id}").get_by_label(choice.text)


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def axe_violations(page: Page) -> list[dict[str, object]]:
    """Run axe-core in the page; return violations of impact serious or critical."""
    page.evaluate(AXE)
    result = page.evaluate(
        "async () => JSON.stringify(await axe.run(document, {resultTypes: ['violations']}))"
    )
    violations = json.loads(result)["violations"]
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]


def assert_accessible(page: Page, label: str) -> None:
    found = axe_violations(page)
    assert not found, f"{label}: {json.dumps(found, indent=1)}"


def no_horizontal_scroll(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))
