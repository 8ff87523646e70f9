"""Sign-up as residents see it: each step's text and buttons, and what they are told."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import i18n
from bot.i18n import N_, _
from bot.services.signup import CONSENT_VERSION, DISPLAY_NAME_MAX, Finished, Refused
from bot.storage.residents import ResidentStatus, Signup
from bot.views.buttons import (
    SignupAfford,
    SignupAgree,
    SignupBack,
    SignupBuilding,
    SignupDecline,
    SignupLanguage,
    SignupLanguages,
    SignupResume,
    SignupTenure,
    SignupUseName,
)
from bot.views.common import esc
from bot.views.language import language_keyboard

TENURE_LABELS = {
    "renter": N_("🔑 I rent"),
    "owner": N_("🏠 I own my home"),
    "other": N_("🏘 Another arrangement"),
    "undisclosed": N_("Prefer not to say"),
}
AFFORDABILITY_LABELS = {
    "assisted": N_("🤝 Assisted or subsidised"),
    "market": N_("🏢 Market-rate"),
    "unknown": N_("🤷 I don't know"),
    "undisclosed": N_("Prefer not to say"),
}
STATUS_LABELS = {
    "pending": N_("waiting for a steward's approval"),
    "approved": N_("approved"),
    "rejected": N_("not approved"),
    "banned": N_("blocked"),
}


def resident_lines(
    building: str,
    name: str,
    unit: str,
    tenure: str | None,
    status: str,
    affordability: str | None = None,
) -> list[str]:
    """What a resident told us at sign-up, as lines for /profile and /mydata."""
    status_label, tenure_label = STATUS_LABELS[status], TENURE_LABELS.get(tenure or "")
    afford_label = AFFORDABILITY_LABELS.get(affordability or "")
    return [
        _("Building: {building}").format(building=esc(building)),
        _("Name shown to stewards: {name}").format(name=esc(name)),
        _("Unit: {unit}").format(unit=esc(unit)),
        _("How you live here: {tenure}").format(tenure=_(tenure_label) if tenure_label else "—"),
        _("Kind of unit: {kind}").format(kind=_(afford_label) if afford_label else "—"),
        _("Sign-up: {status}").format(status=_(status_label)),
    ]


def back_button() -> InlineKeyboardButton:
    return InlineKeyboardButton(_("⬅️ Back"), callback_data=SignupBack().pack())


def skip_button(pressed) -> InlineKeyboardButton:
    return InlineKeyboardButton(_("Skip ▶️"), callback_data=pressed.pack())


def step_view(signup: Signup, first_name: str) -> tuple[str, InlineKeyboardMarkup]:
    """The text and buttons of the sign-up's current step, in the active language."""
    building = esc(signup.building_name)
    if signup.step == "language":
        locale = i18n.current_locale()
        name = i18n.language_name(locale, in_sentence=True)
        text = "\n\n".join(
            (
                _("👋 Welcome to Common Ground, {name}!").format(name=esc(first_name)),
                _("You are invited to join <b>{building}</b>.").format(building=building),
                _("I'll write to you in <b>{language}</b>. Is that right?").format(language=name),
            )
        )
        keyboard = [
            [
                InlineKeyboardButton(
                    _("✅ Yes, continue in {language}").format(language=name),
                    callback_data=SignupLanguage(locale).pack(),
                )
            ],
            [
                InlineKeyboardButton(
                    _("🌐 Choose another language"), callback_data=SignupLanguages().pack()
                )
            ],
        ]
    elif signup.step == "consent":
        text = "\n\n".join(
            (
                _("<b>Before we start</b>"),
                _(
                    "To sign you up for {building}, we will store the name you give, your unit "
                    "and, only if you choose, how you live here."
                ).format(building=building),
                _(
                    "The stewards of your building see this to welcome you and keep you "
                    "informed. We never share it with your landlord or anyone else. You can "
                    "see or erase it at any time with /mydata and /forget."
                ),
                _("<i>Privacy terms, version {version}</i>").format(version=CONSENT_VERSION),
            )
        )
        keyboard = [
            [InlineKeyboardButton(_("✅ I agree"), callback_data=SignupAgree().pack())],
            [InlineKeyboardButton(_("No thanks"), callback_data=SignupDecline().pack())],
            [back_button()],
        ]
    elif signup.step == "name":
        text = _("What name should your neighbours and stewards see? Type it, or use the button.")
        keyboard = [
            [
                InlineKeyboardButton(
                    _("Use “{name}”").format(name=first_name[:DISPLAY_NAME_MAX]),
                    callback_data=SignupUseName().pack(),
                )
            ],
            [back_button()],
        ]
    elif signup.step == "unit":
        text = _("Which unit or apartment do you live in? Type it, for example 4B or 12-03.")
        keyboard = [[back_button()]]
    elif signup.step == "tenure":
        text = "\n\n".join(
            (
                _("Two last questions, both optional. First: do you rent or own your home?"),
                _(
                    "<i>Why we ask: so organisers can check that every kind of household is "
                    "heard. Only the stewards of your building see your answer; reports only "
                    "ever show totals.</i>"
                ),
            )
        )
        keyboard = [
            [InlineKeyboardButton(_(label), callback_data=SignupTenure(key).pack())]
            for key, label in TENURE_LABELS.items()
        ] + [[skip_button(SignupTenure("skip"))], [back_button()]]
    else:
        text = "\n\n".join(
            (
                _(
                    "Last question, and it's optional: is your home an assisted or subsidised "
                    "unit, or a market-rate one?"
                ),
                _(
                    "<i>Why we ask: so organisers can check that every kind of household is "
                    "heard. Only the stewards of your building see your answer; reports only "
                    "ever show totals.</i>"
                ),
            )
        )
        keyboard = [
            [InlineKeyboardButton(_(label), callback_data=SignupAfford(key).pack())]
            for key, label in AFFORDABILITY_LABELS.items()
        ] + [[skip_button(SignupAfford("skip"))], [back_button()]]
    return text, InlineKeyboardMarkup(keyboard)


def no_listed_building_text() -> str:
    return _(
        "To sign up, open the invite link a steward of your building shared, or scan the QR "
        "code on the poster in your lobby."
    )


def refused_text(refused: Refused) -> str:
    if refused.kept_account:
        return _(
            "No problem: nothing from this sign-up was kept, except that you said no. "
            "Your role in the bot is unchanged."
        )
    return _(
        "No problem. We have kept nothing about you except that you said no. "
        "If you change your mind, open the invite link again."
    )


def finished_text(finished: Finished) -> str:
    resident = finished.resident
    name, building = esc(resident.display_name), esc(resident.building_name)
    if resident.status == ResidentStatus.APPROVED:
        return _("Welcome to {building}, {name}! 🎉 You are all signed up.").format(
            building=building, name=name
        )
    return _(
        "Thank you, {name}! 🎉 Your sign-up for {building} is waiting for a steward's "
        "approval. I'll message you as soon as it's done."
    ).format(building=building, name=name)


def building_picker(buildings: list) -> tuple[str, InlineKeyboardMarkup]:
    """The listed buildings, for someone without an invite."""
    keyboard = [
        [InlineKeyboardButton(b.name, callback_data=SignupBuilding(b.id).pack())] for b in buildings
    ]
    text = (
        _("Which building do you live in?")
        + "\n\n"
        + _("Not in the list? Ask a steward of your building for an invite link.")
    )
    return text, InlineKeyboardMarkup(keyboard)


def language_step_keyboard() -> InlineKeyboardMarkup:
    return language_keyboard(i18n.current_locale(), SignupLanguage)


def resumed_text(step_text: str) -> str:
    return _("Welcome back! Let's finish your sign-up.") + "\n\n" + step_text


def new_signup_notice(finished: Finished) -> str:
    """What the building's stewards are told of a sign-up waiting for them."""
    resident = finished.resident
    text = _("🆕 New sign-up waiting: {name}, unit {unit}, {building}. See /pending.").format(
        name=esc(resident.display_name),
        unit=esc(resident.unit),
        building=esc(resident.building_name),
    )
    if finished.crowded_unit:
        text += "\n" + crowded_unit_text(resident.unit)
    if finished.turned_down_before:
        text += "\n" + _("↩️ A steward turned down their sign-up before: please check again.")
    return text


def crowded_unit_text(unit: str) -> str:
    return _("⚠️ Unit {unit} already has more residents than expected: please check.").format(
        unit=esc(unit)
    )


def reminder(building_name: str) -> tuple[str, InlineKeyboardMarkup]:
    """The one nudge for a sign-up left unfinished for a day."""
    text = _(
        "You started signing up for {building} but haven't finished. It only takes a "
        "minute: carry on whenever you like."
    ).format(building=esc(building_name))
    keyboard = InlineKeyboardMarkup(
        [[InlineKeyboardButton(_("Carry on"), callback_data=SignupResume().pack())]]
    )
    return text, keyboard
