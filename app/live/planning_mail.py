"""E-mails of planned sessions: invitations with a calendar object, and the summary afterwards.

Queued through the outbox in the caller's transaction; the background sender delivers them.
The summary carries exactly what the summary page shows: released distributions only (the
small-group rule of app/live/released.py), never a person's vote.
"""

from __future__ import annotations

from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from sqlmodel import Session

from app.clock import utcnow
from app.config import Settings
from app.content.catalog import Catalog
from app.errors import NotFound
from app.live import summary
from app.live.planning_ics import CANCEL, REQUEST, Invitation, calendar
from app.live.results import HIDDEN_NOTE
from app.mail.mailer import Message
from app.mail.outbox import queue_message
from app.mail.stored_texts import fixed_subject
from app.models import LivePlan, LiveSession, User, row_id

INVITATION = "live-invitation"
SUMMARY = "live-summary"


def _title(catalog: Catalog, module_id: str) -> str:
    module = catalog.get(module_id)
    return module.title if module else module_id


def zone_of(name: str) -> ZoneInfo:
    """The organisation's zone ("" or an unknown name: UTC, which the settings page refuses)."""
    try:
        return ZoneInfo(name or "UTC")
    except (ValueError, KeyError):
        return ZoneInfo("UTC")


def when(plan: LivePlan) -> str:
    """The start in the plan's zone, e.g. "Thursday 10 December 2026, 09:30 (Europe/London)"."""
    zone = zone_of(plan.time_zone)
    local = plan.starts_at.astimezone(zone)
    return f"{local:%A} {local.day} {local:%B %Y, %H:%M} ({zone.key})"


def _uid(settings: Settings, plan: LivePlan) -> str:
    host = urlsplit(settings.public_url).hostname or "allyship.local"
    return f"group-session-plan-{plan.id}@{host}"


def _invitation(
    settings: Settings, catalog: Catalog, plan: LivePlan, runner: User, to: User
) -> Invitation:
    title = _title(catalog, plan.module_id)
    return Invitation(
        uid=_uid(settings, plan),
        sequence=plan.sequence,
        starts_at=plan.starts_at,
        minutes=plan.minutes,
        summary=f"Group session: {title}",
        description=(
            f"{runner.name} runs a group session on {title}. On the day, open "
            f"{settings.public_url}/j and enter the code shown on the screen. "
            "Votes are anonymous."
        ),
        organizer_name=runner.name,
        organizer_email=runner.email,
        attendee_name=to.name,
        attendee_email=to.email,
        url=f"{settings.public_url}/j",
    )


def _queue(
    session: Session,
    catalog: Catalog,
    settings: Settings,
    *,
    plan: LivePlan,
    to: list[User],
    method: str,
) -> None:
    runner = session.get(User, plan.facilitator_id)
    if runner is None or not to:
        return
    title, at, stamp = _title(catalog, plan.module_id), when(plan), utcnow()
    for person in to:
        if not person.active:
            continue
        invite = _invitation(settings, catalog, plan, runner, person)
        if method == CANCEL:
            subject = fixed_subject(session, settings, f"Cancelled: group session on {title}, {at}")
            body = (
                f"Hello {person.name},\n\nThe group session on {title} planned for {at} "
                f"is cancelled{'' if plan.cancelled_at else ' for you'}. The attached calendar "
                f"update removes it from your calendar.\n\n{runner.name}\n"
            )
        else:
            update = " (updated)" if plan.sequence else ""
            words = f"Invitation{update}: group session on {title}, {at}"
            subject = fixed_subject(session, settings, words)
            body = (
                f"Hello {person.name},\n\n{runner.name} invites you to a group session on "
                f"{title}: {at}, {plan.minutes} minutes.\n\nOn the day, open "
                f"{settings.public_url}/j on your phone and enter the code shown on the "
                "screen. Your votes are anonymous. If you sign in and choose to record "
                "that you attended, the session appears on your learning record.\n\n"
                "The attached invitation adds it to your calendar.\n"
            )
        ics = calendar(invite, method=method, stamp=stamp)
        message = Message(to=person.email, subject=subject, body=body, calendar=ics)
        queue_message(session, message, kind=INVITATION)


def queue_invitations(
    session: Session, catalog: Catalog, settings: Settings, *, plan: LivePlan, to: list[User]
) -> None:
    """METHOD:REQUEST at the plan's current SEQUENCE to each active person in `to`."""
    _queue(session, catalog, settings, plan=plan, to=to, method=REQUEST)


def queue_cancellations(
    session: Session, catalog: Catalog, settings: Settings, *, plan: LivePlan, to: list[User]
) -> None:
    """METHOD:CANCEL at the plan's current SEQUENCE to each active person in `to`."""
    _queue(session, catalog, settings, plan=plan, to=to, method=CANCEL)


def queue_summary(
    session: Session, catalog: Catalog, settings: Settings, *, live: LiveSession
) -> bool:
    """Queue the ended session's summary to its facilitator (False if it was never held)."""
    runner = session.get(User, live.facilitator_id)
    if live.ended_at is None or live.started_at is None or runner is None or not runner.active:
        return False
    try:
        record = summary.session_summary(session, catalog, user=runner, session_id=row_id(live))
    except NotFound:  # the module left the course: the ended session stays as it is
        return False
    lines = [
        f"Hello {runner.name},",
        "",
        f"Your group session on {record.module.title} ({record.held_on:%d %B %Y}) has ended.",
        f"{record.participants} {'person' if record.participants == 1 else 'people'} joined.",
        "",
    ]
    for result in record.results:
        shares = result.distribution.shares
        lines.append(f"{result.scenario.title}: {result.distribution.total} voted")
        if shares is None:
            lines.append(f"  {HIDDEN_NOTE} (fewer than {record.min_group} votes are never shown).")
        for share in shares or ():
            best = "  (the strongest response)" if share.best else ""
            lines.append(f"  {share.percent}% ({share.count}): {share.choice.text}{best}")
        lines.append("")
    lines.append(f"The full summary: {settings.public_url}/live/{live.id}/summary")
    message = Message(
        to=runner.email,
        subject=fixed_subject(
            session, settings, f"Summary: group session on {record.module.title}"
        ),
        body="\n".join(lines) + "\n",
    )
    queue_message(session, message, kind=SUMMARY)
    session.commit()
    return True
