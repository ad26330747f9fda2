"""What each role can see about a learner, declared once: the privacy page lists exactly this.

tests/team/test_privacy_page.py reads the HR person page and the team page and fails when
either shows a field (a column or a labelled fact) that the privacy page does not list.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.privacy import MIN_GROUP


@dataclass(frozen=True)
class Seen:
    label: str  # exactly as the page that shows it labels it
    meaning: str


HR_SEES: tuple[Seen, ...] = (
    Seen("Name", "your name"),
    Seen("Email", "your work e-mail address"),
    Seen("Employee id", "the id your organisation's people file gives you"),
    Seen("Department", "your department"),
    Seen("Manager", "who you report to"),
    Seen("Role", "your role in this course (learner, facilitator, HR or admin)"),
    Seen("Account", "whether you have been invited, have signed in, or have left"),
    Seen("Module", "each module you were asked to take or took"),
    Seen(
        "Status",
        "whether you have started, completed or are overdue on it, and whether an update "
        "to the module reopened it for you (your earlier completion is kept)",
    ),
    Seen(
        "Assigned",
        "when it was assigned to you (in a later round: the day that round started)",
    ),
    Seen("Due", "when it is due"),
    Seen("Lesson read", "when you opened the lesson"),
    Seen("Attempts", "how many quiz attempts you made"),
    Seen("First score", "your first quiz score"),
    Seen("Best score", "your best quiz score"),
    Seen("Completed", "when you completed the module"),
    Seen("Submitted", "when you submitted each quiz attempt"),
    Seen("Score", "the score of each quiz attempt"),
    Seen("Result", "whether each attempt passed"),
    Seen("Scenarios asked", "which scenarios each attempt asked (not how you answered them)"),
    # Recertification (app/recert): when the course is to be taken again.
    Seen("Cycle", "which round of the course you are in, when it is taken again"),
    Seen("Started", "when each round started"),
    Seen("Modules completed", "each module you completed in each round, with its date"),
    Seen("Certificate", "the certificate of each round you finished"),
    Seen("Valid until", "until when your completion counts, before the course is due again"),
    # Group sessions you chose to record attending while signed in (app/hr/sessions.py).
    Seen("Session date", "the date of each group session you recorded attending"),
    Seen("Facilitator", "who ran that session"),
    Seen("Counted", "whether the session counted as reading that module's lesson"),
)

MANAGER_SEES: tuple[Seen, ...] = (
    Seen("Name", "your name"),
    Seen("Reports to", "who you report to"),
    Seen("Module", "each module assigned to you"),
    Seen("Assigned", "when it was assigned"),
    Seen("Due", "when it is due"),
    Seen("Status", "not started, in progress (you opened the lesson), overdue or complete"),
    Seen("Completed", "when you completed it"),
)

FACILITATOR_SEES: tuple[Seen, ...] = (
    Seen(
        "Votes of a session, added up",
        f"how many people in the room chose each answer, shown only once {MIN_GROUP} or more "
        "people have voted; never who voted for what",
    ),
    Seen("How many people joined", "the number of people in the session, not who they are"),
)

NOBODY_SEES: tuple[str, ...] = (
    "your reflections (only you can read them)",
    "how you voted in a group session",
    "the commitments you write at the end of a group session",
    f"how you answered each quiz scenario (HR sees only figures added up over {MIN_GROUP} or more "
    "people)",
)
