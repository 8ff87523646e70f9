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
from bot.handlers import menus, paging
from bot.handlers.buildings import problem_text as building_problem_text
from bot.handlers.common import (
    BotContext,
    esc,
    local_datetime,
    localized,
    private_only,
    refuse_unless,
    replied_person,
    reply,
    show,
)
from bot.i18n import N_, _
from bot.services.buildings import BuildingProblem
from bot.services.moderation import ACTIONS, Decision, ModerationProblem
from bot.services.numbers import parse_int
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
# One whole sentence per action, so every language can order and agree it naturally.
AUDIT_SENTENCES = {
    "building.add": N_("{actor} added the building {building}."),
    "building.rename": N_("{actor} renamed the building {building}."),
    "building.archive": N_("{actor} archived the building {building}."),
    "building.settings": N_("{actor} changed the settings of {building}."),
    "invite.create": N_("{actor} made an invite to {building}."),
    "invite.revoke": N_("{actor} withdrew an invite to {building}."),
    "resident.approve": N_("{actor} approved the sign-up of {subject} ({building})."),
    "resident.reject": N_("{actor} turned down the sign-up of {subject} ({building})."),
    "resident.ban": N_("{actor} blocked {subject} in {building}."),
    "resident.unban": N_("{actor} unblocked {subject} in {building}."),
    "role.promote": N_("{actor} gave {subject} a role."),
    "role.demote": N_("{actor} took the roles of {subject} away."),
    "role.forget": N_("{subject} erased their data, and their roles with it."),
    "group.link": N_("{actor} linked a Telegram group to {building}."),
    "group.warn": N_("{actor} warned {subject} in the group of {building}."),
    "group.mute": N_("{actor} muted {subject} in the group of {building}."),
    "group.ban": N_("{actor} removed {subject} from the group of {building}."),
    "group.failed": N_("{actor} tried to act in the group of {building}, but Telegram refused."),
}
AUDIT_PAGE = 8  # entries of up to ~450 characters each: a page stays under 4,096
RESIDENTS_PAGE = 25  # lines of up to ~120 characters


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
        return _("That resident lives in a building you don't represent.")
    if kind in (ModerationProblem.SELF, RoleProblem.SELF):
        return _("You can't do that to yourself.")
    if kind in (ModerationProblem.OUTRANKED, RoleProblem.OUTRANKED):
        return outranked_text()
    if kind == ModerationProblem.REASON_REQUIRED:
        return _("Please add a reason after the name, for example: /ban @sam spamming the group")
    if kind == RoleProblem.NOT_ALLOWED:
        return _("Only the bot's admins can make someone an organiser.")
    if kind == ModerationProblem.ALREADY and problem.detail:
        return _("Already decided by {name}: nothing was changed.").format(name=esc(problem.detail))
    return _("Nothing to change: that is already the case.")


async def target_and_rest(
    update: Update, context: BotContext, args: list[str]
) -> tuple[int | None, list[str]]:
    """The person a command is about: the author of the replied-to message, or the first
    argument (@username or id). ``None`` when nobody was named."""
    replied = replied_person(update.effective_message)
    if replied is not None:
        return replied.id, args
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
    building = esc(decision.building_name)
    kept = decision.reason
    await tell(
        context,
        target_id,
        lambda: _(TOLD[action]).format(building=building, reason=esc(_(kept)) if kept else "—"),
    )
    name = esc(decision.name) if decision.name else str(decision.user_id)
    text = _(DONE[action]).format(name=name, building=building)
    if not group_done and not await apply_in_group(context, decision, action):
        text += "\n" + group_refused_text()
    return text


def group_refused_text() -> str:
    return _(
        "Telegram did not let me change their place in the building's group: please check "
        "that I am still an admin there, with the right to ban members."
    )


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
@private_only
async def pending_command(update: Update, context: BotContext) -> None:
    if await refuse_unless(update, context, Role.STEWARD):
        return
    waiting, total = await context.services.moderation.pending(update.effective_user.id)
    if not waiting:
        await reply(update, _("Nobody is waiting for approval. 🎉"))
        return
    heading = _("<b>Waiting for approval ({count})</b>").format(count=total)
    if total > len(waiting):
        heading += "\n" + _(
            "Here are the first {shown}: decide on these, then send /pending again."
        ).format(shown=len(waiting))
    await reply(update, heading)
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
    target_id = parse_int(parts[2], max_digits=15) if len(parts) in (3, 4) else None
    if target_id is None:
        await query.answer(_("This button no longer works. Send /help to start again."))
        return
    verb = parts[1]
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
            waiting, _total = await context.services.moderation.pending(
                update.effective_user.id, limit=1000
            )
            item = next((p for p in waiting if p.resident.user_id == target_id), None)
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
@private_only
async def residents_command(update: Update, context: BotContext) -> None:
    if await refuse_unless(update, context, Role.STEWARD):
        return
    args = context.args or []
    building_id = 0  # every building the steward looks after
    try:
        if args:
            building_id = (await context.services.buildings.resolve(" ".join(args))).id
        await paging.send_first_page(update, context, "res", building_id)
    except BuildingProblem as problem:
        await reply(update, building_problem_text(problem))
    except ModerationProblem as problem:
        await reply(update, problem_text(problem))


@paging.listing("res", Role.STEWARD, RESIDENTS_PAGE)
async def residents_page(
    update: Update, context: BotContext, offset: int, building_id: int
) -> tuple[str, bool]:
    try:
        residents, total = await context.services.moderation.residents_of(
            update.effective_user.id, building_id or None, limit=RESIDENTS_PAGE, offset=offset
        )
    except ModerationProblem as problem:
        return problem_text(problem), False
    if not residents:
        return _("No residents yet."), False
    lines = [_("<b>Residents ({count})</b>").format(count=total)]
    for r in residents:
        waiting = " ⏳" if r.status == "pending" else ""
        lines.append(f"{esc(r.display_name)} · {esc(r.unit)} · {esc(r.building_name)}{waiting}")
    return "\n".join(lines), offset + len(residents) < total


def person(name: str | None, user_id: int | None) -> str:
    """How the audit log names someone: "Ana (1201)", or just the number once erased."""
    if user_id is None:
        return "—"
    return f"{esc(name)} ({user_id})" if name else str(user_id)


def audit_line(context: BotContext, entry: dict) -> str:
    sentence = AUDIT_SENTENCES.get(entry["action"])
    if sentence is None:
        text = f"{person(entry['actor_name'], entry['actor_id'])}: {esc(entry['action'])}"
    else:
        text = _(sentence).format(
            actor=person(entry["actor_name"], entry["actor_id"]),
            subject=person(entry["subject_name"], entry["subject_id"]),
            building=esc(entry["building"] or "—"),
        )
    if entry["reason"]:
        text += " " + _("Reason: {reason}").format(reason=esc(_(entry["reason"])))
    elif entry["erased_at"]:
        text += " " + _("(reason erased at the person's request)")
    return f"{local_datetime(context, entry['at'])} · {text}"


@localized
@private_only
async def audit_command(update: Update, context: BotContext) -> None:
    """/audit, or /audit N: the latest actions (N at most), newest first, a page at a time."""
    if await refuse_unless(update, context, Role.STEWARD):
        return
    args = context.args or []
    most = parse_int(args[0], max_digits=4) if args else None
    await paging.send_first_page(update, context, "aud", max(1, most or 1000))


@paging.listing("aud", Role.STEWARD, AUDIT_PAGE)
async def audit_page(
    update: Update, context: BotContext, offset: int, most: int
) -> tuple[str, bool]:
    size = max(0, min(AUDIT_PAGE, most - offset))
    entries = await context.services.moderation.recent_audit(
        update.effective_user.id, size + 1, offset
    )
    if not entries[:size]:
        return _("The audit log is empty."), False
    lines = [_("<b>Latest actions</b>")]
    lines += [audit_line(context, e) for e in entries[:size]]
    return "\n".join(lines), len(entries) > size and offset + size < most


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
