"""A building's Telegram group: /linkgroup, join requests, and /warn, /mute, /ban by reply.
Texts and keyboards: ``views/groups``.

In a group, every moderation command re-checks, each time, that the sender looks after the
group's building *and* is an admin of the group in Telegram right now.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import datetime

from telegram import ChatMember, ChatPermissions, Update
from telegram.error import Forbidden, TelegramError

from bot.clock import system_clock
from bot.handlers.common import BotContext, command, localized, replied_person, reply
from bot.handlers.moderation import apply_decision
from bot.handlers.notify import tell
from bot.services.groups import GroupBuilding, clean_reason, split_duration
from bot.services.moderation import ModerationProblem
from bot.views import groups as views
from bot.views.moderation import group_refused_text
from bot.views.problems import yourself

log = logging.getLogger(__name__)

ADMIN_STATUSES = (ChatMember.ADMINISTRATOR, ChatMember.OWNER)
MUTED = ChatPermissions.no_permissions()


async def is_group_admin(context: BotContext, chat_id: int, user_id: int) -> bool:
    """Asked fresh from Telegram every time: roles in a group change without telling us."""
    try:
        member = await context.bot.get_chat_member(chat_id, user_id)
    except TelegramError:
        return False
    return member.status in ADMIN_STATUSES


def in_group(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type in ("group", "supergroup")


@command("linkgroup")
async def linkgroup_command(update: Update, context: BotContext) -> None:
    if not in_group(update):
        await reply(update, views.linkgroup_where_text())
        return
    chat_id, user_id = update.effective_chat.id, update.effective_user.id
    if not context.args:
        await reply(update, views.linkgroup_usage())
        return
    if not await is_group_admin(context, chat_id, user_id):
        await reply(update, views.group_admins_only_text())
        return
    if not await is_group_admin(context, chat_id, context.bot.id):
        await reply(update, views.make_me_admin_text())
        return
    building = await context.services.buildings.resolve(" ".join(context.args))
    await context.services.groups.link(user_id, building.id, chat_id)
    await reply(update, views.linked_text(building.name))


@localized
async def join_request(update: Update, context: BotContext) -> None:
    """Approve verified residents of the group's building; invite others to sign up."""
    request = update.chat_join_request
    allowed, building = await context.services.groups.may_join(
        request.from_user.id, request.chat.id
    )
    if building is None:
        return  # not a building's group: the group's own admins decide
    try:
        if allowed:
            await request.approve()
            return
        await request.decline()
        user_id = request.from_user.id
        signature = await context.services.signup.join_signature(user_id, building.id)
        text, keyboard = views.join_invitation(building.id, building.name, signature)
        await context.bot.send_message(request.user_chat_id, text, reply_markup=keyboard)
    except Forbidden:
        log.info("Could not answer a join request: the bot lacks rights or was blocked")
    except TelegramError as exc:
        log.warning("Could not answer a join request: %s", exc.message)


async def act_in_group(
    context: BotContext,
    update: Update,
    user_id: int,
    building: GroupBuilding,
    action: str,
    *,
    until: datetime | None = None,
) -> bool:
    """Mute or ban in Telegram, after the audit entry is written. When Telegram refuses, that
    is audited too, and False is returned."""
    chat_id = update.effective_chat.id
    try:
        if action == "mute":
            await context.bot.restrict_chat_member(chat_id, user_id, MUTED, until_date=until)
        else:
            await context.bot.ban_chat_member(chat_id, user_id)
    except TelegramError as exc:
        log.warning("Telegram refused a group %s: %s", action, exc.message)
        await context.services.groups.record(
            update.effective_user.id, "group.failed", building, user_id, None, {"action": action}
        )
        return False
    return True


async def _target(update: Update, context: BotContext):
    """The author of the replied-to message, and the group's building, after every check.
    Returns None (having answered) when the command cannot go ahead."""
    if not in_group(update):
        await reply(update, views.use_in_group_text())
        return None
    chat_id, actor_id = update.effective_chat.id, update.effective_user.id
    building = await context.services.groups.moderator_building(actor_id, chat_id)
    if not await is_group_admin(context, chat_id, actor_id):
        await reply(update, views.group_admins_only_text())
        return None
    target = replied_person(update.effective_message)
    if target is None:
        await reply(update, views.reply_to_someone_text())
        return None
    if target.id == actor_id:
        await reply(update, yourself())
        return None
    if await is_group_admin(context, chat_id, target.id):
        await reply(update, views.not_a_group_admin_text())
        return None
    return target, building


async def _target_with_reason(update: Update, context: BotContext, words: list[str], ask: str):
    """Like ``_target``, but a reason is required (``ask`` shows how). Returns (target,
    building, reason), or None having answered. The services check that the sender outranks
    the target (``groups.warn``, ``groups.mute``, ``groups.ban``)."""
    reason = clean_reason(words)
    if reason is None:
        await reply(update, ask)
        return None
    found = await _target(update, context)
    if found is None:
        return None
    target, building = found
    return target, building, reason


@command("warn")
async def warn_command(update: Update, context: BotContext) -> None:
    found = await _target_with_reason(update, context, context.args or [], views.warn_usage())
    if found is None:
        return
    target, building, reason = found
    chat_id = update.effective_chat.id
    warned = await context.services.groups.warn(
        update.effective_user.id,
        building,
        chat_id,
        target.id,
        reason,
        update.effective_message.message_id,
    )
    muted = None
    if warned.mute_for is not None:  # the mute is audited already: now do it
        until = system_clock() + warned.mute_for
        muted = await act_in_group(context, update, target.id, building, "mute", until=until)
    await reply(update, views.warned_text(target.full_name, warned.count, reason, muted=muted))
    await tell(context, target.id, lambda: views.warned_told_text(building.name, reason))


@command("mute")
async def mute_command(update: Update, context: BotContext) -> None:
    duration, words = split_duration(context.args or [])
    found = await _target_with_reason(update, context, words, views.mute_usage())
    if found is None:
        return
    target, building, reason = found
    # audited first, then done
    await context.services.groups.mute(
        update.effective_user.id, building, target.id, reason, duration
    )
    until = system_clock() + duration
    if not await act_in_group(context, update, target.id, building, "mute", until=until):
        await reply(update, group_refused_text())
        return
    await reply(update, views.muted_text(target.full_name, duration, reason))
    await tell(context, target.id, lambda: views.muted_told_text(building.name, duration, reason))


@command("ban", in_groups=True)
async def group_ban_command(update: Update, context: BotContext) -> None:
    """/ban in a group, as a reply: remove them from the group (and block them as a
    resident of this building, if they are one). A reason is required."""
    found = await _target_with_reason(update, context, context.args or [], views.ban_usage())
    if found is None:
        return
    target, building, reason = found
    # audited first, then done
    await context.services.groups.ban(update.effective_user.id, building, target.id, reason)
    if not await act_in_group(context, update, target.id, building, "ban"):
        await reply(update, group_refused_text())
        return
    # If they are a resident of *this* building, block them there too (and tell them); a
    # resident of another building, or someone already blocked, keeps their membership.
    with contextlib.suppress(ModerationProblem):
        await apply_decision(
            update, context, target.id, "ban", reason, building_id=building.id, group_done=True
        )
    await reply(update, views.removed_text(target.full_name, reason))
