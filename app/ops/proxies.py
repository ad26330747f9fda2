"""Which proxies are trusted, and the record of X-Forwarded-For from peers that are not.

Behind a proxy that uvicorn does not trust, every person's address is the proxy's, and
sign-in throttling (app/auth/throttle.py) treats the whole organisation as one address.
Uvicorn replaces the client address with one from X-Forwarded-For only for a trusted peer,
so a request whose client address is not in its own X-Forwarded-For came through an
untrusted proxy (or forged the header). Sign-ins record such peers in `proxysighting`;
`allyship check-deploy` reads them.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from datetime import timedelta

from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from app.clock import utcnow
from app.db import conflict_insert
from app.models import ProxySighting

RECENT = timedelta(days=30)


def is_trusted(peer: str, trusted_proxies: str) -> bool:
    """Whether `peer` matches ALLYSHIP_TRUSTED_PROXIES (addresses, networks or "*")."""
    entries = [e.strip() for e in trusted_proxies.split(",") if e.strip()]
    if "*" in entries:
        return True
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return peer in entries
    for entry in entries:
        try:
            if address in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


def untrusted_forwarder(
    client: tuple[str, int] | None, headers: Mapping[str, str]
) -> tuple[str, str] | None:
    """(peer, X-Forwarded-For) when the header came from a peer uvicorn did not trust."""
    forwarded = headers.get("x-forwarded-for", "")
    if not forwarded or client is None:
        return None
    hops = {hop.strip() for hop in forwarded.split(",")}
    return None if client[0] in hops else (client[0][:64], forwarded[:200])


def record_sighting(session: Session, *, sighting: tuple[str, str]) -> None:
    """Remember (or refresh) an untrusted forwarding peer; no commit."""
    peer, header = sighting
    now = utcnow()
    changed = session.exec(
        update(ProxySighting)
        .where(col(ProxySighting.peer) == peer)
        .values(header=header, last_seen_at=now)
    ).rowcount
    if not changed:
        session.exec(
            conflict_insert(session, ProxySighting)
            .values(peer=peer, header=header, last_seen_at=now)
            .on_conflict_do_nothing(index_elements=["peer"])
        )


def sighting_problems(engine: Engine, trusted_proxies: str) -> list[str]:
    """One problem per recently seen forwarding peer that is still not trusted."""
    with Session(engine) as session:
        rows = session.exec(
            select(ProxySighting).where(col(ProxySighting.last_seen_at) >= utcnow() - RECENT)
        ).all()
    return [
        f"sign-ins arrived through a proxy at {row.peer} that is not trusted (X-Forwarded-For: "
        f"{row.header}; last seen {row.last_seen_at:%Y-%m-%d %H:%M} UTC): every person behind "
        "it shares one address for sign-in throttling. Add it to ALLYSHIP_TRUSTED_PROXIES and "
        "start the app with `allyship serve` (which passes --proxy-headers "
        "--forwarded-allow-ips)"
        for row in rows
        if not is_trusted(row.peer, trusted_proxies)
    ]
