"""The logo: PNG by signature, SVG refused when it could run or fetch anything; served safely."""

from __future__ import annotations

import json
import struct
import zlib

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.errors import Invalid
from app.models import AuditEvent, OrgLogo
from app.org.logo import MAX_BYTES, checked_logo
from tests.conftest import csrf_from
from tests.org.helpers import PAGE, error_of, signed_in_as

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10" fill="#1a4d2e"/></svg>'


def png(width: int = 1, height: int = 1) -> bytes:
    """A real, tiny PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"".join(b"\x00" + b"\x00\x80\xff" * width for _ in range(height)))
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def svg(inner: str, attrs: str = "") -> bytes:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" {attrs}>'
        f"{inner}</svg>"
    ).encode()


REFUSED = [
    (svg("<script>alert(1)</script>"), "a script"),
    (svg('<rect width="1" height="1"/>', 'onload="alert(1)"'), "event handler (onload=)"),
    (svg('<rect onClick="alert(1)"/>'), "event handler (onclick=)"),
    (svg('<image xlink:href="http://evil.example/x.png"/>'), 'outside the file (href="http://'),
    (svg('<use href="https://evil.example/s.svg#a"/>'), "outside the file"),
    (svg("<foreignObject><div>hi</div></foreignObject>"), "foreignObject"),
    (svg('<a href="#x"><text>t</text></a>'), "a link"),
    (svg('<set attributeName="href" to="javascript:alert(1)"/>'), "an animation"),
    (svg('<rect style="fill:url(http://evil.example/p)"/>'), "loads something from outside"),
    (svg("<style>@import url(https://evil.example/a.css);</style>"), "styles load something"),
    (
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg">&a;</svg>',
        "DOCTYPE",
    ),
    (b"<html><script>alert(1)</script></html>", "root is not <svg>"),
    (b"not xml at all", "neither a PNG nor a readable SVG"),
    (b"\xff\xfe<\x00s\x00v\x00g\x00", "saved as UTF-8"),
]


@pytest.mark.parametrize(("data", "message"), REFUSED)
def test_logo_svg_that_could_run_or_fetch_is_refused_naming_why(data: bytes, message: str) -> None:
    with pytest.raises(Invalid) as refused:
        checked_logo(data, "logo.svg")
    assert message in refused.value.message


def test_logo_png_that_is_really_html_is_refused() -> None:
    with pytest.raises(Invalid, match=r"named \.png but is not a PNG"):
        checked_logo(b"<html><script>alert(1)</script></html>", "logo.png")


def test_logo_over_the_size_limit_is_refused_with_both_sizes() -> None:
    with pytest.raises(
        Invalid, match=r"is 300\.1 KB \([\d,]+ bytes\); use a file of at most 200 KB"
    ):
        checked_logo(png() + b"\x00" * (300 * 1024), "big.png")


@pytest.mark.parametrize(
    ("size", "said"),
    [
        (MAX_BYTES + 1, "The logo is 200.1 KB (204,801 bytes)"),
        (205_000, "The logo is 200.2 KB (205,000 bytes)"),
        (300 * 1024, "The logo is 300 KB (307,200 bytes)"),
    ],
)
def test_a_logo_just_over_the_limit_never_reads_as_the_limit(size: int, said: str) -> None:
    """Outside test F14: 205,000 bytes was "200 KB; use a file of at most 200 KB"."""
    with pytest.raises(Invalid) as refused:
        checked_logo(b"<svg" + b" " * (size - 4), "logo.svg")
    assert refused.value.message.startswith(said)
    assert refused.value.message.endswith("at most 200 KB (204,800 bytes).")


def test_logo_plain_png_and_svg_are_accepted_with_their_own_types() -> None:
    assert checked_logo(png(), "a.png").content_type == "image/png"
    assert checked_logo(SVG, "a.svg").content_type == "image/svg+xml"
    assert checked_logo(svg('<rect fill="url(#g)"/>'), "a.svg").content_type == "image/svg+xml"


def upload(client: TestClient, name: str, data: bytes, kind: str) -> object:
    token = csrf_from(client.get(PAGE).text)
    return client.post(
        f"{PAGE}/logo", data={"csrf_token": token}, files={"logo": (name, data, kind)}
    )


def test_logo_uploaded_svg_is_served_with_its_type_nosniff_and_a_csp_that_runs_nothing(
    client: TestClient, session: Session
) -> None:
    signed_in_as(client, session, "admin")
    assert upload(client, "logo.svg", SVG, "image/svg+xml").status_code == 303  # type: ignore[attr-defined]
    page = client.get("/")
    src = page.text.split('<img class="brand-logo" src="')[1].split('"')[0]
    served = client.get(src)
    assert served.content == SVG
    assert served.headers["content-type"] == "image/svg+xml"
    assert served.headers["x-content-type-options"] == "nosniff"
    csp = served.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "sandbox" in csp and "script" not in csp
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "org.logo")).one()
    assert json.loads(event.detail)["content_type"] == "image/svg+xml"


@pytest.mark.parametrize(
    ("name", "data", "kind", "message"),
    [
        ("evil.svg", svg("<script>alert(1)</script>"), "image/svg+xml", "contains a script"),
        ("evil.svg", svg("<rect/>", 'onload="alert(1)"'), "image/svg+xml", "event handler"),
        ("evil.png", b"<html><body onload=alert(1)>", "image/png", "not a PNG"),
        ("huge.png", png() + b"\x00" * (MAX_BYTES + 10), "image/png", "at most 200 KB"),
    ],
)
def test_logo_upload_refused_shows_the_message_by_the_field_and_stores_nothing(
    client: TestClient, session: Session, name: str, data: bytes, kind: str, message: str
) -> None:
    signed_in_as(client, session, "admin")
    refused = upload(client, name, data, kind)
    assert refused.status_code == 422  # type: ignore[attr-defined]
    assert message in error_of(refused.text, "logo")  # type: ignore[attr-defined]
    assert session.exec(select(OrgLogo)).all() == []
    assert client.get("/org/logo").status_code == 404


def test_logo_upload_without_a_file_says_to_choose_one(
    client: TestClient, session: Session
) -> None:
    signed_in_as(client, session, "admin")
    token = csrf_from(client.get(PAGE).text)
    refused = client.post(f"{PAGE}/logo", data={"csrf_token": token})
    assert refused.status_code == 422
    assert "choose a file" in error_of(refused.text, "logo").lower()


def test_logo_far_too_large_is_stopped_before_it_is_read(
    client: TestClient, session: Session
) -> None:
    signed_in_as(client, session, "admin")
    refused = upload(client, "huge.svg", b" " * (3 * 1024 * 1024), "image/svg+xml")
    assert refused.status_code == 413  # type: ignore[attr-defined]


def test_logo_replaced_then_removed_changes_the_header(
    client: TestClient, session: Session
) -> None:
    signed_in_as(client, session, "admin")
    upload(client, "a.png", png(), "image/png")
    first = client.get("/").text.split("/org/logo?v=")[1][:12]
    upload(client, "b.png", png(2, 2), "image/png")
    second = client.get("/").text.split("/org/logo?v=")[1][:12]
    assert first != second
    assert client.get(f"/org/logo?v={second}").headers["content-type"] == "image/png"
    token = csrf_from(client.get(PAGE).text)
    removed = client.post(f"{PAGE}/logo/remove", data={"csrf_token": token, "confirm": "yes"})
    assert removed.status_code == 303
    assert "brand-logo" not in client.get("/").text
