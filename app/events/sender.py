"""The webhook sender: fans events out to endpoints, then delivers them, signed, with retries.

It follows the events feed as an HR system would: for each active endpoint it reads the
events after the endpoint's `after_seq` (commit order, so none is skipped), adds a delivery
row per matching event (unique per endpoint and event, so two senders add it once) and moves
`after_seq` on with a compare-and-set. A delivery is then claimed with one conditional UPDATE
(undelivered, due, not given up, no live claim), so several senders never send one row at
once; no transaction is open while the receiver is talked to. A 2xx answer delivers it;
anything else (an error, a timeout, a redirect, which is never followed) is retried after
`webhook_retry_seconds`, doubling, at most 6 hours apart, and given up after
`webhook_max_attempts`. An endpoint that has failed without a success for
`webhook_disable_after_days` days is disabled (audited) and stops receiving.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, Engine, func, or_, update
from sqlmodel import Session, col, select

from app import audit
from app.clock import utcnow
from app.config import Settings
from app.db import insert_ignore, write_session
from app.events import addresses, signing
from app.events.feed import payload
from app.models import Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint, row_id

if TYPE_CHECKING:  # imported where a delivery is sent: most workers never send one
    import httpx

log = logging.getLogger("allyship.webhooks")
BATCH = 50
FAN_OUT_BATCH = 500
MAX_BACKOFF = timedelta(hours=6)
BODY_KEPT = 1024  # of a receiver's answer we read this much, then hang up


def lease(settings: Settings) -> timedelta:
    """How long a claim holds: well beyond one request's timeout."""
    return timedelta(seconds=max(120.0, 6 * settings.webhook_timeout_seconds))


def backoff(settings: Settings, attempts: int) -> timedelta:
    seconds = settings.webhook_retry_seconds * 2 ** max(attempts - 1, 0)
    return min(timedelta(seconds=seconds), MAX_BACKOFF)


def wants(kinds: str, kind: str) -> bool:
    chosen = kinds.split()
    return "*" in chosen or kind in chosen


def fan_out(session: Session) -> int:
    """Add deliveries for events past each active endpoint's place; how many were added."""
    added = 0
    endpoints = session.exec(select(WebhookEndpoint).where(col(WebhookEndpoint.active))).all()
    for endpoint in endpoints:
        events = session.exec(
            select(Event.seq, Event.kind)
            .where(col(Event.seq) > endpoint.after_seq)
            .order_by(col(Event.seq))
            .limit(FAN_OUT_BATCH)
        ).all()
        if not events:
            continue
        now = utcnow()
        rows = [
            {
                "endpoint_id": endpoint.id,
                "event_seq": seq,
                "created_at": now,
                "next_attempt_at": now,
            }
            for seq, kind in events
            if seq is not None and wants(endpoint.kinds, kind)
        ]
        insert_ignore(session, WebhookDelivery, rows, ["endpoint_id", "event_seq"])
        session.execute(
            update(WebhookEndpoint)
            .where(
                col(WebhookEndpoint.id) == endpoint.id,
                col(WebhookEndpoint.after_seq) == endpoint.after_seq,
            )
            .values(after_seq=events[-1][0])
        )
        added += len(rows)
    session.commit()
    return added


def _claimable(settings: Settings, now: datetime) -> list[ColumnElement[bool]]:
    active = select(WebhookEndpoint.id).where(col(WebhookEndpoint.active))
    return [
        col(WebhookDelivery.delivered_at).is_(None),
        col(WebhookDelivery.given_up_at).is_(None),
        col(WebhookDelivery.next_attempt_at) <= now,
        col(WebhookDelivery.endpoint_id).in_(active),
        or_(
            col(WebhookDelivery.claimed_until).is_(None),
            col(WebhookDelivery.claimed_until) < now,
        ),
    ]


def due(session: Session, settings: Settings) -> list[int]:
    rows = session.exec(
        select(WebhookDelivery.id)
        .where(*_claimable(settings, utcnow()))
        .order_by(col(WebhookDelivery.next_attempt_at), col(WebhookDelivery.id))
        .limit(BATCH)
    ).all()
    session.commit()
    return [r for r in rows if r is not None]


def claim(session: Session, settings: Settings, *, delivery_id: int, holder: str) -> bool:
    """Take one delivery for `holder`; False when another sender has it or it is done."""
    now = utcnow()
    taken = session.exec(
        update(WebhookDelivery)
        .where(col(WebhookDelivery.id) == delivery_id, *_claimable(settings, now))
        .values(claimed_until=now + lease(settings), claimed_by=holder)
    ).rowcount
    session.commit()
    return taken == 1


def deliver(
    session: Session, settings: Settings, client: httpx.Client, *, delivery_id: int, holder: str
) -> int | None:
    """Send one claimed delivery; the HTTP status (None when no answer came)."""
    delivery = session.get(WebhookDelivery, delivery_id, populate_existing=True)
    if delivery is None or delivery.claimed_by != holder:
        session.commit()
        return None
    endpoint = session.get(WebhookEndpoint, delivery.endpoint_id)
    event = session.get(Event, delivery.event_seq)
    session.commit()
    if endpoint is None or event is None:
        return None
    body = json.dumps(payload(event), separators=(",", ":")).encode()
    headers = signing.headers(
        endpoint.secret, msg_id=f"msg_{event.seq}", timestamp=int(time.time()), body=body
    )
    started = time.perf_counter()
    status, error = _post(settings, client, endpoint.url, headers, body)
    ms = int((time.perf_counter() - started) * 1000)
    _finish(session, settings, delivery, endpoint, holder=holder, status=status, error=error, ms=ms)
    return status


def _post(
    settings: Settings, client: httpx.Client, url: str, headers: dict[str, str], body: bytes
) -> tuple[int | None, str]:
    """POST once; (status, "") for a 2xx, else (status or None, why it failed)."""
    import httpx

    try:
        target = addresses.resolve(url, allow_private=settings.webhook_allow_private_addresses)
        with client.stream(
            "POST",
            target.url,
            content=body,
            headers=headers | {"host": target.host_header},
            extensions={"sni_hostname": target.sni_hostname} if target.sni_hostname else {},
            follow_redirects=False,
        ) as response:
            for _ in response.iter_bytes(BODY_KEPT):
                break  # the answer's body is not needed: a huge one is never read whole
            status = response.status_code
            if 200 <= status < 300:
                return status, ""
            if response.is_redirect:
                where = response.headers.get("location", "")[:200]
                return status, f"redirect to {where} not followed: give the final URL"
            return status, f"HTTP {status}"
    except httpx.TimeoutException:
        return None, f"no answer within {settings.webhook_timeout_seconds:g} s"
    except (httpx.HTTPError, OSError, ValueError) as exc:
        return None, f"{type(exc).__name__}: {exc}"[:500]


def _finish(
    session: Session,
    settings: Settings,
    delivery: WebhookDelivery,
    endpoint: WebhookEndpoint,
    *,
    holder: str,
    status: int | None,
    error: str,
    ms: int,
) -> None:
    now = utcnow()
    mine = [col(WebhookDelivery.id) == delivery.id, col(WebhookDelivery.claimed_by) == holder]
    session.add(
        WebhookAttempt(
            delivery_id=row_id(delivery), at=now, status=status, milliseconds=ms, error=error
        )
    )
    if not error:
        session.execute(
            update(WebhookDelivery)
            .where(*mine)
            .values(
                delivered_at=now,
                attempts=WebhookDelivery.attempts + 1,
                last_status=status,
                last_error="",
                claimed_until=None,
            )
        )
        session.execute(
            update(WebhookEndpoint)
            .where(col(WebhookEndpoint.id) == endpoint.id)
            .values(failing_since=None)
        )
        session.commit()
        return
    attempts = delivery.attempts + 1
    session.execute(
        update(WebhookDelivery)
        .where(*mine)
        .values(
            attempts=WebhookDelivery.attempts + 1,
            last_status=status,
            last_error=error[:500],
            next_attempt_at=now + backoff(settings, attempts),
            given_up_at=now if attempts >= settings.webhook_max_attempts else None,
            claimed_until=None,
        )
    )
    failing_since = endpoint.failing_since or now
    if endpoint.failing_since is None:
        session.execute(
            update(WebhookEndpoint)
            .where(
                col(WebhookEndpoint.id) == endpoint.id, col(WebhookEndpoint.failing_since).is_(None)
            )
            .values(failing_since=now)
        )
    elif now - failing_since >= timedelta(days=settings.webhook_disable_after_days):
        reason = (
            f"Disabled on {now:%-d %b %Y}: every delivery failed for "
            f"{settings.webhook_disable_after_days} days (last: {error[:120]})."
        )
        disabled = session.exec(
            update(WebhookEndpoint)
            .where(col(WebhookEndpoint.id) == endpoint.id, col(WebhookEndpoint.active))
            .values(active=False, disabled_reason=reason)
        ).rowcount
        if disabled:
            audit.record(
                session, actor_id=None, action="webhook.disable", target=endpoint.url, reason=reason
            )
    session.commit()
    log.warning("webhook not delivered delivery=%s: %s", delivery.id, error)


def work_waiting(session: Session, settings: Settings) -> bool:
    """Whether an active endpoint is behind the feed or a delivery is due (a read only)."""
    newest = select(func.max(Event.seq)).scalar_subquery()
    behind = session.exec(
        select(WebhookEndpoint.id).where(
            col(WebhookEndpoint.active), col(WebhookEndpoint.after_seq) < newest
        )
    ).first()
    return behind is not None or bool(due(session, settings))


def drain(
    session: Session, settings: Settings, *, stop: threading.Event | None = None
) -> dict[str, int]:
    """One pass: fan out new events, then send every delivery due; counts of each outcome."""
    import httpx  # here rather than at the top: httpx brings rich and pygments (its CLI)

    holder = uuid.uuid4().hex
    counts = {"added": fan_out(session), "delivered": 0, "failed": 0}
    with httpx.Client(timeout=settings.webhook_timeout_seconds, follow_redirects=False) as client:
        for delivery_id in due(session, settings):
            if stop is not None and stop.is_set():
                break
            if not claim(session, settings, delivery_id=delivery_id, holder=holder):
                continue
            status = deliver(session, settings, client, delivery_id=delivery_id, holder=holder)
            ok = status is not None and 200 <= status < 300
            counts["delivered" if ok else "failed"] += 1
    return counts


class WebhookSender:
    """A daemon thread that runs `drain` every few seconds until `close`."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine, self.settings = engine, settings
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="webhook-sender", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=self.settings.webhook_timeout_seconds + 5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with Session(self.engine) as reading:  # polls read; only work takes the write lock
                    waiting = work_waiting(reading, self.settings)
                if waiting:
                    with write_session(self.engine) as session:
                        drain(session, self.settings, stop=self._stop)
            except Exception:
                log.exception("webhook sender: a pass failed; trying again at the next poll")
            self._stop.wait(self.settings.webhook_poll_seconds)
