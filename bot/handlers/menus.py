"""Command menus and the bot's profile texts, in every language.

Telegram shows the menu matching the user's app language (``language_code``); once a user
picks a language in the bot, or has a higher role, their chat gets a menu of its own.
"""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeChat
from telegram.error import TelegramError

from bot import i18n
from bot.handlers.common import BotContext
from bot.i18n import _
from bot.services.commands import commands_for
from bot.services.roles import Role

log = logging.getLogger(__name__)


def bot_commands(role: Role, locale: str) -> list[BotCommand]:
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


async def publish_profile(bot: Bot, default_locale: str) -> None:
    """Set the resident menu, description and short description for every language."""
    targets: list[tuple[str, str | None]] = [(default_locale, None)]
    targets += [(loc, i18n.telegram_language_code(loc)) for loc in i18n.LOCALES]
    for locale, code in targets:
        try:
            with i18n.use_locale(locale):
                await bot.set_my_commands(bot_commands(Role.RESIDENT, locale), language_code=code)
                await bot.set_my_description(description(), language_code=code)
                await bot.set_my_short_description(short_description(), language_code=code)
        except TelegramError as exc:
            log.warning("Could not publish the %s menu: %s", locale, exc.message)


async def set_chat_menu(context: BotContext, user_id: int, locale: str) -> None:
    """Give one private chat the menu of its user's role, in their chosen language."""
    role = await context.services.roles.role_of(user_id)
    try:
        await context.bot.set_my_commands(
            bot_commands(role, locale), scope=BotCommandScopeChat(user_id)
        )
    except TelegramError as exc:
        log.info("Could not set a chat menu: %s", exc.message)
