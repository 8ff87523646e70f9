"""/help: the commands this user's role may use, in their language (``views/help``)."""

from __future__ import annotations

from telegram import Update

from bot.handlers.common import BotContext, localized
from bot.views.help import help_text


@localized
async def help_command(update: Update, context: BotContext) -> None:
    role = await context.services.roles.role_of(update.effective_user.id)
    await update.effective_message.reply_text(help_text(role))
