"""/privacy, /mydata and /forget: what we store, a copy of it, and erasing it. Texts and
keyboards: ``views/privacy``."""

from __future__ import annotations

import io
import json

from telegram import Update

from bot.handlers.common import BotContext, command, local_datetime, requires, show
from bot.services.roles import Role
from bot.views import privacy as views
from bot.views.buttons import ForgetConfirm, unpack


@command("privacy")
async def privacy_command(update: Update, context: BotContext) -> None:
    await update.effective_message.reply_text(views.privacy_text())


@command("mydata")
async def mydata_command(update: Update, context: BotContext) -> None:
    user = update.effective_user
    data = await context.services.privacy.export(user.id)
    if data is None:
        await update.effective_message.reply_text(views.nothing_stored_text())
        return
    await update.effective_message.reply_text(
        views.summary_text(data, lambda timestamp: local_datetime(context, timestamp))
    )
    document = io.BytesIO(json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8"))
    await update.effective_message.reply_document(document, filename="common-ground-my-data.json")


@command("forget")
async def forget_command(update: Update, context: BotContext) -> None:
    text, keyboard = views.forget_prompt()
    await update.effective_message.reply_text(text, reply_markup=keyboard)


@requires(Role.RESIDENT)
async def forget_button(update: Update, context: BotContext) -> None:
    """The press always acts on the presser's own data, whatever message it came from."""
    query = update.callback_query
    button = unpack(query.data)
    await query.answer()
    if isinstance(button, ForgetConfirm):
        await context.services.privacy.forget(update.effective_user.id, update.update_id)
        await show(update, views.forgotten_text())
    else:
        await show(update, views.not_erased_text())
