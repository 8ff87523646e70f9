"""Quick polls: ``poll_answer`` updates (a resident's answer on their copy, changed, or
withdrawn with empty ``option_ids``) added up by ``services/polls.py``. The /poll, /closepoll
and /results commands and their views are the next increment."""

from __future__ import annotations

from telegram import Update

from bot.handlers.common import BotContext, localized


@localized(needs_user=False)
async def poll_answer(update: Update, context: BotContext) -> None:
    answer = update.poll_answer
    if answer is None or answer.user is None:  # an anonymous vote (a chat's): not ours
        return
    await context.services.polls.answer(answer.poll_id, answer.user.id, list(answer.option_ids))
