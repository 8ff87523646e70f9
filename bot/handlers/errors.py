"""The global error handler: log what failed (ids only), tell the user kindly."""

from __future__ import annotations

import logging
import sqlite3
import time

from telegram import Update
from telegram.error import Forbidden, NetworkError, TelegramError

from bot import i18n, logs
from bot.handlers.common import BotContext, locale_of_update
from bot.i18n import _

log = logging.getLogger(__name__)

# SQLite's words for a database another process holds, or a disk with no room left
BUSY_WORDS = ("database is locked", "database is busy", "database table is locked")
FULL_WORDS = ("database or disk is full", "disk i/o error", "no space left")
REPEAT_QUIET_SECONDS = 60.0  # the same storage trouble is logged once a minute, with a count


def storage_trouble(error: BaseException | None) -> str | None:
    """ "busy" or "full" when ``error`` (or what caused it) is SQLite saying the database is
    locked by someone else or the disk is full; else None."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, sqlite3.OperationalError):
            text = str(error).lower()
            if any(w in text for w in BUSY_WORDS):
                return "busy"
            if any(w in text for w in FULL_WORDS):
                return "full"
        error = error.__cause__ or error.__context__
    return None


class _Once:
    """Log a recurring storage problem once per quiet period, then say how often it came back."""

    def __init__(self) -> None:
        self.last: dict[str, float] = {}
        self.repeats: dict[str, int] = {}

    def log(self, kind: str, update_id: int | None, error: BaseException) -> None:
        now = time.monotonic()
        if now - self.last.get(kind, -REPEAT_QUIET_SECONDS) < REPEAT_QUIET_SECONDS:
            self.repeats[kind] = self.repeats.get(kind, 0) + 1
            return
        again = self.repeats.pop(kind, 0)
        self.last[kind] = now
        log.error(
            "Update %s: the database is %s (%s); the person was asked to try again in a minute%s",
            update_id,
            "locked by another process" if kind == "busy" else "out of disk space",
            error,
            f"; {again} more such updates since the last report" if again else "",
            exc_info=error,
        )


STORAGE_LOG = _Once()


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
    trouble = storage_trouble(error)
    if trouble is not None:
        STORAGE_LOG.log(trouble, update_id, error)
    else:
        log.error("Update %s caused an error", update_id, exc_info=error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    with i18n.use_locale(await locale_of_update(update, context)):
        if trouble is not None:  # nothing was saved: each change is one transaction
            text = _("Sorry, I couldn't save that just now. Please try again in a minute.")
        else:
            text = _("Sorry, something went wrong on our side. Please try again in a moment.")
        try:
            if update.callback_query is not None:
                await update.callback_query.answer(text, show_alert=True)
            else:
                await update.effective_chat.send_message(text)
        except TelegramError as exc:
            log.warning("Could not tell the user about the error: %s", exc.message)
