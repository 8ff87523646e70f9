"""/stop (and "stop" in any language), and noticing residents who blocked the bot.

Nobody is deleted for either: /start turns announcements back on, and a resident who
blocked the bot is reachable again as soon as they write to it.
"""

from __future__ import annotations

import logging

from telegram import ChatMember, Update

from bot.handlers.common import BotContext, command, is_private, reply
from bot.views.reachability import paused_text

log = logging.getLogger(__name__)


async def pause_announcements(update: Update, context: BotContext) -> None:
    """/stop, or "stop" typed in any language ("parar", "停止"...), in a private chat."""
    if not is_private(update):
        return
    await context.services.users.remember(update.effective_user.id)
    await context.services.users.pause(update.effective_user.id)
    await reply(update, paused_text())


stop_command = command("stop")(pause_announcements)


async def my_chat_member(update: Update, context: BotContext) -> None:
    """Telegram tells us when someone blocks (or unblocks) the bot in a private chat."""
    change = update.my_chat_member
    if change is None or change.chat.type != "private":
        return
    status = change.new_chat_member.status
    if status in (ChatMember.BANNED, ChatMember.LEFT):
        await context.services.users.unreachable(change.chat.id)
        log.info("A user blocked the bot; marked unreachable")
    elif status == ChatMember.MEMBER:
        await context.services.users.heard_from(change.chat.id, None)
