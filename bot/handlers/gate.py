"""Group -2, before every handler: an update is handled once only, and no one person can make
the bot spend its sending budget on them.

1. Telegram re-delivers the last updates after a crash: a replay of an update that was already
   handled stops here (recorded in ``processed_updates``, with the sender's current @username
   in the same quick write).
2. Flood control: a person who sends faster than the bot should answer gets one polite
   "slow down", then silence until their bucket refills (see ``services/flood.py``).
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop

from bot import i18n
from bot.handlers.common import BotContext, locale_of_update
from bot.i18n import _
from bot.services.flood import Verdict

log = logging.getLogger(__name__)


def command_of(update: Update) -> str | None:
    """The /command an update carries, without the bot's @name ("/help@our_bot" -> "help")."""
    message = update.message
    text = message.text if message is not None else None
    if not text or not text.startswith("/"):
        return None
    return text.split(maxsplit=1)[0][1:].split("@", 1)[0].lower() or None


def asks_for_an_answer(update: Update) -> bool:
    """Updates the bot answers: button presses, private messages, commands in groups, and
    requests to join a building's group (each costs a decision and a message)."""
    if update.callback_query is not None or update.chat_join_request is not None:
        return True
    if update.message is None or update.effective_chat is None:
        return False
    return update.effective_chat.type == ChatType.PRIVATE or command_of(update) is not None


async def gate(update: object, context: BotContext) -> None:
    if not isinstance(update, Update):
        return
    services = context.services
    user = update.effective_user
    if not await services.updates.first_time(
        update.update_id, user.id if user else None, user.username if user else None
    ):
        log.info("Update %s was handled before (re-delivered): skipped", update.update_id)
        raise ApplicationHandlerStop
    if user is None or not asks_for_an_answer(update):
        return
    verdict = await services.updates.admit(user.id, command_of(update))
    if verdict is Verdict.ALLOW:
        return
    log.info("Update %s: flood control (%s)", update.update_id, verdict.value)
    if update.chat_join_request is not None:
        raise ApplicationHandlerStop  # left pending in Telegram: the group's admins decide
    query = update.callback_query
    if query is not None or verdict is Verdict.WARN:
        with i18n.use_locale(await locale_of_update(update, context)):
            text = _("You're going a bit fast for me. Please wait a minute, then try again.")
        if query is not None:  # always answered, or the button keeps spinning
            await query.answer(text if verdict is Verdict.WARN else None)
        else:
            await update.effective_message.reply_text(text)
    raise ApplicationHandlerStop
