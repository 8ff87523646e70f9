"""Reading whole numbers that people type or that buttons carry, in one place.

``str.isdigit()`` accepts "²" and "٣", which ``int()`` rejects or reads unexpectedly: only the
ASCII digits 0-9 count here, with a cap on length so "9" * 5000 is refused, not computed.
"""

from __future__ import annotations

import re

_DIGITS = re.compile(r"[0-9]{1,18}")


def parse_int(text: str | None, *, max_digits: int = 18) -> int | None:
    """The number written in ``text`` (ASCII digits only, optionally after one "#"), else None."""
    if text is None:
        return None
    text = text.strip().removeprefix("#")
    if len(text) > max_digits or not _DIGITS.fullmatch(text):
        return None
    return int(text)
