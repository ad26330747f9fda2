"""Slots: places in lessons and facilitator notes that show the organisation's own text.

A slot is written `{{ org.NAME }}` on a line of its own (a paragraph of its own in
Markdown, so it can never be mistaken for prose or a link). Each slot names the setting it
shows and a neutral sentence for when that setting is empty, written to read well without
it. The content package only finds and checks slots and leaves a marker in the lesson HTML;
app/org fills the markers on each page view with the organisation's current settings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

SlotKind = Literal["link", "markdown", "text"]


@dataclass(frozen=True)
class Slot:
    """One slot: the setting it shows, how, and what it says when the setting is empty."""

    name: str
    setting: str
    kind: SlotKind
    label: str  # a link's text, or the words before a contact
    neutral: str


SLOTS: dict[str, Slot] = {
    slot.name: slot
    for slot in (
        Slot(
            "harassment_policy",
            "harassment_policy_url",
            "link",
            "Read your organisation's harassment policy",
            "Your organisation has rules on harassment, often in the staff handbook or on "
            "the intranet. Ask HR where to find them if you are not sure.",
        ),
        Slot(
            "equality_policy",
            "equality_policy_url",
            "link",
            "Read your organisation's equality policy",
            "Your organisation has rules on equal treatment, often in the staff handbook or "
            "on the intranet. Ask HR where to find them if you are not sure.",
        ),
        Slot(
            "who_to_talk_to",
            "who_to_talk_to",
            "markdown",
            "Who to talk to",
            "If you are not sure who to talk to, start with HR or a manager you trust. "
            "They can tell you who handles this where you work.",
        ),
        Slot(
            "employee_network",
            "employee_network_contact",
            "text",
            "Employee network",
            "Ask HR if there is an employee network you can join or point people to.",
        ),
        Slot(
            "mentoring_programme",
            "mentoring_programme_contact",
            "text",
            "Mentoring programme",
            "Ask HR if there is a mentoring programme you can join or suggest to others.",
        ),
        Slot(
            "external_reporting_line",
            "external_reporting_line",
            "text",
            "Reporting line outside the organisation",
            "Ask HR if there is also a confidential way to report outside your own team.",
        ),
        Slot(
            "support_line",
            "support_line",
            "text",
            "Support line",
            "Ask HR which support line people can call in confidence.",
        ),
    )
}
SLOT_LINE = re.compile(r"^\s*\{\{\s*org\.([A-Za-z0-9_.-]*)\s*\}\}\s*$")
ANY_SLOT = re.compile(r"\{\{.*?\}\}|\{\{")
MARKER = "<!-- org-slot:{} -->"
MARKER_PATTERN = re.compile(r"<!-- org-slot:([a-z_]+) -->")


@dataclass(frozen=True)
class SlotRef:
    """A slot found in a text: its name and the 0-based line it is on."""

    name: str
    line: int


def known_names() -> str:
    return ", ".join(f"org.{name}" for name in SLOTS)


def slot_problems(text: str) -> list[tuple[int, str]]:
    """(0-based line, message) for each badly written or unknown slot in `text`."""
    found: list[tuple[int, str]] = []
    for number, line in enumerate(text.splitlines()):
        whole = SLOT_LINE.match(line)
        if whole and whole.group(1) not in SLOTS:
            found.append(
                (number, f"`org.{whole.group(1)}` is not a slot; use one of {known_names()}")
            )
        elif not whole and ANY_SLOT.search(line):
            found.append(
                (
                    number,
                    "a slot stands alone on its own line, written `{{ org.NAME }}` with NAME "
                    f"one of {known_names()}",
                )
            )
    return found


def slot_name(paragraph: str) -> str | None:
    """The slot's name if this paragraph is exactly one known slot, else None."""
    whole = SLOT_LINE.match(paragraph)
    return whole.group(1) if whole and whole.group(1) in SLOTS else None


def split_slots(text: str) -> list[str | Slot]:
    """Plain text cut at its slots: text pieces (never empty) and slots, in order."""
    pieces: list[str | Slot] = []
    lines: list[str] = []
    for line in text.splitlines():
        name = slot_name(line)
        if name is None:
            lines.append(line)
            continue
        if "\n".join(lines).strip():
            pieces.append("\n".join(lines).strip("\n"))
        pieces.append(SLOTS[name])
        lines = []
    if "\n".join(lines).strip():
        pieces.append("\n".join(lines).strip("\n"))
    return pieces


def neutral_text(text: str) -> str:
    """The text as read when no setting is filled in (for word counts and reading grade)."""
    return "\n".join(
        piece if isinstance(piece, str) else piece.neutral for piece in split_slots(text)
    )
