"""Routing what residents type in a private chat (as opposed to commands and buttons).

In order: the answer to the question the person was asked (the ``awaiting`` table: a sign-up
step, a new name from /profile...), handled by whoever registered that kind in
``handlers/answers.py``; "stop" in any language; else the usual hint.
"""

from __future__ import annotations

from telegram import Update

from bot.handlers import fallback, reachability
from bot.handlers.answers import REGISTRY
from bot.handlers.common import BotContext, localized


@localized
async def private_text(update: Update, context: BotContext) -> None:
    user = update.effective_user
    text = update.effective_message.text or ""
    question = await context.services.awaiting.open_question(user.id)
    handler = REGISTRY.get(question.kind) if question is not None else None
    if handler is not None and await handler(update, context, question):
        return
    if context.services.users.is_stop_word(text):
        await reachability.pause_announcements(update, context)
    else:
        await fallback.reply_with_hint(update)
