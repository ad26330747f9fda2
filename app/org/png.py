"""A PNG logo read far enough to trust it: its chunks, its pixel size, and pixel data that
matches the size its header claims (outside test F26).

A PNG of 13,000 x 13,000 grey pixels compresses to 164 KB but takes about 676 MB to show;
one whose header claims a million pixels square with a few bytes of data is broken. Both
are refused before a page, an e-mail or a certificate ever shows them. The pixel data is
inflated in pieces and counted, never kept, and never past the size the header allows.
"""

from __future__ import annotations

import struct
import zlib

SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_SIDE = 4000  # pixels; the header shows a logo at most 160 x 32
CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # colour type -> samples per pixel
ADAM7 = (
    (0, 0, 8, 8),
    (4, 0, 8, 8),
    (0, 4, 4, 8),
    (2, 0, 4, 4),
    (0, 2, 2, 4),
    (1, 0, 2, 2),
    (0, 1, 1, 2),
)
BROKEN = "This file starts like a PNG but is not a complete one; export it again."
PIECE = 1 << 16


def png_problem(data: bytes) -> str:
    """Why this PNG may not be the logo, or "" when it may."""
    chunks = _chunks(data)
    if chunks is None or not chunks or chunks[0][0] != b"IHDR" or len(chunks[0][1]) != 13:
        return BROKEN
    width, height, depth, colour, _c, _f, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    if width > MAX_SIDE or height > MAX_SIDE:
        return (
            f"This PNG is {width:,} by {height:,} pixels; use one of at most {MAX_SIDE:,} by "
            f"{MAX_SIDE:,} (the header shows the logo at most 160 by 32)."
        )
    if not width or not height or colour not in CHANNELS or chunks[-1][0] != b"IEND":
        return BROKEN
    expected = _raw_size(width, height, CHANNELS[colour] * depth, interlace == 1)
    compressed = b"".join(body for kind, body in chunks if kind == b"IDAT")
    return "" if _inflated_size(compressed, expected) == expected else BROKEN


def _chunks(data: bytes) -> list[tuple[bytes, bytes]] | None:
    """Each chunk's type and data, or None when a length or checksum is wrong."""
    found, at = [], len(SIGNATURE)
    while at < len(data):
        if at + 12 > len(data):
            return None
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        end = at + 12 + length
        if end > len(data) or data[end - 4 : end] != struct.pack(">I", zlib.crc32(kind + body)):
            return None
        found.append((kind, body))
        at = end
    return found


def _raw_size(width: int, height: int, bits: int, interlaced: bool) -> int:
    """Bytes of filtered pixel data the image needs: each row's bytes and its filter byte."""
    passes = ADAM7 if interlaced else ((0, 0, 1, 1),)
    total = 0
    for x0, y0, dx, dy in passes:
        w, h = (
            -(-(width - x0) // dx) if width > x0 else 0,
            -(-(height - y0) // dy) if height > y0 else 0,
        )
        if w and h:
            total += h * (1 + -(-(w * bits) // 8))
    return total


def _inflated_size(compressed: bytes, limit: int) -> int:
    """How many bytes the data inflates to, counting at most `limit` + 1 of them (-1: broken)."""
    inflater, size, rest = zlib.decompressobj(), 0, compressed
    try:
        while size <= limit:
            out = inflater.decompress(rest, PIECE)
            size += len(out)
            rest = inflater.unconsumed_tail
            if not out and not rest:
                break
    except zlib.error:
        return -1
    return size if inflater.eof or size > limit else -1
