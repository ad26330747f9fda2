"""PNG logos: a pixel-size limit and pixel data that matches the header (outside test F26)."""

from __future__ import annotations

import struct
import zlib

import pytest

from app.errors import Invalid
from app.org.logo import checked_logo
from app.org.png import BROKEN, MAX_SIDE, png_problem
from tests.org.test_logo import png


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def _png(width: int, height: int, pixels: bytes, *, colour: int = 0, interlace: int = 0) -> bytes:
    header = struct.pack(">IIBBBBB", width, height, 8, colour, 0, 0, interlace)
    idat = _chunk(b"IDAT", zlib.compress(pixels, 9))
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + idat + _chunk(b"IEND", b"")


def test_real_pngs_are_accepted_plain_and_interlaced() -> None:
    assert png_problem(png(3, 2)) == ""
    # Adam7 on 3 x 2 grey pixels: passes 1, 4 and 6 hold one pixel each, pass 7 a row of 3.
    assert png_problem(_png(3, 2, bytes(2 + 2 + 2 + 4), interlace=1)) == ""
    assert checked_logo(png(MAX_SIDE, 1)).content_type == "image/png"


def test_a_decompression_bomb_is_refused_by_its_pixel_size() -> None:
    row = b"\x00" + bytes(13_000)
    bomb = _png(13_000, 13_000, row * 13_000)
    assert len(bomb) < 200 * 1024  # small enough to pass the byte limit
    with pytest.raises(Invalid, match="13,000 by 13,000 pixels; use one of at most 4,000"):
        checked_logo(bomb, "logo.png")


@pytest.mark.parametrize(
    "data",
    [
        _png(1_000, 1_000, b"\x00" * 10),  # the header claims far more pixels than there are
        _png(2, 2, b"\x00" * 100),  # more data than the pixels need
        png(2, 2)[:-12],  # no IEND
        png(2, 2)[:-1],  # cut short
        png(2, 2).replace(b"IDAT", b"IDAX"),  # a chunk whose checksum is wrong
        _png(2, 2, b"\x00" * 6, colour=5),  # no such colour type
    ],
)
def test_a_png_whose_data_does_not_match_its_header_is_refused(data: bytes) -> None:
    assert png_problem(data) == BROKEN
    with pytest.raises(Invalid, match="not a complete one"):
        checked_logo(data, "logo.png")
