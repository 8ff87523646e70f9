"""/help: the commands this user's role may use, in their language (``views/help``)."""

from __future__ import annotations

from telegram import Update

from bot.handlers.common import BotContext, command, current_actor
from bot.views.help import help_text


@command("help")
async def help_command(update: Update, context: BotContext) -> None:
    role = (await current_actor(update, context)).role
    await update.effective_message.reply_text(help_text(role))
