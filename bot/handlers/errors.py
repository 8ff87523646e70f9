"""The global error handler: log what failed (ids only), tell the user kindly."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, NetworkError, TelegramError

from bot import i18n, logs
from bot.handlers.common import BotContext, locale_of_update
from bot.i18n import _

log = logging.getLogger(__name__)


async def error_handler(update: object, context: BotContext) -> None:
    update_id = update.update_id if isinstance(update, Update) else None
    with logs.for_update(update_id):
        await _handle_error(update, update_id, context)


async def _handle_error(update: object, update_id: int | None, context: BotContext) -> None:
    error = context.error
    if isinstance(error, NetworkError) and not isinstance(update, Update):
        # Polling hiccups: PTB retries by itself.
        log.warning("Network problem talking to Telegram: %s", error)
        return
    if isinstance(error, Forbidden):
        log.info("Update %s: the user blocked the bot or left the chat", update_id)
        user = update.effective_user if isinstance(update, Update) else None
        if user is not None and update.effective_chat and update.effective_chat.id == user.id:
            await context.services.users.unreachable(user.id)
        return
    log.error("Update %s caused an error", update_id, exc_info=error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    with i18n.use_locale(await locale_of_update(update, context)):
        text = _("Sorry, something went wrong on our side. Please try again in a moment.")
        try:
            if update.callback_query is not None:
                await update.callback_query.answer(text, show_alert=True)
            else:
                await update.effective_chat.send_message(text)
        except TelegramError as exc:
            log.warning("Could not tell the user about the error: %s", exc.message)
