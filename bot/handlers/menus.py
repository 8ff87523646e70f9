"""Command menus and the bot's profile texts, in every language.

Telegram shows the menu matching the user's app language (``language_code``); once a user
picks a language in the bot, or has a higher role, their chat gets a menu of its own. The
menus' and profile's texts: ``views/menus``.
"""

from __future__ import annotations

import logging

from telegram import Bot, BotCommandScopeChat
from telegram.error import TelegramError

from bot import i18n
from bot.handlers.common import BotContext
from bot.services.roles import Role
from bot.views.menus import bot_commands, description, short_description

log = logging.getLogger(__name__)


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


MENUS_REMEMBERED = 10_000  # chats whose last menu this process remembers


async def set_chat_menu(context: BotContext, user_id: int, locale: str) -> None:
    """Give one private chat the menu of its user's role, in their chosen language, unless this
    process already gave it that very menu: a language button pressed again, or /start sent
    again, costs no Bot API call (after a restart the first one sets it again)."""
    role = await context.services.roles.role_of(user_id)
    given: dict[int, tuple[Role, str]] = context.bot_data.setdefault("chat_menus", {})
    if given.get(user_id) == (role, locale):
        return
    try:
        await context.bot.set_my_commands(
            bot_commands(role, locale), scope=BotCommandScopeChat(user_id)
        )
    except TelegramError as exc:
        log.info("Could not set a chat menu: %s", exc.message)
        return
    if len(given) >= MENUS_REMEMBERED:
        given.pop(next(iter(given)))  # the oldest
    given.pop(user_id, None)
    given[user_id] = (role, locale)
