"""Where webhooks may go: http(s) URLs to public addresses only (an admin is no proxy to the LAN).

A URL is checked when it is saved (scheme, host, no credentials, no private address written
as a literal) and again at every delivery, after resolving its name: the request then goes
to the very address that was checked (the URL's host is replaced by it, with the name kept
in the Host header and for TLS), so a name that resolves to a public address when checked
and to 127.0.0.1 a moment later (DNS rebinding) cannot reach the inside. Loopback, private,
link-local and other non-global addresses (also inside IPv6, and IPv4 written as a number:
app/public_ip.py) are refused unless ALLYSHIP_WEBHOOK_ALLOW_PRIVATE_ADDRESSES is set (tests, a
lab; never in production).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from app.errors import Invalid
from app.public_ip import is_public, resolved, written_refusal

URL_MAX = 2000


@dataclass(frozen=True)
class Target:
    """A checked URL to request: its address pinned, the name kept for Host and TLS."""

    url: str
    host_header: str
    sni_hostname: str | None


def check_url(url: str, *, allow_private: bool) -> str:
    """The URL as it will be stored; Invalid with a reason when it may not receive webhooks."""
    url = url.strip()
    # Counted in UTF-8 bytes: the URL is a unique index key, which PostgreSQL caps in bytes.
    if not url or len(url.encode()) > URL_MAX:
        raise Invalid(
            f"URL: give an address of 1 to {URL_MAX} characters (a letter outside A-Z counts "
            "as 2 to 4)."
        )
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http"):
        raise Invalid("URL: only http:// and https:// addresses can receive webhooks.")
    if not parts.hostname:
        raise Invalid("URL: the address has no host name.")
    if parts.username is not None or parts.password is not None:
        raise Invalid("URL: leave user names and passwords out; every request is signed.")
    try:
        _ = parts.port
    except ValueError as exc:
        raise Invalid("URL: the port is not a number from 1 to 65535.") from exc
    refusal = "" if allow_private else written_refusal(parts.hostname)
    if refusal == "number":
        raise Invalid("URL: the host ends in a number but is not an IP address.")
    if refusal:
        raise Invalid(
            "URL: that is a loopback or private address; webhooks go to public addresses only."
        )
    return urlunsplit(parts._replace(fragment=""))


def resolve(url: str, *, allow_private: bool) -> Target:
    """Resolve the URL's host and pin the request to an allowed address (OSError if none)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    allowed = [a for a in resolved(host, port) if allow_private or is_public(a)]
    if not allowed:
        raise OSError(f"{host} resolves only to loopback or private addresses, which are refused")
    address = allowed[0]
    shown = f"[{address}]" if address.version == 6 else str(address)
    netloc = f"{shown}:{parts.port}" if parts.port else shown
    return Target(
        url=urlunsplit(parts._replace(netloc=netloc)),
        host_header=parts.netloc.rsplit("@", 1)[-1],
        sni_hostname=host if parts.scheme == "https" and _literal(host) is None else None,
    )


def _literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None
