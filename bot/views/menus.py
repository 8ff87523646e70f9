"""The command menus and the bot's profile texts (description, short description)."""

from __future__ import annotations

from telegram import BotCommand

from bot import i18n
from bot.i18n import _
from bot.services.commands import commands_for
from bot.services.roles import Role


def bot_commands(role: Role, locale: str) -> list[BotCommand]:
    """The menu of ``role``'s commands, described in ``locale``."""
    with i18n.use_locale(locale):
        return [BotCommand(c.name, _(c.description)) for c in commands_for(role)]


def description() -> str:
    return _(
        "Common Ground keeps neighbours in touch: sign up for your building, get event "
        "reminders, answer quick polls and read announcements from your stewards, in your own "
        "language. "
        "Press Start to begin."
    )


def short_description() -> str:
    return _("Your building's organising bot: events, polls and announcements, in your language.")
