"""/profile as a resident sees it: their answers, and the buttons to change them."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import _
from bot.storage.residents import Resident
from bot.views.buttons import (
    ProfileAfford,
    ProfileAffords,
    ProfileCard,
    ProfileEditName,
    ProfileEditUnit,
    ProfileLanguages,
    ProfileTenure,
    ProfileTenures,
)
from bot.views.signup import AFFORDABILITY_LABELS, TENURE_LABELS, resident_lines


def card(resident: Resident) -> tuple[str, InlineKeyboardMarkup]:
    lines = resident_lines(
        resident.building_name,
        resident.display_name,
        resident.unit,
        resident.tenure,
        resident.status,
        resident.affordability,
    )
    text = "\n".join([_("<b>Your profile</b>"), "", *lines])
    rows = [
        (_("✏️ Change my name"), ProfileEditName()),
        (_("✏️ Change my unit"), ProfileEditUnit()),
        (_("✏️ Change how I live here"), ProfileTenures()),
        (_("✏️ Change my kind of unit"), ProfileAffords()),
        (_("🌐 Change my language"), ProfileLanguages()),
    ]
    keyboard = [[InlineKeyboardButton(label, callback_data=b.pack())] for label, b in rows]
    return text, InlineKeyboardMarkup(keyboard)


def cancel_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(_("Cancel"), callback_data=ProfileCard().pack())]]
    )


def tenure_choice() -> tuple[str, InlineKeyboardMarkup]:
    keyboard = [
        [InlineKeyboardButton(_(label), callback_data=ProfileTenure(key).pack())]
        for key, label in TENURE_LABELS.items()
    ]
    keyboard.append([InlineKeyboardButton(_("Cancel"), callback_data=ProfileCard().pack())])
    return _("How do you live here?"), InlineKeyboardMarkup(keyboard)


def affordability_choice() -> tuple[str, InlineKeyboardMarkup]:
    keyboard = [
        [InlineKeyboardButton(_(label), callback_data=ProfileAfford(key).pack())]
        for key, label in AFFORDABILITY_LABELS.items()
    ]
    keyboard.append([InlineKeyboardButton(_("Cancel"), callback_data=ProfileCard().pack())])
    return _(
        "Is your home an assisted or subsidised unit, or a market-rate one?"
    ), InlineKeyboardMarkup(keyboard)


def not_signed_up_text() -> str:
    return _("You haven't signed up for a building yet.")


def edit_prompt(field: str) -> str:
    """What to type after "Change my name" or "Change my unit"."""
    if field == "name":
        return _("Type your new name.")
    return _("Type your new unit, for example 4B or 12-03.")


def saved_card(resident: Resident) -> tuple[str, InlineKeyboardMarkup]:
    text, keyboard = card(resident)
    return _("Saved") + "\n\n" + text, keyboard
