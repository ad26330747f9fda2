"""Issue 20 point 1: the projected page fits one 16:9 screen on every step, at 1920x1080 and
1366x768, with the longest situations, options and feedback of the real course; no controls.

Also makes docs/screenshots/projector-{vote,reveal}-{1920,1366}.png (kept in the repository).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page

from app.config import PROJECT_ROOT
from tests.conftest import CSRF_FIELD
from tests.e2e.conftest import LiveServer, sign_in
from tests.live.conftest import VERSION
from tests.live.phones import JOIN_CODE, Phone, close_all
from tests.servers import sign_in as sign_in_client
from tests.servers import tagged_client

pytestmark = pytest.mark.e2e
SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"
SIZES = [(1920, 1080), (1366, 768)]
# The real content's longest: situation (sponsor-shortlist), options together (lift-question),
# one option (squad-lead-click), strongest response's feedback and question (partner-at-drinks).
SESSIONS = [
    ("why-allies-matter", ["sponsor-shortlist", "lift-question"]),
    ("be-frank-with-other-men", ["partner-at-drinks", "squad-lead-click"]),
]
# The boxes that must be on screen whenever they are shown, and those with a minimum size.
SHOWN = ".stage-bar, h1, .result-choice, .situation, .question, .choices-list li, .vote-count, .result, .share meter, .feedback, .prompts li, .join-code, .qr, .rules li, .commitment-prompt, .not-enough, .countdown"
MEASURE = """(selector) => {
  const boxes = [...document.querySelectorAll('#stage ' + selector.split(', ').join(', #stage '))]
    .filter(e => e.getClientRects().length)
    .map(e => { const r = e.getBoundingClientRect();
      return {cls: (e.className || e.tagName) + ' in ' + e.parentElement.className, top: r.top, bottom: r.bottom, left: r.left, right: r.right,
              font: parseFloat(getComputedStyle(e).fontSize)}; });
  const controls = [...document.querySelectorAll('button, summary, input, select, textarea')]
    .filter(e => e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden');
  return {boxes, controls: controls.length,
          height: document.documentElement.scrollHeight, width: document.documentElement.scrollWidth};
}"""


class Facilitator:
    """Drives a session over HTTP from the session page (the controls), as a laptop would."""

    def __init__(self, server: LiveServer, module: str, scenarios: list[str]) -> None:
        self.client = tagged_client(server.url, "laptop")
        sign_in_client(self.client, "facilitator@example.com")
        form = self.client.get(f"/live/new?module_id={module}").text
        token = CSRF_FIELD.search(form).group(1)  # type: ignore[union-attr]
        data = {"csrf_token": token, "module_id": module, "scenario": scenarios, "headcount": "30"}
        created = self.client.post("/live", data=data)
        assert created.status_code == 303, created.text
        self.url = created.headers["location"]
        self.code = "".join(JOIN_CODE.search(self.client.get(self.url).text).groups())  # type: ignore[union-attr]

    def next(self) -> None:
        page = self.client.get(self.url).text
        data = {
            "csrf_token": CSRF_FIELD.search(page).group(1),  # type: ignore[union-attr]
            "action": "next",
            "version": VERSION.search(page).group(1),  # type: ignore[union-attr]
        }
        assert self.client.post(f"{self.url}/step", data=data).status_code == 303


def check_fits(page: Page, width: int, step: str) -> None:
    found = page.evaluate(MEASURE, SHOWN)
    where = f"{step} at {width}px"
    assert found["controls"] == 0, f"{where}: the projected page shows controls"
    assert found["height"] <= page.viewport_size["height"], f"{where}: taller than the screen"  # type: ignore[index]
    assert found["width"] <= width, f"{where}: wider than the screen"
    for box in found["boxes"]:
        assert box["top"] >= 0 and box["left"] >= 0, (where, box)
        assert box["bottom"] <= page.viewport_size["height"] and box["right"] <= width, (where, box)  # type: ignore[index]
        if re.match(r"(situation|result-choice|LI in choices-list)", box["cls"]):
            # situation and options: 28 px at 1080p, the same share of a smaller screen
            assert box["font"] >= 28 * width / 1920 - 0.1, (where, box)
    texts = [b for b in found["boxes"] if re.match(r"(situation|LI in choices-list)", b["cls"])]
    assert step not in ("show", "reveal") or texts, f"{where}: nothing measured"


@pytest.mark.parametrize(("module", "scenarios"), SESSIONS)
def test_every_step_fits_one_screen_at_both_sizes_with_no_controls(
    page: Page, live_server: LiveServer, module: str, scenarios: list[str]
) -> None:
    laptop = Facilitator(live_server, module, scenarios)
    phones = [Phone(live_server.url, laptop.code) for _ in range(6)]
    catalog_module = live_server.catalog.by_id[module]
    choices = {
        sid: [c.id for c in catalog_module.quiz.scenario(sid).choices]  # type: ignore[union-attr]
        for sid in scenarios
    }
    sign_in(page, live_server, "facilitator@example.com")
    try:
        for phone in phones:
            phone.join()
        walk = ["lobby", "rules"] + ["show", "reveal", "discuss"] * 2 + ["wrapup", "ended"]
        for number, step in enumerate(walk):
            if number:
                laptop.next()
            if step == "show":
                scenario = scenarios[0] if number < 5 else scenarios[1]
                voters = phones[:5] if number < 5 else phones[:2]  # then a small group
                for n, phone in enumerate(voters):
                    options = choices[scenario]
                    assert phone.vote(options[n % len(options)], scenario) == 303
            for width, height in SIZES:
                page.set_viewport_size({"width": width, "height": height})
                page.goto(f"{live_server.url}{laptop.url}/present")
                assert re.search(
                    f"phase-{step}", page.locator("#stage").get_attribute("class") or ""
                )
                check_fits(page, width, step)
                if module == SESSIONS[0][0] and number in (2, 3):
                    name = "vote" if step == "show" else "reveal"
                    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(SCREENSHOTS / f"projector-{name}-{width}.png"))
    finally:
        close_all([laptop.client, *(p.client for p in phones)])
