"""Steward tools as stewards and residents see them: decisions, the approval queue, the
residents list, the audit log, roles."""

from __future__ import annotations

import json
from collections.abc import Callable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import N_, _
from bot.services.moderation import REJECT_REASONS, Decision
from bot.storage.residents import Resident, ResidentStatus
from bot.views.buttons import Approve, PendingCard, Reject, RejectReasons
from bot.views.common import esc
from bot.views.signup import crowded_unit_text

When = Callable[[str], str]  # a stored timestamp, shown to the reader

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
    "building.rename": N_("{actor} renamed a building, now called {building}."),
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
    "announcement.create": N_("{actor} wrote announcement #{number}."),
    "announcement.ask_approval": N_(
        "{actor} asked for a second approval of announcement #{number}."
    ),
    "announcement.approve": N_("{actor} approved announcement #{number}."),
    "announcement.schedule": N_("{actor} scheduled announcement #{number}."),
    "announcement.send": N_("{actor} sent announcement #{number}."),
    "announcement.cancel": N_("{actor} cancelled announcement #{number}."),
    "announcement.edit": N_("{actor} corrected announcement #{number}."),
    "event.publish": N_("{actor} published event #{number}."),
    "event.edit": N_("{actor} changed event #{number}."),
    "event.cancel": N_("{actor} cancelled event #{number}."),
    "event.attendance": N_("{actor} took attendance for event #{number}."),
    "event.attendance_all": N_("{actor} took attendance for event #{number}."),
    "survey.open": N_("{actor} opened survey wave #{number}."),
    "survey.close": N_("{actor} closed survey wave #{number}."),
    "role.translator": N_("{actor} made {subject} a translator."),
    "role.translator_removed": N_("{actor} took the translator role from {subject}."),
}


def name_someone_text() -> str:
    return _(
        "Name someone: reply to their message, or write their @username or Telegram id. "
        "For example: /approve @amina"
    )


def group_refused_text() -> str:
    return _(
        "Telegram did not let me update their membership of the building's group: please "
        "check that I am still an admin of that group, with the right to ban members."
    )


def decided_text(action: str, decision: Decision) -> str:
    """The steward's confirmation."""
    name = esc(decision.name) if decision.name else str(decision.user_id)
    return _(DONE[action]).format(name=name, building=esc(decision.building_name))


def told_text(action: str, decision: Decision) -> str:
    """What the resident is told (rendered in their language)."""
    reason = esc(_(decision.reason)) if decision.reason else "—"
    return _(TOLD[action]).format(building=esc(decision.building_name), reason=reason)


def queue_heading(total: int, shown: int) -> str:
    heading = _("<b>Waiting for approval ({count})</b>").format(count=total)
    if total > shown:
        heading += "\n" + _(
            "Here are the first {shown}: decide on these, then send /pending again."
        ).format(shown=shown)
    return heading


def pending_card(resident: Resident, crowded: bool, when: When) -> tuple[str, InlineKeyboardMarkup]:
    lines = [
        _("<b>{name}</b> · unit {unit} · {building}").format(
            name=esc(resident.display_name),
            unit=esc(resident.unit),
            building=esc(resident.building_name),
        ),
        _("Signed up {date}").format(date=when(resident.created_at)),
    ]
    if crowded:
        lines.append(crowded_unit_text(resident.unit))
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    _("✅ Approve"), callback_data=Approve(resident.user_id).pack()
                ),
                InlineKeyboardButton(
                    _("❌ Reject"), callback_data=RejectReasons(resident.user_id).pack()
                ),
            ]
        ]
    )
    return "\n".join(lines), keyboard


def reject_reasons(user_id: int) -> tuple[str, InlineKeyboardMarkup]:
    keyboard = [
        [InlineKeyboardButton(_(label), callback_data=Reject(user_id, code).pack())]
        for code, label in REJECT_REASONS.items()
    ]
    keyboard.append([InlineKeyboardButton(_("⬅️ Back"), callback_data=PendingCard(user_id).pack())])
    text = _("Why is this sign-up not approved? The resident will see the reason.")
    return text, InlineKeyboardMarkup(keyboard)


def residents_page(residents: list[Resident], total: int) -> str:
    if not residents:
        return _("No residents yet.")
    lines = [_("<b>Residents ({count})</b>").format(count=total)]
    for r in residents:
        waiting = " ⏳" if r.status == ResidentStatus.PENDING else ""
        lines.append(f"{esc(r.display_name)} · {esc(r.unit)} · {esc(r.building_name)}{waiting}")
    return "\n".join(lines)


def person(name: str | None, user_id: int | None) -> str:
    """How the audit log names someone: "Ana (1201)", or just the number once erased."""
    if user_id is None:
        return "—"
    return f"{esc(name)} ({user_id})" if name else str(user_id)


def _details(entry: dict) -> dict:
    details = entry.get("details")
    if isinstance(details, str):
        try:
            details = json.loads(details)
        except ValueError:
            details = None
    return details if isinstance(details, dict) else {}


def audit_line(entry: dict, when: When) -> str:
    sentence = AUDIT_SENTENCES.get(entry["action"])
    if sentence is None:
        text = f"{person(entry['actor_name'], entry['actor_id'])}: {esc(entry['action'])}"
    else:
        text = _(sentence).format(
            actor=person(entry["actor_name"], entry["actor_id"]),
            subject=person(entry["subject_name"], entry["subject_id"]),
            building=esc(entry["building"] or "—"),
            number=_details(entry).get(
                "announcement", _details(entry).get("event", _details(entry).get("wave", "?"))
            ),
        )
    stored = entry["reason"]  # free text, or the msgid of a reason picked with a button
    if stored:
        text += " " + _("Reason: {reason}").format(reason=esc(_(stored)))
    elif entry["erased_at"]:
        text += " " + _("(reason erased at the person's request)")
    return f"{when(entry['at'])} · {text}"


def audit_page(entries: list[dict], when: When) -> str:
    if not entries:
        return _("The audit log is empty.")
    return "\n".join([_("<b>Latest actions</b>"), *(audit_line(e, when) for e in entries)])


def promote_usage() -> str:
    return _("For example: /promote @amina steward Maple Court, or /promote @amina organiser")


def new_role_text(building_name: str | None) -> str:
    if building_name is None:
        return _("You are now an organiser on Common Ground. Send /help to see your tools.")
    return _("You are now a steward of {building}. Send /help to see your tools.").format(
        building=esc(building_name)
    )
