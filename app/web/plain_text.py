"""The one rule for short free text people write (room answers, module and room plans).

Text is folded to one line, NFC. Hidden characters that can disguise what is shown (control
and format characters such as bidi overrides and zero-width spaces, private-use and
unassigned code points) are refused with a message naming them; the one format character
kept is the ZERO WIDTH JOINER inside an emoji sequence (👩‍💻, 🏳️‍🌈), which is what people
type. Limits are said by the field before typing and refused with a message, never cut.
"""

from __future__ import annotations

import re
import unicodedata

SPACES = re.compile(r"\s+")
REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Cn"})
ZWJ = "\u200d"
# What may stand either side of a joiner in an emoji sequence: symbols, skin tones, VS-16.
EMOJI_SIDE = frozenset({"So", "Sk", "Mn"})


def one_line(raw: str) -> str:
    """The text as one line of NFC with single spaces, trimmed."""
    return SPACES.sub(" ", unicodedata.normalize("NFC", raw)).strip()


def hidden_character(text: str) -> str | None:
    """'RIGHT-TO-LEFT OVERRIDE, U+202E' for the first refused character, else None."""
    for i, ch in enumerate(text):
        if unicodedata.category(ch) not in REFUSED_CATEGORIES:
            continue
        if ch == ZWJ and _in_emoji(text, i):
            continue
        return f"{unicodedata.name(ch, 'an invisible character')}, U+{ord(ch):04X}"
    return None


def _in_emoji(text: str, i: int) -> bool:
    before, after = text[i - 1 : i], text[i + 1 : i + 2]
    return bool(before and after) and all(
        unicodedata.category(c) in EMOJI_SIDE for c in (before, after)
    )
