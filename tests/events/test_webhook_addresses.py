"""Webhook addresses: IPv4 hidden inside IPv6 (NAT64, 6to4, Teredo, compatible, mapped) and IPv4
written as a number are checked like plain IPv4, when saved and again when sending."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from sqlmodel import Session, select

from app.config import Settings
from app.db import write_session
from app.events import sender, webhooks
from app.models import WebhookDelivery, WebhookEndpoint
from app.public_ip import embedded_ipv4, host_address, is_public
from tests.conftest import csrf_from
from tests.events.conftest import assign
from tests.events.receiver import Receiver, receiver
from tests.factories import make_user
from tests.hr.conftest import signed_in_as

INSIDE_IN_IPV6 = [
    "http://[64:ff9b::7f00:1]/",  # NAT64 well-known prefix to 127.0.0.1
    "http://[64:ff9b::a00:5]/",  # NAT64 to 10.0.0.5
    "http://[64:ff9b::a9fe:a9fe]/latest/meta-data/",  # NAT64 to 169.254.169.254
    "http://[64:ff9b:1::808:808]/",  # local-use NAT64 prefix: never public
    "http://[2002:7f00:1::]/",  # 6to4 of 127.0.0.1
    "http://[2002:c0a8:101::1]/",  # 6to4 of 192.168.1.1
    "http://[::127.0.0.1]:8199/v4compat",  # IPv4-compatible
    "http://[::a9fe:a9fe]/",
    "http://[::ffff:127.0.0.1]/",  # IPv4-mapped, both spellings
    "http://[::ffff:a9fe:a9fe]/",
    "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/",  # Teredo, client 127.0.0.1
    "http://[fec0::1]/",  # site-local
    "http://[::ffff:0:7f00:1]/",  # IPv4-translated (RFC 2765, SIIT) of 127.0.0.1
    "http://[::ffff:0:169.254.169.254]/",
    "http://[2606:4700::5efe:a00:5]/",  # ISATAP interface id of 10.0.0.5
    "http://[2606:4700::200:5efe:7f00:1]/",  # ISATAP, universal bit set
]
IPV4_AS_NUMBER = [
    "http://2130706433/",
    "http://0x7f000001/",
    "http://0177.0.0.1/",
    "http://127.1/",
    "http://0/",
    "http://10.0x1.1/",
    "http://\uff11\uff12\uff17.0.0.1/",  # full-width digits
    "http://127\u30020\u30020\u30021/",  # ideographic full stops
    "http://169.254.43518/",
    "http://LOCALHOST./",
    "http://api.localhost/",
]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"webhook_allow_private_addresses": False, "webhook_timeout_seconds": 1.0}
    )


@pytest.fixture
def hook() -> Iterator[Receiver]:
    with receiver() as server:
        yield server


def save(session: Session, url: str, *, allow_private: bool = False) -> WebhookEndpoint:
    made, _ = webhooks.create_endpoint(
        session, url=url, kinds=["*"], description="", actor_id=None, allow_private=allow_private
    )
    return made


@pytest.mark.parametrize("url", INSIDE_IN_IPV6 + IPV4_AS_NUMBER)
def test_an_inside_address_in_any_spelling_is_refused_when_saved(
    session: Session, url: str
) -> None:
    with pytest.raises(webhooks.EndpointInvalid) as refused:
        save(session, url)
    assert "loopback or private address" in refused.value.problems["url"]


@pytest.mark.parametrize(
    "url", ["http://example.123/", "http://08.1.1.1/", "http://1.2.3.4.5/", "http://256.1.1.1/"]
)
def test_a_host_ending_in_a_number_that_is_no_address_is_refused(
    session: Session, url: str
) -> None:
    with pytest.raises(webhooks.EndpointInvalid) as refused:
        save(session, url)
    assert "ends in a number" in refused.value.problems["url"]


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.example.com/allyship",
        "http://[64:ff9b::808:808]/",  # NAT64 to a public address
        "http://[2002:808:808::1]/",  # 6to4 of a public address
        "http://[2606:4700:4700::1111]/",
        "http://134744072/",  # 8.8.8.8 as a number
        "http://hooks.example.com./x",
    ],
)
def test_public_addresses_are_still_saved(session: Session, url: str) -> None:
    assert save(session, url).url == url


@pytest.mark.parametrize(
    ("written", "address"),
    [
        ("2130706433", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("0300.0250.1.1", "192.168.1.1"),
        ("10.1", "10.0.0.1"),
        ("4294967295", "255.255.255.255"),
        ("[::1]", "::1"),
        ("fe80::1%eth0", "fe80::1"),
        ("hooks.example.com", None),
    ],
)
def test_host_address_reads_what_a_resolver_would(written: str, address: str | None) -> None:
    found = host_address(written)
    assert (str(found) if found else None) == address


def test_the_ipv4_inside_each_ipv6_form_is_found() -> None:
    v6 = ipaddress.IPv6Address
    assert embedded_ipv4(v6("64:ff9b::a00:5")) == [ipaddress.IPv4Address("10.0.0.5")]
    assert embedded_ipv4(v6("2002:a00:5::")) == [ipaddress.IPv4Address("10.0.0.5")]
    assert embedded_ipv4(v6("::a00:5")) == [ipaddress.IPv4Address("10.0.0.5")]
    assert ipaddress.IPv4Address("127.0.0.1") in embedded_ipv4(
        v6("2001:0:4136:e378:8000:63bf:80ff:fffe")
    )
    assert embedded_ipv4(v6("::ffff:0:a00:5")) == [ipaddress.IPv4Address("10.0.0.5")]
    assert embedded_ipv4(v6("2606:4700::5efe:a00:5")) == [ipaddress.IPv4Address("10.0.0.5")]
    assert embedded_ipv4(v6("2606:4700:4700::1111")) == []
    assert not is_public(v6("::")) and not is_public(v6("::1"))


@pytest.mark.parametrize("url", INSIDE_IN_IPV6[:3] + INSIDE_IN_IPV6[4:8])
def test_an_endpoint_saved_earlier_is_refused_when_sending(
    app: FastAPI, session: Session, settings: Settings, hook: Receiver, url: str
) -> None:
    # Saved while a lab allowed private addresses, or before this check existed: the address
    # the request would go to is checked again at every delivery.
    save(session, url, allow_private=True)
    make_user(session)
    assign(session, app.state.catalog, ["ana@example.com"])
    with write_session(app.state.engine) as writing:
        assert sender.drain(writing, settings)["failed"] >= 1
    errors = {row.last_error for row in session.exec(select(WebhookDelivery)).all()}
    assert errors and all("loopback or private addresses, which are refused" in e for e in errors)
    assert hook.requests == []


def test_the_admin_page_shows_the_refusal_for_a_nat64_address(
    app: FastAPI, session: Session
) -> None:
    admin = signed_in_as(app, session, "admin", "Alex Admin")
    token = csrf_from(admin.get("/admin/webhooks").text)
    data = {"csrf_token": token, "url": "http://[64:ff9b::7f00:1]/", "kinds": "*"}
    refused = admin.post("/admin/webhooks", data=data)
    assert refused.status_code == 422 and "private address" in refused.text
    assert session.exec(select(WebhookEndpoint)).all() == []
