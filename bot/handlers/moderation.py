"""Steward tools: /pending (with buttons), /approve, /reject, /ban, /unban, /residents,
/audit, and the organisers' /promote and /demote. Texts and keyboards: ``views/moderation``.

Each command and each button checks the presser's role and building *now*, through the
services; the resident concerned is told in their own language.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError

from bot.handlers import menus, notify, paging
from bot.handlers.common import (
    BotContext,
    command,
    current_actor,
    local_datetime,
    replied_person,
    reply,
    requires,
    show,
)
from bot.i18n import _
from bot.numbers import parse_int
from bot.services.moderation import ACTIONS, REJECT_REASONS, Decision, ModerationProblem
from bot.services.problems import ButtonProblem
from bot.services.roles import Role
from bot.views import moderation as views
from bot.views.buttons import Approve, PendingCard, Reject, RejectReasons, unpack

log = logging.getLogger(__name__)

AUDIT_PAGE = 8  # entries of up to ~450 characters each: a page stays under 4,096
RESIDENTS_PAGE = 25  # lines of up to ~120 characters


async def target_and_rest(
    update: Update, context: BotContext, args: list[str], *, known_only: bool = True
) -> tuple[int | None, list[str]]:
    """The person a command is about: the author of the replied-to message, or the first
    argument (@username or id). ``None`` when nobody was named. ``known_only=False`` also
    takes the bare id of someone the bot no longer knows (/unban after /forget)."""
    replied = replied_person(update.effective_message)
    if replied is not None:
        if await context.services.users.find(str(replied.id)) is None:
            raise ModerationProblem(ModerationProblem.UNKNOWN_PERSON)
        return replied.id, args
    if not args:
        return None, args
    user_id = await context.services.users.find(args[0], known_only=known_only)
    if user_id is None:
        raise ModerationProblem(ModerationProblem.UNKNOWN_PERSON)
    return user_id, args[1:]


async def apply_in_group(context: BotContext, decision: Decision, action: str) -> bool:
    """A ban also removes the person from the building's group; an unban lets them ask to
    join again. False when Telegram refused (the decision itself stands, audited)."""
    if decision.group_chat_id is None or action not in ("ban", "unban"):
        return True
    try:
        if action == "ban":
            await context.bot.ban_chat_member(decision.group_chat_id, decision.user_id)
        else:
            await context.bot.unban_chat_member(
                decision.group_chat_id, decision.user_id, only_if_banned=True
            )
    except TelegramError as exc:
        log.warning("Could not apply a %s in the building's group: %s", action, exc.message)
        return False
    return True


async def apply_decision(
    update: Update,
    context: BotContext,
    target_id: int,
    action: str,
    reason: str | None,
    *,
    building_id: int | None = None,
    group_done: bool = False,
) -> str:
    """Decide (audited), tell the resident, and return the confirmation for the steward.
    ``building_id``: only a resident of that building (a decision made in its group, where
    ``group_done`` says the group itself was already dealt with)."""
    decision = await context.services.moderation.decide(
        update.effective_user.id, target_id, action, reason, building_id=building_id
    )
    await notify.tell(context, target_id, lambda: views.told_text(action, decision))
    text = views.decided_text(action, decision)
    if not group_done and not await apply_in_group(context, decision, action):
        text += "\n" + views.group_refused_text()
    return text


def _decision_command(action: str):
    """/approve, /reject, /ban, /unban: the person, then (where the action needs one) a
    reason; the rest of the words are ignored otherwise."""
    needs_reason = ACTIONS[action][2]

    @command(action)
    async def decision_command(update: Update, context: BotContext) -> None:
        args = context.args or []
        target_id, rest = await target_and_rest(update, context, args, known_only=action != "unban")
        if target_id is None:
            await reply(update, views.name_someone_text())
            return
        reason = " ".join(rest) if needs_reason else None
        await reply(update, await apply_decision(update, context, target_id, action, reason))

    decision_command.__name__ = f"{action}_command"
    return decision_command


approve_command = _decision_command("approve")
reject_command = _decision_command("reject")
ban_command = _decision_command("ban")
unban_command = _decision_command("unban")


def when(context: BotContext):
    return lambda timestamp: local_datetime(context, timestamp)


@command("pending")
async def pending_command(update: Update, context: BotContext) -> None:
    actor = await current_actor(update, context)
    waiting, total = await context.services.moderation.pending(actor)
    if not waiting:
        await reply(update, _("Nobody is waiting for approval. 🎉"))
        return
    await reply(update, views.queue_heading(total, len(waiting)))
    for item in waiting:
        text, keyboard = views.pending_card(item.resident, item.crowded_unit, when(context))
        await reply(update, text, reply_markup=keyboard)


@requires(Role.STEWARD)
async def moderation_button(update: Update, context: BotContext) -> None:
    """Approve, Reject (choose a reason), a reason, Back. The presser's rights are checked
    again now, inside the decision, whatever the button says."""
    query = update.callback_query
    match unpack(query.data):
        case Approve(user_id=target_id):
            text = await apply_decision(update, context, target_id, "approve", None)
        case Reject(user_id=target_id, reason=code):
            text = await apply_decision(update, context, target_id, "reject", REJECT_REASONS[code])
        case RejectReasons(user_id=target_id):
            text, keyboard = views.reject_reasons(target_id)
            await query.answer()
            await show(update, text, reply_markup=keyboard)
            return
        case PendingCard(user_id=target_id):
            actor = await current_actor(update, context)
            waiting, _total = await context.services.moderation.pending(actor, limit=1000)
            item = next((p for p in waiting if p.resident.user_id == target_id), None)
            await query.answer()
            if item is None:
                await show(update, _("Nothing to change: that is already the case."))
            else:
                text, keyboard = views.pending_card(item.resident, item.crowded_unit, when(context))
                await show(update, text, reply_markup=keyboard)
            return
        case _:
            raise ButtonProblem(ButtonProblem.STALE)
    await query.answer()
    await show(update, text)


@command("residents")
async def residents_command(update: Update, context: BotContext) -> None:
    args = context.args or []
    building_id = 0  # every building the steward looks after
    if args:
        building_id = (await context.services.buildings.resolve(" ".join(args))).id
    await paging.send_first_page(update, context, "res", building_id)


@paging.listing("res", Role.STEWARD, RESIDENTS_PAGE)
async def residents_page(
    update: Update, context: BotContext, offset: int, building_id: int
) -> tuple[str, bool]:
    residents, total = await context.services.moderation.residents_of(
        await current_actor(update, context),
        building_id or None,
        limit=RESIDENTS_PAGE,
        offset=offset,
    )
    return views.residents_page(residents, total), offset + len(residents) < total


@command("audit")
async def audit_command(update: Update, context: BotContext) -> None:
    """/audit, or /audit N: the latest actions (N at most), newest first, a page at a time."""
    args = context.args or []
    most = parse_int(args[0], max_digits=4) if args else None
    await paging.send_first_page(update, context, "aud", max(1, most or 1000))


@paging.listing("aud", Role.STEWARD, AUDIT_PAGE)
async def audit_page(
    update: Update, context: BotContext, offset: int, most: int
) -> tuple[str, bool]:
    size = max(0, min(AUDIT_PAGE, most - offset))
    entries = await context.services.moderation.recent_audit(
        await current_actor(update, context), size + 1, offset
    )
    more = len(entries) > size and offset + size < most
    return views.audit_page(entries[:size], when(context)), more


@command("promote")
async def promote_command(update: Update, context: BotContext) -> None:
    """/promote <user> steward <building> | /promote <user> organiser"""
    services = context.services
    target_id, rest = await target_and_rest(update, context, context.args or [])
    role = rest[0].lower() if rest else ""
    if target_id is None or role not in ("steward", "organiser"):
        await reply(update, views.promote_usage())
        return
    building_name = None
    if role == "organiser":
        await services.roles.promote(update.effective_user.id, target_id, Role.ORGANISER)
    elif len(rest) < 2:
        await reply(update, views.promote_usage())
        return
    else:
        building = await services.buildings.resolve(" ".join(rest[1:]))
        await services.roles.promote(update.effective_user.id, target_id, Role.STEWARD, building.id)
        building_name = building.name
    await notify.tell(context, target_id, lambda: views.new_role_text(building_name))
    await menus.set_chat_menu(context, target_id, await services.users.locale_for(target_id))
    await reply(update, _("Done: their new role is saved, and they have been told."))


@command("demote")
async def demote_command(update: Update, context: BotContext) -> None:
    target_id, _rest = await target_and_rest(update, context, context.args or [])
    if target_id is None:
        await reply(update, views.name_someone_text())
        return
    await context.services.roles.demote(update.effective_user.id, target_id)
    await notify.tell(
        context, target_id, lambda: _("You no longer have a steward or organiser role.")
    )
    await menus.set_chat_menu(
        context, target_id, await context.services.users.locale_for(target_id)
    )
    await reply(update, _("Done: they are a resident again, and they have been told."))
