"""Messages the bot starts (not a direct answer): the one front door.

Everything sent to someone other than the person being answered goes through :func:`tell`:
it renders in the *recipient's* language (their choice in the bot, else their Telegram app's
language as last seen), sends, and handles "they blocked the bot" (403: marked unreachable, so
later jobs skip them) in one place. The delivery engine of the announcements issue will put
these sends in a durable, paced outbox behind this same door.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from telegram import Bot, InlineKeyboardMarkup
from telegram.error import Forbidden, TelegramError

from bot import i18n
from bot.handlers.common import BotContext
from bot.services import Services
from bot.services.signup import Finished
from bot.views import signup as signup_views

log = logging.getLogger(__name__)

Render = Callable[[], str | tuple[str, InlineKeyboardMarkup | None]]


async def send(bot: Bot, services: Services, user_id: int, render: Render) -> bool:
    """Message ``user_id`` in their own language; False when it could not be delivered."""
    with i18n.use_locale(await services.users.locale_for(user_id, None)):
        rendered = render()
    text, keyboard = rendered if isinstance(rendered, tuple) else (rendered, None)
    try:
        await bot.send_message(user_id, text, reply_markup=keyboard)
    except Forbidden:
        log.info("Could not message a person: they blocked the bot")
        await services.users.unreachable(user_id)
        return False
    except TelegramError as exc:
        log.warning("Could not message a person: %s", exc.message)
        return False
    return True


async def tell(context: BotContext, user_id: int, render: Render) -> bool:
    return await send(context.bot, context.services, user_id, render)


async def new_signup(context: BotContext, finished: Finished) -> None:
    """A new sign-up is waiting: tell whoever looks after the building."""
    building_id = finished.resident.building_id
    for steward_id in await context.services.roles.who_looks_after(building_id):
        await tell(context, steward_id, lambda: signup_views.new_signup_notice(finished))


async def send_signup_reminders(bot: Bot, services: Services) -> int:
    """Nudge, once, everyone whose sign-up has waited a day. Returns how many were reminded."""
    sent = 0
    for pending in await services.signup.due_reminders():
        delivered = await send(
            bot, services, pending.user_id, lambda p=pending: signup_views.reminder(p.building_name)
        )
        if delivered:
            sent += 1
        elif await services.users.is_reachable(pending.user_id):
            continue  # a passing error: try again next hour
        await services.signup.reminded(pending.user_id)
    return sent


async def remind_unfinished_signups(context: BotContext) -> None:
    """The JobQueue job (hourly); its state is in the database, so restarts lose nothing."""
    await send_signup_reminders(context.bot, context.services)
