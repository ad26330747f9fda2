"""E-mail texts as named-placeholder templates: the shipped defaults, checking, and filling in.

Admins and HR edit these texts, so filling one in must never run anything: a text is plain
words with `{placeholder}` names from a fixed list per e-mail, replaced by plain values
(`{{` and `}}` stand for a literal brace). No Jinja, no `str.format` (which would let
`{name.__class__}` reach into objects). E-mails are plain text only; a page that shows
one (the preview) escapes it like any other text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from app.mail.mailer import breaking_characters

INVITATION = "invitation"
PASSWORD_RESET = "password-reset"
REMINDER = "reminder"
OVERDUE = "overdue"
DIGEST = "manager-digest"
# The recertification stages' texts have the keys of their reminders (app/hr/recert_reminders.py).
RECERT_EXPIRING = "recert-expiring"
RECERT_EXPIRED = "recert-expired"
# Lasting learning's nudges (app/lasting/nudges.py): every one carries the link that stops them.
NUDGE_REFRESHER = "nudge-refresher"
NUDGE_CHECKIN = "nudge-checkin"
SUBJECT_MAX = 200
BODY_MAX = 10_000
TOKEN = re.compile(r"\{\{|\}\}|\{([^{}\n]*)\}|[{}]")
NAME = re.compile(r"[a-z_]{1,40}")
# Values that run over several lines: they belong in the body only.
LISTS = frozenset({"modules", "people"})
PLACEHOLDERS = {
    "name": "the person's name",
    "organisation": "your organisation's name",
    "course": "the course's name",
    "inviter": "who invited them (or “your HR team”)",
    "email": "the address the e-mail goes to",
    "link": "the link to follow",
    "valid_for": "how long the link works, such as “14 days”",
    "sign_in_link": "the sign-in page",
    "due_date": "the earliest due date, such as “15 Jun 2026”",
    "modules": "the modules, one per line with their due dates and links",
    "people": "the team members with overdue modules, one per line",
    "expires_on": "the day the completion expires (or expired), such as “15 Jun 2027”",
    "module": "the module's title",
    "stop_link": "the link to a page whose one button stops these nudges",
}


@dataclass(frozen=True)
class Kind:
    """One e-mail: its title, placeholders, the ones it cannot do without, who may edit it."""

    key: str
    title: str
    about: str
    names: tuple[str, ...]
    required: tuple[str, ...]
    editors: frozenset[str]
    subject: str
    body: str


ADMIN = frozenset({"admin"})
HR = frozenset({"hr", "admin"})
BASE = ("name", "organisation", "course")
RECERT_NAMES = (*BASE, "expires_on", "due_date", "modules", "link")
NUDGE_NAMES = (*BASE, "module", "link", "stop_link")
KINDS: dict[str, Kind] = {
    k.key: k
    for k in (
        Kind(
            INVITATION,
            "Invitation",
            "Sent to each new person with a one-time link to choose a password.",
            (*BASE, "inviter", "email", "link", "valid_for", "sign_in_link"),
            ("link",),
            ADMIN,
            "{organisation}: {inviter} invited you to {course}",
            "Hello {name},\n\n"
            "{inviter} at {organisation} has invited you to {course}, a self-paced course on "
            "being an ally at work: short lessons and realistic workplace scenarios, about 15 "
            "minutes a module.\n\n"
            "To start, choose your password here:\n{link}\n\n"
            "This link is for you alone ({email}). It works once, for {valid_for}. "
            "After that, sign in at {sign_in_link}\n\n"
            "Not expecting this? Do not open the link. Ask {inviter} or your HR team, through "
            "a channel you already use (not by replying to this e-mail), whether the invitation "
            "is genuine, or simply ignore it: nothing happens until a password is chosen.\n\n"
            "{organisation}\n",
        ),
        Kind(
            PASSWORD_RESET,
            "Password reset",
            "Sent when someone asks to reset their password, or HR sends a reset.",
            (*BASE, "link", "valid_for"),
            ("link",),
            ADMIN,
            "{organisation}: reset your {course} password",
            "Hello {name},\n\n"
            "Someone (we hope you) asked to reset the password of your {course} account "
            "at {organisation}.\n\n"
            "Choose a new password here (the link works once, for {valid_for}):\n{link}\n\n"
            "If you did not ask for this, ignore this e-mail: your password stays as it is.\n",
        ),
        Kind(
            REMINDER,
            "Reminder",
            "Sent before a due date, on the days the reminder schedule names.",
            (*BASE, "modules", "due_date", "link"),
            ("modules",),
            HR,
            "{organisation}: {course} is due on {due_date}",
            "Hello {name},\n\n"
            "This is a reminder about your {course} modules:\n\n{modules}\n\n"
            "Your dashboard: {link}\nEach module takes about 15 minutes. Thank you!\n",
        ),
        Kind(
            OVERDUE,
            "Overdue notice",
            "Sent after a due date has passed, on the days the reminder schedule names.",
            (*BASE, "modules", "due_date", "link"),
            ("modules",),
            HR,
            "{organisation}: {course} is overdue",
            "Hello {name},\n\n"
            "Some of your {course} modules are past their due date:\n\n{modules}\n\n"
            "Your dashboard: {link}\nEach module takes about 15 minutes. If something is "
            "stopping you, tell your HR team.\n",
        ),
        Kind(
            DIGEST,
            "Manager digest",
            "Weekly, to managers whose team members have overdue modules (when turned on).",
            (*BASE, "people", "link"),
            ("people",),
            HR,
            "{organisation}: your team's overdue {course} modules",
            "Hello {name},\n\nThese people in your team have overdue modules:\n\n{people}\n\n"
            "A word from you helps more than another reminder from us.\n",
        ),
        Kind(
            RECERT_EXPIRING,
            "Recertification: expiring soon",
            "Sent once when a completion is within 60 days of expiring; the modules open again.",
            RECERT_NAMES,
            ("link",),
            HR,
            "{organisation}: time for your {course} refresher (by {expires_on})",
            "Hello {name},\n\n"
            "Your {course} completion at {organisation} is valid until {expires_on}. Every "
            "so often we all take the course again: situations at work change, and a refresher "
            "keeps what you practised ready for the moment a colleague needs it.\n\n"
            "Your modules are open again, each about 15 minutes:\n\n{modules}\n\n"
            "Your dashboard: {link}\n"
            "Your earlier completions and certificates stay in your record. Thank you for "
            "keeping at it.\n\n{organisation}\n",
        ),
        Kind(
            RECERT_EXPIRED,
            "Recertification: expired, new cycle",
            "Sent on the day a completion expires, then weekly up to the reminder cap, until "
            "the modules are done again.",
            RECERT_NAMES,
            ("link",),
            HR,
            "{organisation}: your {course} refresher is open",
            "Hello {name},\n\n"
            "Your {course} completion at {organisation} reached the end of its validity "
            "period on {expires_on}, so a new round has started. Nothing is taken away: your "
            "earlier completions and certificates stay in your record.\n\n"
            "Your modules are open again, each about 15 minutes:\n\n{modules}\n\n"
            "Your dashboard: {link}\n"
            "If something makes it hard to find the time, tell your HR team: they can move "
            "the due date.\n\n{organisation}\n",
        ),
        Kind(
            NUDGE_REFRESHER,
            "Nudge: a refresher is waiting",
            "Sent 2 days, a week and 4 weeks after someone passes a module: one new scenario "
            "to practise (at most one nudge a day, within the reminder cap).",
            NUDGE_NAMES,
            ("link", "stop_link"),
            HR,
            "{organisation}: a two-minute refresher on {module}",
            "Hello {name},\n\n"
            "A new scenario from {module} is waiting for you: one situation, a few choices, "
            "and feedback on each. Practising a little, a few days apart, is what makes it "
            "easy to act when the moment comes.\n\n"
            "Open it here (you may be asked to sign in first):\n{link}\n\n"
            "No more of these nudges? Open this link and press “Stop all nudges” (or use your "
            "mail program's unsubscribe button): {stop_link}\n\n{organisation}\n",
        ),
        Kind(
            NUDGE_CHECKIN,
            "Nudge: check in on your commitment",
            "Sent 30 days after someone writes an if-then plan at the end of a module (and 30 "
            "days after each keep or change). The plan itself is never in the e-mail.",
            NUDGE_NAMES,
            ("link", "stop_link"),
            HR,
            "{organisation}: how is your plan from {module} going?",
            "Hello {name},\n\n"
            "A month ago, at the end of {module}, you wrote an if-then plan. How often have "
            "you acted on it? Two questions, and you decide whether to keep, change or close "
            "it. Only you can read your plan and your answers.\n\n"
            "Check in here (you may be asked to sign in first):\n{link}\n\n"
            "No more of these nudges? Open this link and press “Stop all nudges” (or use your "
            "mail program's unsubscribe button): {stop_link}\n\n{organisation}\n",
        ),
    )
}


class TextProblems(Exception):
    """A text that cannot be saved, with one message per field ("subject", "body")."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(problems.values()))
        self.problems = problems


def _names(text: str) -> tuple[list[str], list[str]]:
    """The placeholders a text uses, and what is wrong with its braces."""
    used: list[str] = []
    wrong: list[str] = []
    for match in TOKEN.finditer(text):
        token = match.group(0)
        if token in ("{{", "}}"):
            continue
        inner = match.group(1)
        if inner is None:
            wrong.append(f"a single “{token}” (write “{token}{token}” for a brace)")
        elif NAME.fullmatch(inner):
            used.append(inner)
        else:
            wrong.append(f"“{token[:50]}”, which is not a placeholder name")
    return used, wrong


def _listing(kind: Kind, names: tuple[str, ...]) -> str:
    return ", ".join("{" + n + "}" for n in names)


def _field_problem(kind: Kind, field: str, text: str) -> str | None:
    label = field.capitalize()
    if not text.strip():
        return f"{label}: fill this in."
    used, wrong = _names(text)
    if wrong:
        return f"{label}: {wrong[0]}."
    allowed = kind.names if field == "body" else tuple(n for n in kind.names if n not in LISTS)
    unknown = [n for n in used if n not in allowed]
    if unknown:
        where = "in the subject" if unknown[0] in LISTS else "in this e-mail"
        return (
            f"{label}: {{{unknown[0]}}} is not a placeholder you can use {where}. "
            f"You can use {_listing(kind, allowed)}."
        )
    needed = ("organisation",) if field == "subject" else kind.required
    for name in needed:
        if name not in used:
            why = PLACEHOLDERS[name]
            return f"{label}: put {{{name}}} in it ({why}); the {kind.title.lower()} needs it."
    return None


def check(kind: Kind, *, subject: str, body: str) -> None:
    """Refuse a text that names an unknown placeholder or leaves out a required one."""
    problems: dict[str, str] = {}
    if "\n" in subject or "\r" in subject:
        problems["subject"] = "Subject: keep it on one line."
    elif bad := breaking_characters(subject):
        problems["subject"] = (
            f"Subject: keep it on one line; remove the line break or control character "
            f"U+{ord(bad[0]):04X} (often pasted as a soft return or a tab)."
        )
    elif len(subject) > SUBJECT_MAX:
        problems["subject"] = f"Subject: use at most {SUBJECT_MAX} characters."
    elif problem := _field_problem(kind, "subject", subject):
        problems["subject"] = problem
    if len(body) > BODY_MAX:
        problems["body"] = f"Body: use at most {BODY_MAX} characters."
    elif problem := _field_problem(kind, "body", body):
        problems["body"] = problem
    if problems:
        raise TextProblems(problems)


# Where a text names the organisation, and how it reads without a name (see below).
_ORG = r"(?<!\{)\{organisation\}(?!\})"
_UNNAMED = (
    (
        re.compile(rf"^\s*{_ORG}\s*[:|\-\u2013\u2014]\s*"),
        "",
    ),  # "{organisation}: " leading a subject
    (re.compile(rf" (?:at|from|of) {_ORG}"), ""),  # "... at {organisation} has invited you"
    (re.compile(rf"^{_ORG}$", re.MULTILINE), "{course}"),  # a signature line
    (re.compile(_ORG), "{course}"),  # anywhere else: the course, never a made-up name
)


def without_organisation(text: str) -> str:
    """The text worded for an organisation that has not set its name yet.

    An e-mail from "Your organisation" reads like phishing (issue 17), so until an admin
    names the organisation its name is left out: "{organisation}: " before a subject and
    " at {organisation}" go, and a signature or any other use becomes the course's name.
    """
    for pattern, replacement in _UNNAMED:
        text = pattern.sub(replacement, text)
    return text


def fill(text: str, values: Mapping[str, str], *, one_line: bool = False) -> str:
    """The text with each placeholder replaced by its value (unknown ones by nothing)."""

    def value(match: re.Match[str]) -> str:
        token = match.group(0)
        if token in ("{{", "}}"):
            return token[0]
        found = values.get(match.group(1) or "", "")
        return " ".join(found.split()) if one_line else found

    return TOKEN.sub(value, text)
