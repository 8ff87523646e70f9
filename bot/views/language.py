"""The language chooser (used by /language, the welcome, the sign-up and /profile)."""

from __future__ import annotations

from collections.abc import Callable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import i18n
from bot.i18n import _
from bot.views.buttons import Button, LanguageSet, SignupJoin


def language_keyboard(
    current: str | None, button: Callable[[str], Button] = LanguageSet
) -> InlineKeyboardMarkup:
    """The six languages, each written in itself; the current one is ticked."""
    buttons = [
        InlineKeyboardButton(
            ("✓ " if loc == current else "") + i18n.language_name(loc),
            callback_data=button(loc).pack(),
        )
        for loc in i18n.LOCALES
    ]
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


def chooser_text() -> str:
    return _("Which language should I use with you?")


def join_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(_("🏠 Sign up for my building"), callback_data=SignupJoin().pack())]]
    )
