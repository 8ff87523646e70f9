"""Every shipped locale is complete, reviewed (not fuzzy), really translated, and safe.

Safe means the same ``{placeholders}`` and the same HTML tags as the English text, so a
translation can neither crash ``str.format`` nor break Telegram's HTML parsing.
"""

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot import i18n

ROOT = Path(__file__).resolve().parents[2]
POT = ROOT / "locales" / "messages.pot"
TRANSLATED = [loc for loc in i18n.LOCALES if loc != "en"]
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
TAG = re.compile(r"</?[a-zA-Z][^>]*>")
COMMAND = re.compile(r"(?<![\w/])/[a-z]+")


def read(path: Path):
    with path.open("rb") as fp:
        return read_po(fp)


def msgids(catalog) -> set[str | tuple[str, str]]:
    return {m.id if isinstance(m.id, str) else tuple(m.id) for m in catalog if m.id}


def test_template_matches_the_code():
    in_code = {
        message
        for _file, _line, message, *_rest in extract_from_dir(
            str(ROOT / "bot"),
            method_map=[("**.py", "python")],
            keywords={"_": None, "N_": None, "ngettext": (1, 2)},
        )
    }
    in_pot = msgids(read(POT))
    missing, stale = in_code - in_pot, in_pot - in_code
    assert not missing, f"strings not extracted (run `make update-catalogs`): {sorted(missing)}"
    assert not stale, f"strings no longer used (run `make update-catalogs`): {sorted(stale)}"


@pytest.mark.parametrize("locale", TRANSLATED)
def test_locale_is_complete_and_reviewed(locale):
    catalog = read(ROOT / "locales" / locale / "LC_MESSAGES" / "messages.po")
    assert not catalog.fuzzy, f"{locale}: the catalog header is still marked fuzzy"
    expected = msgids(read(POT))
    by_id = {(m.id if isinstance(m.id, str) else tuple(m.id)): m for m in catalog if m.id}
    assert not expected - by_id.keys(), f"{locale}: missing {expected - by_id.keys()}"
    problems = []
    forms = catalog.num_plurals
    for key in sorted(expected, key=str):
        message = by_id[key]
        if isinstance(key, tuple):  # plural: every form, checked against the English plural
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if len(strings) != forms or not all(strings):
                problems.append(f"plural forms missing: {key!r}")
                continue
            pairs = [(key[1], text) for text in strings]
        else:
            pairs = [(key, message.string)]
        if message.fuzzy:
            problems.append(f"fuzzy: {key!r}")
            continue
        problems += [p for msgid, text in pairs if (p := check(msgid, text))]
    assert not problems, f"{locale}:\n" + "\n".join(problems)


def check(msgid: str, text: str) -> str | None:
    """What is wrong with one translated string, if anything."""
    if not text:
        return f"empty: {msgid!r}"
    if text == msgid:
        return f"English copy: {msgid!r}"
    if sorted(PLACEHOLDER.findall(text)) != sorted(PLACEHOLDER.findall(msgid)):
        return f"placeholders differ: {msgid!r} -> {text!r}"
    if [t.split()[0] for t in TAG.findall(text)] != [t.split()[0] for t in TAG.findall(msgid)]:
        return f"HTML tags differ: {msgid!r} -> {text!r}"
    if sorted(COMMAND.findall(text)) != sorted(COMMAND.findall(msgid)):
        return f"/commands differ: {msgid!r} -> {text!r}"
    return None


@pytest.mark.parametrize("locale", TRANSLATED)
def test_every_translation_formats(locale):
    """Formatting each string (every plural form too) with dummy values works."""
    with i18n.use_locale(locale):
        for key in msgids(read(POT)):
            if isinstance(key, tuple):
                names = PLACEHOLDER.findall(key[1])
                texts = [i18n.ngettext(*key, n) for n in (0, 1, 2, 5, 11, 100)]
            else:
                names, texts = PLACEHOLDER.findall(key), [i18n.gettext(key)]
            for text in texts:
                text.format(**dict.fromkeys(names, "X"))
