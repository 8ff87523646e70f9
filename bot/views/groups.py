"""A building's Telegram group as its members and stewards see it: /linkgroup, the invitation
sent to someone declined at the door, and /warn, /mute and /ban with what the person is told."""

from __future__ import annotations

from datetime import timedelta

from babel.dates import format_timedelta
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import i18n
from bot.i18n import _
from bot.services.groups import WARN_LIMIT
from bot.views.buttons import SignupInvited
from bot.views.common import esc
from bot.views.moderation import group_refused_text


def duration_text(duration: timedelta) -> str:
    """ "2 hours", "1 day"... in the active language."""
    return format_timedelta(duration, locale=i18n.current_locale(), threshold=1.1)


def reason_line(reason: str) -> str:
    return _("Reason: {reason}").format(reason=esc(reason))


# --- /linkgroup -------------------------------------------------------------------------------
def linkgroup_where_text() -> str:
    return _(
        "Send /linkgroup in your building's Telegram group, after adding me to it as an admin."
    )


def linkgroup_usage() -> str:
    return _("For example: /linkgroup Maple Court")


def group_admins_only_text() -> str:
    return _("Only an admin of this group can do that.")


def make_me_admin_text() -> str:
    return _(
        "Please make me an admin of this group first, with the rights to add and restrict members."
    )


def linked_text(building_name: str) -> str:
    return _(
        "This is now the group of {building}. I will let in its verified residents when "
        "they ask to join."
    ).format(building=esc(building_name))


# --- join requests ----------------------------------------------------------------------------
def join_invitation(
    building_id: int, building_name: str, signature: str
) -> tuple[str, InlineKeyboardMarkup]:
    """Sent privately to someone declined at the group's door: sign up first (the button is
    signed for this person and building)."""
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    _("🏠 Sign up for my building"),
                    callback_data=SignupInvited(building_id, signature).pack(),
                )
            ]
        ]
    )
    text = _(
        "Hello! The {building} group is for its verified residents. Sign up here first; "
        "once a steward approves you, ask to join again."
    ).format(building=esc(building_name))
    return text, keyboard


# --- /warn, /mute, /ban by reply --------------------------------------------------------------
def use_in_group_text() -> str:
    return _("Use this in your building's group, as a reply to a message.")


def reply_to_someone_text() -> str:
    return _("Reply to a message of the person, then send the command.")


def not_a_group_admin_text() -> str:
    return _("I can't do that to an admin of this group.")


def warn_usage() -> str:
    return _("Please add a reason, for example: /warn please keep it friendly")


def mute_usage() -> str:
    return _(
        "Please add a reason after the duration. For example, for 2h (2 hours): "
        "/mute 2h please keep it friendly"
    )


def ban_usage() -> str:
    return _("Please add a reason, for example: /ban spamming the group")


def warned_text(name: str, count: int, reason: str, *, muted: bool | None = None) -> str:
    """What the group is told of a warning. ``muted``: None when the warning mutes nobody,
    True when it reached the limit and the member is muted, False when Telegram refused."""
    text = _("⚠️ {name} has been warned ({count}/{limit}).").format(
        name=esc(name), count=count, limit=WARN_LIMIT
    )
    text += "\n" + reason_line(reason)
    if muted is True:
        text += "\n" + _("That is {limit} warnings: they can't write here for a day.").format(
            limit=WARN_LIMIT
        )
    elif muted is False:
        text += "\n" + group_refused_text()
    return text


def warned_told_text(building_name: str, reason: str) -> str:
    """What the warned member is told, privately."""
    return _("You received a warning in the {building} group. Reason: {reason}").format(
        building=esc(building_name), reason=esc(reason)
    )


def muted_text(name: str, duration: timedelta, reason: str) -> str:
    text = _("🔇 {name} can't write here for {duration}.").format(
        name=esc(name), duration=duration_text(duration)
    )
    return text + "\n" + reason_line(reason)


def muted_told_text(building_name: str, duration: timedelta, reason: str) -> str:
    """What the muted member is told, privately."""
    return _("You can't write in the {building} group for {duration}. Reason: {reason}").format(
        building=esc(building_name), duration=duration_text(duration), reason=esc(reason)
    )


def removed_text(name: str, reason: str) -> str:
    return (
        _("🚫 {name} has been removed from this group.").format(name=esc(name))
        + "\n"
        + reason_line(reason)
    )
