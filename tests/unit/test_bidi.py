"""Arabic messages keep /commands and @mentions readable: shown left to right, in one piece.

A "/" or "@" right after Arabic text is a neutral character: the Unicode bidirectional
algorithm gives it the direction of the Arabic around it, so Telegram shows "/approve" as
"approve/" and residents copy a broken command. A LEFT-TO-RIGHT MARK (U+200E) just before the
"/" or "@" fixes that. This test fills in every Arabic message with left-to-right sample
values, lays each line out as a screen would (python-bidi), and checks that every /command
(with the Latin words typed after it) and every @mention is still there, unbroken.
"""

import html
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from bidi import get_display

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "locales" / "ar" / "LC_MESSAGES" / "messages.po"
LRM = "\u200e"
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
TAG = re.compile(r"</?[a-zA-Z][^>]*>")
# A command as a resident types it: "/building add Maple Court", "/mute 2h", "/ban @sam".
TYPED = re.compile(r"(?<![\w/])/[a-z]+(?: (?:@?[A-Za-z0-9][A-Za-z0-9_-]*))*")
MENTION = re.compile(r"(?<![\w@])@[A-Za-z0-9_]+")
# Left-to-right sample values, as the bot fills them in (names and buildings are often Latin).
SAMPLES = {
    "mark": "–",
    "min": "2",
    "q": "300",
    "o": "100",
    "building": "Maple Court",
    "name": "Amina",
    "unit": "4B",
    "command": "/vote",
    "code": "K7P2QX",
    "count": "3",
    "id": "3",
    "limit": "3",
    "max": "64",
    "version": "2",
    "date": "25 Nov 2026",
    "duration": "2 h",
    "reason": "spam",
    "ref": "Maple",
    "language": "English",
    "list": "en 5, ar 2",
    "state": "on",
    "status": "ok",
    "tenure": "ok",
    "kind": "ok",
    "actor": "@ana (1201)",
    "subject": "Rosa (2001)",
    "details": "up to 8 per unit",
    "shown": "10",
    "description": "What I can do for you",
    "n": "12",
    "k": "5",
    "time": "08:00",
    "audience": "Maple Court",
    "reasons": "paused 2",
    "author": "Sam",
    "sent": "40",
    "failed": "1",
    "unreachable": "2",
    "seconds": "30",
    "got": "7",
    "questions": "2",
    "languages": "Français",
    "source": "English",
    "number": "12",
    "word": " (lang:xx)",
    "people": "12 residents",
    "place": "Community room",
    "events": "#4",
    "title": "Winter potluck",
    "when": "Saturday, December 5, 2026, 6:30 PM",
    "going": "12",
    "maybe": "3",
    "waitlist": "2",
    "position": "2",
    "deadline": "Sunday, December 6, 2026, 6:30 PM",
    "rate": "25%",
    "mean": "4.2",
    "first": "1",
    "last": "8",
    "total": "12",
    "present": "5",
    "no": "1",
    "wave": "3",
    "waves": "3, 4",
    "group": "Maple Court",
    "answered": "8",
    "silent": "12",
    "index": "72",
    "given": "xx",
    "key": "colour",
    "keys": "name, language, title, questions",
    "line": "7",
    "bot": "CommonGroundBot",
    "problem": "an option list needs 2 to 10 options",
    "size": "64",
    "text": "A second dryer",
}


def arabic_messages() -> list[tuple[str, str]]:
    """(msgid, msgstr) for every Arabic string, each plural form on its own."""
    with CATALOG.open("rb") as fp:
        catalog = read_po(fp)
    pairs = []
    for message in catalog:
        if not message.id:
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[1]
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        pairs += [(msgid, text) for text in strings]
    return pairs


def filled(text: str) -> str:
    """The text a person reads: placeholders filled in, HTML tags gone."""
    text = PLACEHOLDER.sub(lambda m: SAMPLES[m.group(1)], text)
    return html.unescape(TAG.sub("", text))


def broken_tokens(text: str) -> list[str]:
    """The /commands and @mentions of ``text`` that a screen would not show intact."""
    problems = []
    for line in filled(text).split("\n"):
        logical = line.replace(LRM, "")
        tokens = [m.group(0).rstrip() for m in TYPED.finditer(logical)]
        tokens += MENTION.findall(logical)
        for base in (None, "R"):  # as the app guesses the direction, and as a right-to-left line
            visual = get_display(line, base_dir=base).replace(LRM, "").replace("\u200f", "")
            problems += [
                f"{token!r} shows as {visual!r}"
                for token in tokens
                if visual.count(token) < logical.count(token)
            ]
    return sorted(set(problems))


def test_the_renderer_catches_a_split_command():
    """The check itself: without the mark the command is split, with it it is whole."""
    assert broken_tokens("مثلًا: /approve @amina")
    assert broken_tokens("اكتب اسم المستخدم (@username)")
    assert not broken_tokens(f"مثلًا: {LRM}/approve @amina")
    assert not broken_tokens(f"اكتب اسم المستخدم ({LRM}@username)")


def test_every_sample_value_is_known():
    names = {n for _id, text in arabic_messages() for n in PLACEHOLDER.findall(text)}
    assert names <= SAMPLES.keys(), f"add sample values for {sorted(names - SAMPLES.keys())}"


CHECKED = [p for p in arabic_messages() if "/" in p[1] or "@" in p[1] or "{" in p[1]]


@pytest.mark.parametrize(("msgid", "text"), CHECKED, ids=[msgid[:40] for msgid, _t in CHECKED])
def test_commands_and_mentions_stay_whole_in_arabic(msgid, text):
    problems = broken_tokens(text)
    assert not problems, f"ar: {msgid!r}\n" + "\n".join(problems)


def test_arabic_numbers_buildings_in_words():
    """«المبنى رقم 3», not "#3": a "#" next to Arabic is shown on the wrong side."""
    hashes = [msgid for msgid, text in arabic_messages() if "#" in text]
    assert not hashes, f"ar: write «رقم» instead of '#' in {hashes}"
