"""Translations with Babel/gettext.

The active locale lives in a :class:`~contextvars.ContextVar`. Every handler enters
:func:`use_locale` for the user it serves and leaves it when done, so two updates processed at
the same time never mix languages; jobs and broadcasts enter the *recipient's* locale.

Mark strings with ``_("...")`` where they are rendered, and with ``N_("...")`` where they are
only declared (translated later with ``_(value)``). Placeholders use ``str.format`` names:
``_("Hello, {name}!").format(name=...)``.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from babel import Locale
from babel.core import parse_locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from bot.config import SUPPORTED_LOCALES

log = logging.getLogger(__name__)

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"
LOCALES: tuple[str, ...] = SUPPORTED_LOCALES

_default_locale = "en"
_current: ContextVar[str | None] = ContextVar("locale", default=None)


def set_default_locale(locale: str) -> None:
    global _default_locale
    if locale not in LOCALES:
        raise ValueError(f"unsupported locale {locale!r}")
    _default_locale = locale


def default_locale() -> str:
    return _default_locale


def current_locale() -> str:
    return _current.get() or _default_locale


@contextmanager
def use_locale(locale: str | None) -> Iterator[str]:
    """Make ``locale`` active for the enclosed code, then restore the previous one."""
    chosen = locale if locale in LOCALES else _default_locale
    token = _current.set(chosen)
    try:
        yield chosen
    finally:
        _current.reset(token)


@cache
def translations(locale: str) -> NullTranslations:
    """The compiled catalog for ``locale``; compiled in memory from the .po when no .mo exists."""
    if locale == "en":
        return NullTranslations()  # msgids are English
    mo = LOCALES_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.mo"
    po = mo.with_suffix(".po")
    if mo.is_file() and (not po.is_file() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as fp:
            return Translations(fp, domain=DOMAIN)
    if po.is_file():
        log.warning("Catalog %s is not compiled; compiling it in memory (run `make catalogs`)", po)
        with po.open("rb") as fp:
            catalog = read_po(fp, locale=locale)
        buf = io.BytesIO()
        write_mo(buf, catalog)
        buf.seek(0)
        return Translations(buf, domain=DOMAIN)
    log.error("No catalog for locale %s in %s; falling back to English", locale, LOCALES_DIR)
    return NullTranslations()


def gettext(message: str) -> str:
    return translations(current_locale()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current_locale()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a string for extraction without translating it yet."""
    return message


_ = gettext


def language_name(locale: str, *, in_sentence: bool = False) -> str:
    """The language's name written in that language: "Español" on a button, "español" inside
    a sentence (Babel's own casing, lower-case where the language writes it so)."""
    name = Locale.parse(locale).get_display_name(locale) or locale
    return name if in_sentence else name[:1].upper() + name[1:]


def telegram_language_code(locale: str) -> str:
    """The two-letter code Telegram uses for per-language menus and descriptions."""
    return Locale.parse(locale).language


def match_telegram_language(code: str | None) -> str | None:
    """Map a Telegram ``language_code`` (an IETF tag such as ``es-MX``) to a shipped locale.

    ``es-MX`` -> ``es``; every Chinese tag (``zh``, ``zh-hans``, ``zh-CN``, ``zh-SG``, and also
    ``zh-TW``/``zh-Hant``, since Simplified reads far better than English for them) ->
    ``zh_Hans``. Unknown or malformed tags give ``None``.
    """
    if not code:
        return None
    try:
        language = parse_locale(code.strip().replace("-", "_"))[0].lower()
    except ValueError:
        return None
    if language == "zh":
        return "zh_Hans"
    return language if language in LOCALES else None


def resolve_locale(stored: str | None, telegram_code: str | None) -> str:
    """The resident's stored choice, else their Telegram language, else the default."""
    if stored in LOCALES:
        return stored
    return match_telegram_language(telegram_code) or _default_locale
