"""The join link and its QR code, drawn on the server as SVG (segno; no script, no network)."""

from __future__ import annotations

import io

import segno


def join_url(base_url: str, code: str) -> str:
    """The address phones open: {base}/j/{code}."""
    return f"{base_url.rstrip('/')}/j/{code}"


def short_url(base_url: str) -> str:
    """The address to read out, without the scheme: example.org/j."""
    return base_url.split("://", 1)[-1].rstrip("/") + "/j"


def qr_svg(url: str) -> bytes:
    """A scalable SVG QR code (black on white, quiet zone included) for `url`."""
    buffer = io.BytesIO()
    segno.make_qr(url, error="m").save(
        buffer,
        kind="svg",
        xmldecl=False,
        svgns=True,
        omitsize=True,
        border=4,
        dark="#000",
        light="#fff",
        title=f"QR code for {url}",
        nl=False,
    )
    return buffer.getvalue()
