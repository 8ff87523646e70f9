"""Everything no other handler took: a short helpful answer, or a safe silence.

- edited messages and channel posts are ignored (they would repeat a command);
- in groups, only commands addressed to us get an answer;
- in a private chat, unknown commands, free text, stickers, photos and the like get a hint;
- a button press that no handler recognised (old, or forged) gets an "expired" notice.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot.handlers.common import BotContext, is_private, localized
from bot.views import fallback as views
from bot.views.problems import stale

MAX_ECHOED_COMMAND = 32


async def ignore_update(update: Update, context: BotContext) -> None:
    raise ApplicationHandlerStop


def _command_name(text: str | None) -> str:
    words = (text or "").split(maxsplit=1)
    word = words[0].split("@", 1)[0] if words else "/"
    if len(word) > MAX_ECHOED_COMMAND:
        word = word[:MAX_ECHOED_COMMAND] + "…"
    return word


@localized
async def unknown_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    await message.reply_text(views.unknown_command_text(_command_name(message.text)))


async def reply_with_hint(update: Update) -> None:
    """Point a resident who typed or sent something we can't use to /help (private chats)."""
    if not is_private(update):
        return
    await update.effective_message.reply_text(views.hint_text())


@localized
async def other_message(update: Update, context: BotContext) -> None:
    await reply_with_hint(update)


@localized
async def stale_button(update: Update, context: BotContext) -> None:
    await update.callback_query.answer(stale())
