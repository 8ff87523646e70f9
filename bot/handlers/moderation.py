"""Steward tools: /pending (with buttons), /approve, /reject, /ban, /unban, /residents,
/audit, and the organisers' /promote and /demote.

Each command and each button checks the presser's role and building *now*, through the
services; the resident concerned is told in their own language.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import Forbidden, TelegramError

from bot import i18n
from bot.handlers import menus
from bot.handlers.buildings import problem_text as building_problem_text
from bot.handlers.common import (
    BotContext,
    esc,
    local_datetime,
    localized,
    refuse_unless,
    reply,
    show,
)
from bot.i18n import N_, _
from bot.services.buildings import BuildingProblem
from bot.services.moderation import ACTIONS, ModerationProblem
from bot.services.roles import Role, RoleProblem
from bot.storage.residents import Resident

log = logging.getLogger(__name__)

REJECT_REASONS = {
    "notres": N_("Does not live in this building"),
    "dup": N_("Signed up twice"),
    "unit": N_("The unit does not match our records"),
}
DONE = {
    "approve": N_("Done: {name} ({building}) is approved."),
    "reject": N_("Done: {name} ({building}) is not approved."),
    "ban": N_("Done: {name} ({building}) is blocked."),
    "unban": N_("Done: {name} ({building}) is unblocked."),
}
TOLD = {
    "approve": N_(
        "Good news: your sign-up for {building} is approved. Welcome! Send /help to see what "
        "you can do."
    ),
    "reject": N_(
        "Your sign-up for {building} was not approved. Reason: {reason}. If you think this is "
        "a mistake, please talk to an organiser."
    ),
    "ban": N_("You have been removed from {building} on Common Ground. Reason: {reason}."),
    "unban": N_("You can take part in {building} on Common Ground again."),
}
AUDIT_LABELS = {
    "building.add": N_("added a building"),
    "building.rename": N_("renamed a building"),
    "building.archive": N_("archived a building"),
    "invite.create": N_("made an invite"),
    "invite.revoke": N_("withdrew an invite"),
    "resident.approve": N_("approved the sign-up of"),
    "resident.reject": N_("did not approve the sign-up of"),
    "resident.ban": N_("blocked resident"),
    "resident.unban": N_("unblocked resident"),
    "role.promote": N_("gave a role to"),
    "role.demote": N_("removed the roles of"),
}


def name_someone_text() -> str:
    return _(
        "Name someone: reply to their message, or write their @username or Telegram id. "
        "For example: /approve @amina"
    )


def outranked_text() -> str:
    return _("You can't do that to someone whose role is the same as yours or higher.")


def problem_text(problem: ModerationProblem | RoleProblem) -> str:
    kind = problem.kind
    if kind == ModerationProblem.UNKNOWN_PERSON:
        return _("I don't know that person yet: they need to start a chat with me first.")
    if kind == ModerationProblem.NOT_RESIDENT:
        return _("That person has not signed up for a building.")
    if kind == ModerationProblem.NOT_YOUR_BUILDING:
        return _("That resident is in a building you don't look after.")
    if kind in (ModerationProblem.SELF, RoleProblem.SELF):
        return _("You can't do that to yourself.")
    if kind in (ModerationProblem.OUTRANKED, RoleProblem.OUTRANKED):
        return outranked_text()
    if kind == ModerationProblem.REASON_REQUIRED:
        return _("Please add a reason after the name, for example: /ban @sam spamming the group")
    if kind == RoleProblem.NOT_ALLOWED:
        return _("Only an admin can make someone an organiser.")
    return _("Nothing to change: that is already the case.")


async def target_and_rest(
    update: Update, context: BotContext, args: list[str]
) -> tuple[int | None, list[str]]:
    """The person a command is about: the author of the replied-to message, or the first
    argument (@username or id). ``None`` when nobody was named."""
    replied = update.effective_message.reply_to_message
    if replied is not None and replied.from_user is not None and not replied.from_user.is_bot:
        return replied.from_user.id, args
    if not args:
        return None, args
    user_id = await context.services.users.find(args[0])
    if user_id is None:
        raise ModerationProblem(ModerationProblem.UNKNOWN_PERSON)
    return user_id, args[1:]


async def tell(context: BotContext, user_id: int, render: Callable[[], str]) -> None:
    """Message a person in *their* language (never the sender's)."""
    locale = await context.services.users.locale_for(user_id, None)
    with i18n.use_locale(locale):
        text = render()
    try:
        await context.bot.send_message(user_id, text)
    except Forbidden:
        log.info("Could not tell a resident: they blocked the bot")
        await context.services.users.unreachable(user_id)
    except TelegramError as exc:
        log.warning("Could not tell a resident: %s", exc.message)


async def apply_decision(
    update: Update, context: BotContext, target_id: int, action: str, reason: str | None
) -> str:
    """Decide, tell the resident, and return the confirmation for the steward."""
    resident = await context.services.moderation.decide(
        update.effective_user.id, target_id, action, reason
    )
    building = esc(resident.building_name)
    await tell(
        context,
        target_id,
        lambda: _(TOLD[action]).format(building=building, reason=esc(_(reason)) if reason else "—"),
    )
    return _(DONE[action]).format(name=esc(resident.display_name), building=building)


def _decision_command(action: str):
    """/approve, /reject, /ban, /unban: the person, then (where the action needs one) a
    reason; the rest of the words are ignored otherwise."""
    needs_reason = ACTIONS[action][2]

    @localized
    async def command(update: Update, context: BotContext) -> None:
        if await refuse_unless(update, context, Role.STEWARD):
            return
        try:
            target_id, rest = await target_and_rest(update, context, context.args or [])
            if target_id is None:
                await reply(update, name_someone_text())
                return
            reason = " ".join(rest) if needs_reason else None
            await reply(update, await apply_decision(update, context, target_id, action, reason))
        except ModerationProblem as problem:
            await reply(update, problem_text(problem))

    command.__name__ = f"{action}_command"
    return command


approve_command = _decision_command("approve")
reject_command = _decision_command("reject")
ban_command = _decision_command("ban")
unban_command = _decision_command("unban")


def pending_card(context: BotContext, resident: Resident, crowded: bool) -> str:
    lines = [
        _("<b>{name}</b> · unit {unit} · {building}").format(
            name=esc(resident.display_name),
            unit=esc(resident.unit),
            building=esc(resident.building_name),
        ),
        _("Signed up {date}").format(date=local_datetime(context, resident.created_at)),
    ]
    if crowded:
        lines.append(
            _("⚠️ Unit {unit} already has more residents than expected: please check.").format(
                unit=esc(resident.unit)
            )
        )
    return "\n".join(lines)


def pending_keyboard(user_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(_("✅ Approve"), callback_data=f"mod:ok:{user_id}"),
                InlineKeyboardButton(_("❌ Reject"), callback_data=f"mod:no:{user_id}"),
            ]
        ]
    )


@localized
async def pending_command(update: Update, context: BotContext) -> None:
    if await refuse_unless(update, context, Role.STEWARD):
        return
    waiting = await context.services.moderation.pending(update.effective_user.id)
    if not waiting:
        await reply(update, _("Nobody is waiting for approval. 🎉"))
        return
    await reply(update, _("<b>Waiting for approval ({count})</b>").format(count=len(waiting)))
    for item in waiting:
        await reply(
            update,
            pending_card(context, item.resident, item.crowded_unit),
            reply_markup=pending_keyboard(item.resident.user_id),
        )


@localized
async def moderation_button(update: Update, context: BotContext) -> None:
    """``mod:ok:<id>``, ``mod:no:<id>`` (choose a reason), ``mod:rj:<id>:<reason>``,
    ``mod:back:<id>``. The presser's rights are checked again now, whatever the button says."""
    if await refuse_unless(update, context, Role.STEWARD):
        return
    query = update.callback_query
    parts = (query.data or "").split(":")
    if len(parts) not in (3, 4) or not parts[2].isdigit() or len(parts[2]) > 15:
        await query.answer(_("This button no longer works. Send /help to start again."))
        return
    verb, target_id = parts[1], int(parts[2])
    try:
        if verb == "ok" and len(parts) == 3:
            text = await apply_decision(update, context, target_id, "approve", None)
        elif verb == "rj" and len(parts) == 4 and parts[3] in REJECT_REASONS:
            text = await apply_decision(
                update, context, target_id, "reject", REJECT_REASONS[parts[3]]
            )
        elif verb == "no" and len(parts) == 3:
            keyboard = [
                [InlineKeyboardButton(_(label), callback_data=f"mod:rj:{target_id}:{code}")]
                for code, label in REJECT_REASONS.items()
            ]
            keyboard.append(
                [InlineKeyboardButton(_("⬅️ Back"), callback_data=f"mod:back:{target_id}")]
            )
            await query.answer()
            await show(
                update,
                _("Why is this sign-up not approved? The resident will see the reason."),
                reply_markup=InlineKeyboardMarkup(keyboard),
            )
            return
        elif verb == "back" and len(parts) == 3:
            item = next(
                (
                    p
                    for p in await context.services.moderation.pending(update.effective_user.id)
                    if p.resident.user_id == target_id
                ),
                None,
            )
            await query.answer()
            if item is None:
                await show(update, _("Nothing to change: that is already the case."))
            else:
                await show(
                    update,
                    pending_card(context, item.resident, item.crowded_unit),
                    reply_markup=pending_keyboard(target_id),
                )
            return
        else:
            await query.answer(_("This button no longer works. Send /help to start again."))
            return
    except ModerationProblem as problem:
        await query.answer(problem_text(problem), show_alert=True)
        return
    await query.answer()
    await show(update, text)


@localized
async def residents_command(update: Update, context: BotContext) -> None:
    if await refuse_unless(update, context, Role.STEWARD):
        return
    args = context.args or []
    try:
        building_id = None
        if args:
            building_id = (await context.services.buildings.resolve(" ".join(args))).id
        residents = await context.services.moderation.residents_of(
            update.effective_user.id, building_id
        )
    except BuildingProblem as problem:
        await reply(update, building_problem_text(problem))
        return
    except ModerationProblem as problem:
        await reply(update, problem_text(problem))
        return
    if not residents:
        await reply(update, _("No residents yet."))
        return
    lines = [_("<b>Residents ({count})</b>").format(count=len(residents))]
    for r in residents:
        waiting = " ⏳" if r.status == "pending" else ""
        lines.append(f"{esc(r.display_name)} · {esc(r.unit)} · {esc(r.building_name)}{waiting}")
    await reply(update, "\n".join(lines))


def person(name: str | None, user_id: int) -> str:
    """How the audit log names someone: "Ana (1201)", or just the number once erased."""
    return f"{esc(name)} ({user_id})" if name else str(user_id)


@localized
async def audit_command(update: Update, context: BotContext) -> None:
    if await refuse_unless(update, context, Role.STEWARD):
        return
    args = context.args or []
    count = int(args[0]) if args and args[0].isdigit() and len(args[0]) < 4 else 10
    entries = await context.services.moderation.recent_audit(
        update.effective_user.id, max(1, min(count, 50))
    )
    if not entries:
        await reply(update, _("The audit log is empty."))
        return
    lines = [_("<b>Latest actions</b>")]
    for e in entries:
        action = e["action"]
        label = _(AUDIT_LABELS.get(action, action))
        who = person(e["actor_name"], e["actor_id"])
        whom = f" {person(e['subject_name'], e['subject_id'])}" if e["subject_id"] else ""
        why = f" — {esc(_(e['reason']))}" if e["reason"] else ""
        lines.append(f"{local_datetime(context, e['at'])} · {who} {label}{whom}{why}")
    await reply(update, "\n".join(lines))


@localized
async def promote_command(update: Update, context: BotContext) -> None:
    """/promote <user> steward <building> | /promote <user> organiser"""
    if await refuse_unless(update, context, Role.ORGANISER):
        return
    services = context.services
    usage = _("For example: /promote @amina steward Maple Court, or /promote @amina organiser")
    try:
        target_id, rest = await target_and_rest(update, context, context.args or [])
        if target_id is None or not rest or rest[0].lower() not in ("steward", "organiser"):
            await reply(update, usage)
            return
        if rest[0].lower() == "organiser":
            await services.roles.promote(update.effective_user.id, target_id, Role.ORGANISER)
            building_name = None
        else:
            if len(rest) < 2:
                await reply(update, usage)
                return
            building = await services.buildings.resolve(" ".join(rest[1:]))
            await services.roles.promote(
                update.effective_user.id, target_id, Role.STEWARD, building.id
            )
            building_name = building.name
    except (ModerationProblem, RoleProblem) as problem:
        await reply(update, problem_text(problem))
        return
    except BuildingProblem as problem:
        await reply(update, building_problem_text(problem))
        return

    def told() -> str:
        if building_name is None:
            return _("You are now an organiser on Common Ground. Send /help to see your tools.")
        return _("You are now a steward of {building}. Send /help to see your tools.").format(
            building=esc(building_name)
        )

    await tell(context, target_id, told)
    locale = await services.users.locale_for(target_id, None)
    await menus.set_chat_menu(context, target_id, locale)
    await reply(update, _("Done: their new role is saved, and they have been told."))


@localized
async def demote_command(update: Update, context: BotContext) -> None:
    if await refuse_unless(update, context, Role.ORGANISER):
        return
    try:
        target_id, _rest = await target_and_rest(update, context, context.args or [])
        if target_id is None:
            await reply(update, name_someone_text())
            return
        await context.services.roles.demote(update.effective_user.id, target_id)
    except (ModerationProblem, RoleProblem) as problem:
        await reply(update, problem_text(problem))
        return
    await tell(context, target_id, lambda: _("You no longer have a steward or organiser role."))
    locale = await context.services.users.locale_for(target_id, None)
    await menus.set_chat_menu(context, target_id, locale)
    await reply(update, _("Done: they are a resident again, and they have been told."))
