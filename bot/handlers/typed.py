"""Routing what residents type in a private chat (as opposed to commands and buttons)."""

from __future__ import annotations

from telegram import Update

from bot.handlers import fallback, profile, reachability
from bot.handlers.common import BotContext, localized, reply
from bot.views import signup as signup_views


@localized
async def private_text(update: Update, context: BotContext) -> None:
    """Typed text in a private chat, in order: an answer to the current sign-up step (name,
    unit), a new name or unit from /profile, "stop" in any language, else the usual hint."""
    user = update.effective_user
    text = update.effective_message.text or ""
    service = context.services.signup
    state = await service.current(user.id)
    if state is not None and state.step in ("name", "unit"):
        if state.step == "name":
            state = await service.set_name(user.id, text)
        else:
            state = await service.set_unit(user.id, text)
        step_text, keyboard = signup_views.step_view(state, user.first_name)
        await reply(update, step_text, reply_markup=keyboard)
    elif await profile.typed_answer(update, context):
        return
    elif context.services.users.is_stop_word(text):
        await reachability.pause_announcements(update, context)
    else:
        await fallback.reply_with_hint(update)
