"""Admin-only commands. Every one checks the caller's role on the server, at call time."""

from __future__ import annotations

from telegram import Update

from bot.handlers.common import BotContext, command
from bot.views.admin import status_text


@command("status")
async def status_command(update: Update, context: BotContext) -> None:
    snap = await context.services.status.snapshot()
    await update.effective_message.reply_text(status_text(snap))
