"""Tidying what people type: names, unit numbers; splitting long text into messages."""

from __future__ import annotations

import re
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


# --- Splitting long text into messages -------------------------------------------------------

ZWJ = "\u200d"
# Not cut at: the non-breaking spaces (str.isspace says they are white space).
NO_BREAK_SPACES = frozenset("\u00a0\u2007\u202f")
_PARAGRAPH = re.compile(r"\n[^\S\n]*\n|\u2029")
_LINE = re.compile(r"[\n\u2028]")
# A sentence ends at . ! ? … (Arabic ؟, Devanagari ।) and closing quotes, before white space;
# CJK 。！？ and their closing brackets end one without any space.
_SENTENCE = re.compile(r"[.!?…‼⁇⁈⁉؟।]+[\"'”’»)\]]*(?=\s)|[。！？]+[」』）”’]*")
_CLAUSE = re.compile(r"[,;:،؛]+(?=\s)|[，、；：]+")
_IN_WORD = re.compile(r"[/\-–—_?&=#.,;:]+")


def utf16_len(s: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji outside the BMP counts 2)."""
    return len(s.encode("utf-16-le", "surrogatepass")) // 2


def split_text(text: str, limit: int, *, reserve: int = 0) -> list[str]:
    """Split plain ``text`` into pieces of at most ``limit - reserve`` UTF-16 code units.

    ``reserve`` leaves room for a header such as "(2/3)" that the caller adds to each piece (a
    caller that wants no header on a single message can try ``split_text(text, limit)`` first).
    Pieces are cut where a reader would: at a paragraph break, else a line break, else the end
    of a sentence, else a clause (", ", "，"), else any white space -- preferring a cut in the
    second half of the piece so that no piece is needlessly short. A word is cut only when it
    alone is longer than the budget: then between CJK characters, else after URL punctuation
    ("/", "-", "?"...), else anywhere that keeps a character whole (never inside a surrogate
    pair, before a combining mark, variation selector, skin tone or ZWJ, after a ZWJ, or in a
    flag). White space at the cuts is dropped; joining the pieces with it gives back ``text``.
    Empty or blank text gives [].
    """
    budget = limit - reserve
    if reserve < 0 or budget < 2:
        raise ValueError(f"limit {limit} minus reserve {reserve} leaves no room for a character")
    pieces: list[str] = []
    rest = text.strip()
    while rest:
        end, half = _window(rest, budget)
        if end == len(rest):
            pieces.append(rest)
            break
        cut = _cut(rest, end, half)
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    return pieces


def _window(s: str, budget: int) -> tuple[int, int]:
    """How many characters of ``s`` fit in ``budget`` units, and how many fit in half of it."""
    units = 0
    half = 0
    for index, ch in enumerate(s):
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > budget:
            return index, half
        if units <= budget // 2:
            half = index + 1
    return len(s), half


def _cut(s: str, end: int, half: int) -> int:
    """Where to cut ``s`` so that ``s[:cut]`` fits: 0 < cut <= end < len(s)."""
    # s[end] is the first character that does not fit: a break there still fits.
    window = s[: end + 1]
    soft = [
        _last_match_start(_PARAGRAPH, window),
        _last_match_start(_LINE, window),
        _last_match_end(_SENTENCE, window, end),
        _last_match_end(_CLAUSE, window, end),
        _last_space(window),
    ]
    for cut in soft:
        if cut > half:
            return cut
    for cut in soft:
        if cut > 0:
            return cut
    cut = _last_cjk_boundary(s, end)
    if cut > half:
        return cut
    cut = _last_match_end(_IN_WORD, window, end)
    if cut > half:
        return cut
    for cut in range(end, 0, -1):
        if _can_cut(s, cut):
            return cut
    # One character with more marks than fit: cut it, but never inside a surrogate pair.
    return end - 1 if _is_pair(s[end - 1], s[end]) else end


def _last_match_start(pattern: re.Pattern[str], window: str) -> int:
    starts = [m.start() for m in pattern.finditer(window)]
    return starts[-1] if starts else 0


def _last_match_end(pattern: re.Pattern[str], window: str, end: int) -> int:
    ends = [m.end() for m in pattern.finditer(window) if m.end() <= end]
    return next((cut for cut in reversed(ends) if _can_cut(window, cut)), 0)


def _last_space(window: str) -> int:
    for index in range(len(window) - 1, 0, -1):
        if window[index].isspace() and window[index] not in NO_BREAK_SPACES:
            return index
    return 0


def _last_cjk_boundary(s: str, end: int) -> int:
    for cut in range(end, 0, -1):
        if (_is_cjk(s[cut - 1]) or _is_cjk(s[cut])) and _can_cut(s, cut):
            return cut
    return 0


def _is_cjk(ch: str) -> bool:
    code = ord(ch)
    return (
        0x3040 <= code <= 0x30FF  # hiragana, katakana
        or 0x3400 <= code <= 0x4DBF  # CJK extension A
        or 0x4E00 <= code <= 0x9FFF  # CJK unified ideographs
        or 0xF900 <= code <= 0xFAFF  # compatibility ideographs
        or 0x20000 <= code <= 0x3FFFF  # extensions B and later
    )


def _is_pair(high: str, low: str) -> bool:
    return "\ud800" <= high <= "\udbff" and "\udc00" <= low <= "\udfff"


def _joins_previous(ch: str) -> bool:
    """A character that belongs to the one before it: a combining mark, ZWJ, variation
    selector, emoji skin tone or emoji tag."""
    code = ord(ch)
    return (
        unicodedata.combining(ch) != 0
        or unicodedata.category(ch) in ("Mn", "Mc", "Me")
        or ch == ZWJ
        or 0xFE00 <= code <= 0xFE0F
        or 0xE0100 <= code <= 0xE01EF
        or 0x1F3FB <= code <= 0x1F3FF
        or 0xE0020 <= code <= 0xE007F
    )


def _is_regional_indicator(ch: str) -> bool:
    return 0x1F1E6 <= ord(ch) <= 0x1F1FF


def _can_cut(s: str, cut: int) -> bool:
    """Whether cutting ``s`` before ``s[cut]`` keeps every character (grapheme) whole."""
    before, after = s[cut - 1], s[cut]
    if _is_pair(before, after) or _joins_previous(after) or before == ZWJ:
        return False
    if _is_regional_indicator(before) and _is_regional_indicator(after):
        run = 0
        while cut - run - 1 >= 0 and _is_regional_indicator(s[cut - run - 1]):
            run += 1
        return run % 2 == 0  # flags are pairs: cut between two of them, not inside one
    return True
