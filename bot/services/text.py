"""Tidying what people type: names, unit numbers."""

from __future__ import annotations

import unicodedata
from enum import Enum

from bot.services.problems import Problem

UNIT_MAX = 12
UNIT_PUNCTUATION = " -/."


class TextProblem(Problem):
    class Kind(Enum):
        EMPTY = "empty"
        TOO_LONG = "too_long"
        BAD_CHARACTERS = "bad_characters"

    internal = True  # turned into the feature's own problem before it reaches anyone


def visible_text(raw: str, max_length: int) -> str:
    """Collapse white space and drop invisible control and direction characters.

    Direction overrides (U+202E...) could make a name display as something else, so only
    visible characters are kept; letters of every script are fine.
    """
    normalised = unicodedata.normalize("NFC", raw or "")
    visible = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in normalised)
    text = " ".join(visible.split())
    if not text:
        raise TextProblem(TextProblem.EMPTY)
    if len(text) > max_length:
        raise TextProblem(TextProblem.TOO_LONG)
    return text


def normalise_unit(raw: str) -> str:
    """ "apt 4b" stays "APT 4B"; "#12-03" becomes "12-03". Letters, digits, space, - / ."""
    unit = visible_text(raw, 40).upper().removeprefix("#").strip()
    if not unit:
        raise TextProblem(TextProblem.EMPTY)
    if len(unit) > UNIT_MAX:
        raise TextProblem(TextProblem.TOO_LONG)
    if not unit[0].isalnum() or not all(ch.isalnum() or ch in UNIT_PUNCTUATION for ch in unit):
        raise TextProblem(TextProblem.BAD_CHARACTERS)
    return unit
