"""Locale choice and isolation: the right language for each resident, never mixed."""

import asyncio

import pytest

from bot import i18n
from bot.i18n import _


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("es-MX", "es"),
        ("es", "es"),
        ("fr-CA", "fr"),
        ("ar-EG", "ar"),
        ("vi", "vi"),
        ("zh-hans", "zh_Hans"),
        ("zh-CN", "zh_Hans"),
        ("zh-SG", "zh_Hans"),
        ("zh", "zh_Hans"),
        ("en-GB", "en"),
        ("de", None),
        ("", None),
        (None, None),
        ("!!", None),
    ],
)
def test_telegram_language_codes_map_to_shipped_locales(code, expected):
    assert i18n.match_telegram_language(code) == expected


def test_stored_choice_beats_telegram_language_which_beats_default():
    assert i18n.resolve_locale("vi", "es-MX") == "vi"
    assert i18n.resolve_locale(None, "es-MX") == "es"
    assert i18n.resolve_locale(None, "de-DE") == i18n.default_locale()
    assert i18n.resolve_locale("klingon", None) == i18n.default_locale()


def test_use_locale_translates_and_restores():
    message = "Send /help to see what I can do."
    with i18n.use_locale("es"):
        spanish = _(message)
        with i18n.use_locale("fr"):
            french = _(message)
        assert _(message) == spanish
    assert _(message) == message
    assert spanish != message
    assert french not in (message, spanish)


async def test_concurrent_tasks_never_mix_languages():
    message = "Send /help to see what I can do."
    expected = {}
    for loc in i18n.LOCALES:
        with i18n.use_locale(loc):
            expected[loc] = _(message)

    async def speak(loc: str) -> tuple[str, str]:
        with i18n.use_locale(loc):
            await asyncio.sleep(0.001 * (hash(loc) % 5))
            return loc, _(message)

    results = await asyncio.gather(*(speak(loc) for loc in i18n.LOCALES * 20))
    assert all(text == expected[loc] for loc, text in results)


def test_language_names_are_written_in_themselves():
    names = {loc: i18n.language_name(loc) for loc in i18n.LOCALES}
    assert names["es"] == "Español"
    assert names["fr"] == "Français"
    assert names["ar"] == "العربية"
    assert names["vi"] == "Tiếng Việt"
    assert "中文" in names["zh_Hans"]
    assert i18n.telegram_language_code("zh_Hans") == "zh"
