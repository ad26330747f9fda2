"""The confirmation after assigning, one wording for the people table and the Assignments page,
with every count in the right number ("1 was", "2 were"; outside test F14, retest R9)."""

from __future__ import annotations

from datetime import date


def counted(n: int, one: str, many: str | None = None) -> str:
    """ "1 person", "2 people", "1,000 new assignments"."""
    return f"{n:,} {one if n == 1 else many or one + 's'}"


def people_text(n: int) -> str:
    return counted(n, "person", "people")


def already(count: int, *, restarted: bool) -> str:
    """The sentence about assignments that existed; true also when a new cycle moved some.

    Retest R9: "their due dates are unchanged" was said of the assignments a new cycle had
    just reopened with the new date.
    """
    were = "was" if count == 1 else "were"
    if not restarted:
        kept = "its due date is" if count == 1 else "their due dates are"
        return f"{count:,} {were} already assigned; {kept} unchanged."
    its = "its due date is" if count == 1 else "their due dates are"
    return f"{count:,} {were} already assigned: {its} unchanged for people still working on them."


def assigned_message(
    *,
    people_count: int,
    created: int,
    unchanged: int,
    cycles: int,
    due: date | None,
    modules: int = 0,
) -> str:
    """What an assignment did: new ones, ones already there, and cycles restarted."""
    due_text = f" due {due:%-d %b %Y}" if due else ""
    what = f" {counted(modules, 'module')}" if modules else ""
    restarted = (
        f" {people_text(cycles)} who had finished started a new recertification cycle: every "
        "module assigned to them is open again (not only the ones chosen), due on that date; "
        "their earlier completions and certificates stay in their history."
        if cycles
        else ""
    )
    return (
        f"Assigned{what} to {people_text(people_count)}: {counted(created, 'new assignment')}"
        f"{due_text}. {already(unchanged, restarted=cycles > 0)}{restarted}"
    )
