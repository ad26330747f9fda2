"""Which addresses this server may call out to on an admin's say-so (webhooks, the SSO issuer).

Only public unicast addresses. An IPv6 address that carries an IPv4 one (IPv4-mapped
::ffff:a.b.c.d, IPv4-translated ::ffff:0:a.b.c.d (RFC 2765, SIIT), IPv4-compatible ::a.b.c.d,
NAT64 64:ff9b::/96, 6to4 2002::/16, Teredo 2001::/32, an ISATAP interface id ...:5efe:a.b.c.d)
reaches that IPv4 address through a gateway, so the IPv4 address is checked too;
the local-use NAT64 prefix 64:ff9b:1::/48 is never public. A host written as an IPv4 number
in any form a resolver accepts (2130706433, 0x7f000001, 0177.0.0.1, 127.1, full-width digits)
is read as the address it names, so it is checked when saved, not first at sending time.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import unicodedata

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_LOCAL_NAT64 = ipaddress.ip_network("64:ff9b:1::/48")
_COMPATIBLE = ipaddress.ip_network("::/96")
_TRANSLATED = ipaddress.ip_network("::ffff:0:0:0/96")
_ISATAP_MASK, _ISATAP = 0xFDFFFFFF, 0x00005EFE  # bits 32-63 of the address; u/l bit either way
_PART = re.compile(r"0x[0-9a-f]*|[0-9]+")
_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})


def is_public(address: Address) -> bool:
    """True for a globally reachable unicast address, with any IPv4 inside it public too."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return is_public(address.ipv4_mapped)
        if address in _LOCAL_NAT64 or address.is_site_local:
            return False
        inside = embedded_ipv4(address)
        if inside and not all(is_public(v4) for v4 in inside):
            return False
    return address.is_global and not address.is_multicast


def embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address leads to through a translator or tunnel."""
    if address.sixtofour is not None:
        return [address.sixtofour]
    if address.teredo is not None:
        return list(address.teredo)
    low = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address in _NAT64 or address in _COMPATIBLE or address in _TRANSLATED:
        return [low]
    if (int(address) >> 32) & _ISATAP_MASK == _ISATAP:
        return [low]
    return []


def host_address(host: str) -> Address | None:
    """The address a URL's host names when written as one (any IPv4 spelling), else None.

    ValueError when the host ends in a number but is no address: a resolver would still read
    it as one (or fail), never as a name.
    """
    text = unicodedata.normalize("NFKC", host).translate(_DOTS).strip().lower()
    try:
        return ipaddress.ip_address(text.strip("[]").split("%")[0])
    except ValueError:
        pass
    labels = text.removesuffix(".").split(".")
    if not _PART.fullmatch(labels[-1]):
        return None
    return ipaddress.IPv4Address(_ipv4_number(labels))


def _ipv4_number(labels: list[str]) -> int:
    """inet_aton's reading: up to four parts, each decimal, 0x hex or 0-led octal; the last
    part fills the bytes the others left."""
    if len(labels) > 4 or not all(_PART.fullmatch(label) for label in labels):
        raise ValueError("not an IPv4 address")
    numbers = [_part(label) for label in labels]
    last_bits = 8 * (5 - len(numbers))
    if any(n > 255 for n in numbers[:-1]) or numbers[-1] >= 1 << last_bits:
        raise ValueError("an IPv4 part is out of range")
    value = numbers[-1]
    for index, number in enumerate(numbers[:-1]):
        value |= number << (24 - 8 * index)
    return value


def _part(label: str) -> int:
    if label.startswith("0x"):
        return int(label[2:] or "0", 16)
    if len(label) > 1 and label.startswith("0"):
        if not label.isdigit() or "8" in label or "9" in label:
            raise ValueError("not an octal number")
        return int(label, 8)
    return int(label)


def resolved(host: str, port: int) -> list[Address]:
    """Every address the host's name resolves to now (OSError when it does not resolve)."""
    return [
        ipaddress.ip_address(str(info[4][0]).split("%")[0])
        for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    ]


def is_local_name(host: str) -> bool:
    """localhost and its subdomains: resolvers answer them with loopback without asking DNS."""
    name = host.lower().rstrip(".")
    return name == "localhost" or name.endswith(".localhost")


def written_refusal(host: str) -> str:
    """Why a URL's host is refused before any lookup: "number" (ends in a number but is no
    address), "inside" (localhost, or a non-public address in any spelling), or ""."""
    try:
        literal = host_address(host)
    except ValueError:
        return "number"
    return "inside" if is_local_name(host) or (literal and not is_public(literal)) else ""
