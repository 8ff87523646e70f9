"""/start as people see it: the welcome (with the language to confirm or change), a welcome
back for residents, and the pointer to a private chat in groups."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import i18n
from bot.i18n import _
from bot.storage.residents import Resident
from bot.views.buttons import LanguageMenu, LanguageSet
from bot.views.common import esc
from bot.views.help import see_help_text
from bot.views.signup import STATUS_LABELS


def welcome_text(first_name: str, locale: str) -> str:
    return "\n\n".join(
        (
            _("👋 Welcome to Common Ground, {name}!").format(name=esc(first_name)),
            _(
                "I help neighbours stay in touch: sign-ups for your building, event reminders, "
                "quick polls and announcements from your stewards, all in your own language."
            ),
            _("I'll write to you in <b>{language}</b>. Is that right?").format(
                language=i18n.language_name(locale, in_sentence=True)
            ),
        )
    )


def welcome_keyboard(locale: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    _("✅ Yes, continue in {language}").format(
                        language=i18n.language_name(locale, in_sentence=True)
                    ),
                    callback_data=LanguageSet(locale).pack(),
                )
            ],
            [
                InlineKeyboardButton(
                    _("🌐 Choose another language"), callback_data=LanguageMenu().pack()
                )
            ],
        ]
    )


def welcome_back_text(resident: Resident) -> str:
    """For a resident whose sign-up is waiting or approved."""
    return (
        _("Welcome back, {name}! You are signed up for {building} ({status}).").format(
            name=esc(resident.display_name),
            building=esc(resident.building_name),
            status=_(STATUS_LABELS[resident.status]),
        )
        + "\n\n"
        + see_help_text()
    )


def private_chat_hello_text() -> str:
    """/start in a group."""
    return _("Hello! Write to me in a private chat to get started.")
