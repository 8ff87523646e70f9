"""The printable steward guides (docs/steward-guide/): one page each, the same commands in
every language (commands the bot has), and the glossary's words, as in the bot's messages."""

import re
from pathlib import Path

import pytest

from bot.services.commands import COMMANDS
from tests.unit.test_glossary import LOCALES, excused, glossary, normal, pattern

GUIDES = Path(__file__).resolve().parents[2] / "docs" / "steward-guide"
COMMAND = re.compile(r"(?<![\w/<])/([a-z]+)")
ENGLISH = (GUIDES / "en.md").read_text(encoding="utf-8")


def guide(locale: str) -> str:
    return (GUIDES / f"{locale}.md").read_text(encoding="utf-8")


def test_the_english_guide_names_only_commands_the_bot_has():
    named = set(COMMAND.findall(ENGLISH))
    assert named <= {c.name for c in COMMANDS}, named - {c.name for c in COMMANDS}
    assert {"pending", "announce", "newevent", "invite", "ban", "mydata"} <= named


@pytest.mark.parametrize("locale", ["en", *LOCALES])
def test_each_guide_fits_on_one_page(locale):
    lines = guide(locale).splitlines()
    assert len(lines) <= 60
    assert max(len(line) for line in lines) <= 110


@pytest.mark.parametrize("locale", LOCALES)
def test_each_guide_lists_the_same_commands(locale):
    assert COMMAND.findall(guide(locale)) == COMMAND.findall(ENGLISH)


@pytest.mark.parametrize("locale", LOCALES)
def test_each_guide_uses_the_glossary_words(locale):
    terms, _glosses = glossary()
    text = normal(guide(locale), locale)
    wrong = [
        (term.name, hit.group(0))
        for term in terms
        for word in term.never.get(locale, [])
        if (hit := pattern(word, locale).search(text))
        and not excused(word, ENGLISH, locale, term, terms)
    ]
    assert wrong == []
    missing = [
        term.name
        for term in terms
        if term.required
        and term.match is not None
        and term.match.search(ENGLISH)
        and not any(pattern(w, locale).search(text) for w in term.use[locale])
    ]
    assert missing == []


def test_arabic_keeps_commands_left_to_right():
    text = guide("ar")
    assert text.startswith('<div dir="rtl" lang="ar">')
    for found in COMMAND.finditer(text):
        assert text[found.start() - 1] == "\u200e", text[found.start() - 20 : found.end()]
