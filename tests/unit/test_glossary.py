"""Every catalog follows locales/GLOSSARY.md: one concept, one word, in every language.

The glossary is the single source: this test only reads it. For each term it knows the English
messages that speak of it (``Match:``), the chosen words (``use``) and the variants that must
never appear (``never``). A failure names the locale, the English message and the word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
GLOSSARY = ROOT / "locales" / "GLOSSARY.md"
LOCALES = ("es", "fr", "ar", "zh_Hans", "vi")
UNSPACED = {"ar", "zh_Hans"}  # words are matched anywhere in the text, not as whole words
ARABIC_MARKS = re.compile("[\u064b-\u0652\u0670\u0640]")  # short vowels, shadda, tatweel
QUOTED = re.compile(r"`([^`]+)`")
DURATION = re.compile(r"(?<![\w/])(\d+[mhdw])\b")


@dataclass
class Term:
    name: str
    match: re.Pattern[str] | None = None
    required: bool = False
    use: dict[str, list[str]] = field(default_factory=dict)
    never: dict[str, list[str]] = field(default_factory=dict)


def cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


@cache
def glossary() -> tuple[list[Term], dict[str, dict[str, str]]]:
    """The terms (the sections with a ``Match:`` line), and for each locale the gloss of each
    duration token ("2h" -> "2h (2 horas)")."""
    sections: list[Term] = []
    terms: list[Term] = []
    glosses: dict[str, dict[str, str]] = {}
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            sections.append(Term(line[3:].strip()))
            continue
        if not sections:
            continue
        section = sections[-1]
        if line.startswith("Match:"):
            found = QUOTED.search(line)
            section.match = re.compile(found.group(1), re.IGNORECASE) if found else None
            terms.append(section)
        elif line.startswith("Required:"):
            section.required = line.split(":", 1)[1].strip().lower() == "yes"
        elif line.startswith("|") and cells(line)[0] in LOCALES:
            row = cells(line)
            if section.name == "Durations":
                glosses[row[0]] = {g.split()[0].split("（")[0]: g for g in QUOTED.findall(row[1])}
            else:
                section.use[row[0]] = QUOTED.findall(row[1])
                section.never[row[0]] = QUOTED.findall(row[2])
    return terms, glosses


def normal(text: str, locale: str) -> str:
    text = text.casefold()
    return ARABIC_MARKS.sub("", text) if locale == "ar" else text


def pattern(word: str, locale: str) -> re.Pattern[str]:
    word = normal(word, locale)
    if locale in UNSPACED:
        return re.compile(re.escape(word.rstrip("*")))
    ending = r"\w*" if word.endswith("*") else ""
    return re.compile(r"(?<!\w)" + re.escape(word.rstrip("*")) + ending + r"(?!\w)")


def messages(locale: str) -> list[tuple[str, list[str]]]:
    """(English, [translations]) for every message of ``locale``, plural forms included."""
    with (ROOT / "locales" / locale / "LC_MESSAGES" / "messages.po").open("rb") as fp:
        catalog = read_po(fp)
    found = []
    for message in catalog:
        if not message.id:
            continue
        english = message.id if isinstance(message.id, str) else " / ".join(message.id)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        found.append((english, [s for s in strings if s]))
    return found


def excused(word: str, english: str, locale: str, owner: Term, terms: list[Term]) -> bool:
    """A never-word of ``owner`` is fine where the message speaks of a term that uses it."""
    if owner.match is None:
        return False
    needle = pattern(word, locale)
    return any(
        other is not owner
        and other.match is not None
        and other.match.search(english)
        and any(needle.search(normal(used.rstrip("*"), locale)) for used in other.use[locale])
        for other in terms
    )


def forbidden_words(locale: str) -> list[str]:
    terms, _glosses = glossary()
    problems = []
    for english, text in each_text(locale):
        plain = normal(text, locale)
        hits = [
            (term, hit)
            for term in terms
            for word in term.never.get(locale, [])
            if (hit := pattern(word, locale).search(plain))
            and not excused(word, english, locale, term, terms)
        ]
        problems += [
            f"{locale}: {english!r} uses {hit.group(0)!r}, never a word for '{term.name}' "
            f"(use {', '.join(term.use.get(locale, [])) or 'a neutral form'}):\n    {text}"
            for term, hit in hits
        ]
    return problems


def missing_words(locale: str) -> list[str]:
    terms, _glosses = glossary()
    required = [t for t in terms if t.required and t.match is not None]
    return [
        f"{locale}: {english!r} speaks of '{term.name}' but does not use "
        f"{', '.join(term.use[locale])}:\n    {text}"
        for english, text in each_text(locale)
        for term in required
        if term.match.search(english)
        and not any(pattern(w, locale).search(normal(text, locale)) for w in term.use[locale])
    ]


def each_text(locale: str):
    """(English, translated text) for every message and plural form of ``locale``."""
    for english, texts in messages(locale):
        for text in texts:
            yield english, text


def unglossed_durations(locale: str) -> list[str]:
    _terms, glosses = glossary()
    problems = []
    for english, texts in messages(locale):
        for token in DURATION.findall(english):
            problems += [
                f"{locale}: {english!r} needs {glosses[locale][token]!r}:\n    {text}"
                for text in texts
                if glosses[locale][token] not in text
            ]
    return problems


def test_the_glossary_is_complete():
    terms, glosses = glossary()
    names = {t.name for t in terms}
    for wanted in (
        "resident",
        "steward",
        "organiser",
        "building",
        "sign-up",
        "sign up",
        "invite",
        "consent",
        "tenure",
        "assisted housing",
        "announcement",
        "event",
        "poll",
        "survey",
        "wave",
        "group admin",
        "withdraw (an invite)",
        "pause (announcements)",
        "approve",
        "reject (not approve)",
        "block / unblock",
        "renter",
        "owner",
        "market-rate",
    ):
        assert wanted in names, f"GLOSSARY.md has no section '## {wanted}'"
    for term in terms:
        if term.match is not None:
            assert set(term.use) == set(LOCALES), f"'{term.name}': a row for every locale"
            assert all(term.use.values()), f"'{term.name}': a chosen word in every locale"
    assert set(glosses) == set(LOCALES)
    assert all(set(g) == {"30m", "2h", "1d", "1w"} for g in glosses.values())


def test_a_forbidden_word_is_caught():
    """The check itself, on a sentence from an old Spanish catalog."""
    terms, _glosses = glossary()
    steward = next(t for t in terms if t.name == "steward")
    text = normal("Solo los responsables de este edificio pueden hacer eso.", "es")
    assert any(pattern(w, "es").search(text) for w in steward.never["es"])
    arabic = next(t for t in terms if t.name == "group admin")
    assert excused("مشرف", "Only an admin of this group can do that.", "ar", steward, terms)
    assert not excused("مشرف", "Only the stewards of this building can do that.", "ar", arabic, [])


@pytest.mark.parametrize("locale", LOCALES)
def test_no_forbidden_variant(locale):
    problems = forbidden_words(locale)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("locale", LOCALES)
def test_the_chosen_word_is_used(locale):
    problems = missing_words(locale)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("locale", LOCALES)
def test_durations_are_explained(locale):
    problems = unglossed_durations(locale)
    assert not problems, "\n".join(problems)
