"""Webhook endpoints as an admin manages them: add (secret shown once), switch off and on,
the recent delivery log, and replaying one delivery. Every change is audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app import audit
from app.clock import utcnow
from app.errors import Invalid, NotFound
from app.events import addresses, signing
from app.events.feed import newest
from app.events.record import KINDS
from app.models import Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint

LOG_SIZE = 50
DESCRIPTION_MAX = 200


@dataclass(frozen=True)
class DeliveryRow:
    delivery: WebhookDelivery
    url: str
    kind: str
    milliseconds: int | None

    @property
    def state(self) -> str:
        d = self.delivery
        if d.delivered_at:
            return "delivered"
        if d.given_up_at:
            return "given up"
        return "retrying" if d.attempts else "waiting"


def create_endpoint(
    session: Session,
    *,
    url: str,
    kinds: list[str],
    description: str,
    actor_id: int | None,
    allow_private: bool,
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint and its signing secret (the only time the secret is shown).

    One endpoint per URL (a unique index): a second copy would receive every event twice, so
    an address already there, or added by a double click at the same moment, is refused.
    """
    problems = {}
    try:
        url = addresses.check_url(url, allow_private=allow_private)
    except Invalid as exc:
        problems["url"] = exc.message
    else:
        if session.exec(select(WebhookEndpoint.id).where(WebhookEndpoint.url == url)).first():
            problems["url"] = _already(url)
    if problem := _kinds_problem(kinds):
        problems["kinds"] = problem
    if len(description.strip()) > DESCRIPTION_MAX:
        problems["description"] = f"Use at most {DESCRIPTION_MAX} characters."
    if problems:
        raise EndpointInvalid(problems)
    secret = signing.new_secret()
    endpoint = WebhookEndpoint(
        url=url,
        description=description.strip(),
        kinds=_stored_kinds(kinds),
        secret=secret,
        after_seq=newest(session),  # from now on: an endpoint is not sent the past
        created_by_id=actor_id,
    )
    session.add(endpoint)
    audit.record(
        session, actor_id=actor_id, action="webhook.create", target=url, kinds=endpoint.kinds
    )
    try:
        session.commit()
    except IntegrityError as exc:  # the same URL added at the same moment: that one won
        session.rollback()
        raise EndpointInvalid({"url": _already(url)}) from exc
    session.refresh(endpoint)
    return endpoint, secret


def _already(url: str) -> str:
    return (
        f"URL: {url} is already an endpoint; edit its events in the Endpoints table "
        "instead of adding it again (each copy would be sent every event)."
    )


def _kinds_problem(kinds: list[str]) -> str:
    if unknown := [k for k in kinds if k not in KINDS and k != "*"]:
        return f"Unknown event kind(s): {', '.join(unknown)}."
    return "" if kinds else "Choose at least one kind of event."


def _stored_kinds(kinds: list[str]) -> str:
    return "*" if "*" in kinds else " ".join(k for k in KINDS if k in kinds)


def set_kinds(
    session: Session, *, endpoint_id: int, kinds: list[str], actor_id: int | None
) -> None:
    """Change which events an endpoint is sent (from the next event on; past ones stay)."""
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise NotFound("There is no webhook endpoint with that number.")
    if problem := _kinds_problem(kinds):
        raise EndpointInvalid({f"kinds-{endpoint_id}": problem})
    stored = _stored_kinds(kinds)
    if stored != endpoint.kinds:
        before, endpoint.kinds = endpoint.kinds, stored
        session.add(endpoint)
        audit.record(
            session, actor_id=actor_id, action="webhook.kinds", target=endpoint.url,
            before=before, after=stored,
        )  # fmt: skip
    session.commit()


class EndpointInvalid(Invalid):
    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__(" ".join(problems.values()))
        self.problems = problems


def set_active(session: Session, *, endpoint_id: int, active: bool, actor_id: int | None) -> None:
    """Switch an endpoint off, or on again (on: it gets what it missed, failures forgotten)."""
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise NotFound("There is no webhook endpoint with that number.")
    if endpoint.active != active:
        endpoint.active = active
        endpoint.failing_since = None
        endpoint.disabled_reason = "" if active else "Switched off by an admin."
        session.add(endpoint)
        action = "webhook.enable" if active else "webhook.disable"
        audit.record(session, actor_id=actor_id, action=action, target=endpoint.url)
    session.commit()


def replay(session: Session, *, delivery_id: int, actor_id: int | None) -> WebhookDelivery:
    """Send one delivery again, as it was (same webhook-id), at the sender's next pass."""
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        raise NotFound("There is no webhook delivery with that number.")
    endpoint = session.get(WebhookEndpoint, delivery.endpoint_id)
    if endpoint is None or not endpoint.active:
        raise Invalid("That endpoint is switched off; switch it on before replaying to it.")
    session.execute(
        update(WebhookDelivery)
        .where(col(WebhookDelivery.id) == delivery_id)
        .values(
            delivered_at=None,
            given_up_at=None,
            attempts=0,
            next_attempt_at=utcnow(),
            claimed_until=None,
            claimed_by="",  # a send still in flight no longer owns the row's outcome
        )
    )
    audit.record(
        session,
        actor_id=actor_id,
        action="webhook.replay",
        target=endpoint.url,
        delivery_id=delivery_id,
        event_seq=delivery.event_seq,
    )
    session.commit()
    session.refresh(delivery)
    return delivery


def endpoints(session: Session) -> list[WebhookEndpoint]:
    return list(session.exec(select(WebhookEndpoint).order_by(col(WebhookEndpoint.id))))


def recent_deliveries(session: Session, *, limit: int = LOG_SIZE) -> list[DeliveryRow]:
    """The latest deliveries, newest first, each with its last try's response time."""
    rows = session.exec(
        select(WebhookDelivery, WebhookEndpoint.url, Event.kind)
        .join(WebhookEndpoint, col(WebhookEndpoint.id) == WebhookDelivery.endpoint_id)
        .join(Event, col(Event.seq) == WebhookDelivery.event_seq)
        .order_by(col(WebhookDelivery.id).desc())
        .limit(limit)
    ).all()
    ids = [d.id for d, _, _ in rows]
    last: dict[int, tuple[datetime, int]] = {}
    for delivery_id, at, ms in session.exec(
        select(WebhookAttempt.delivery_id, WebhookAttempt.at, WebhookAttempt.milliseconds).where(
            col(WebhookAttempt.delivery_id).in_(ids)
        )
    ):
        if delivery_id not in last or at >= last[delivery_id][0]:
            last[delivery_id] = (at, ms)
    return [
        DeliveryRow(d, url, kind, last[d.id][1] if d.id in last else None) for d, url, kind in rows
    ]
