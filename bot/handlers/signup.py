"""Resident sign-up on a phone: buttons for every step but the name and the unit.

Entry points: ``/start <invite code>`` (from a poster's QR code or a shared link), or the
"Sign up for my building" button after the welcome. Each step edits the same message, so the
chat stays short; typed answers (name, unit) get the next step as a new message.
"""

from __future__ import annotations

import logging

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import Forbidden, TelegramError

from bot import i18n
from bot.handlers import moderation
from bot.handlers.common import BotContext, esc, localized, reply, show
from bot.handlers.language import language_keyboard
from bot.i18n import N_, _
from bot.services import Services
from bot.services.buildings import BuildingProblem
from bot.services.invites import InviteProblem
from bot.services.numbers import parse_int
from bot.services.signup import (
    CONSENT_VERSION,
    DISPLAY_NAME_MAX,
    Finished,
    Refused,
    SignupProblem,
)
from bot.services.text import UNIT_MAX
from bot.storage.residents import Signup

log = logging.getLogger(__name__)

TENURE_LABELS = {
    "renter": N_("🔑 I rent"),
    "owner": N_("🏠 I own my home"),
    "assisted": N_("🤝 Assisted or subsidised"),
    "market": N_("🏢 Market-rate"),
    "undisclosed": N_("Prefer not to say"),
}
STATUS_LABELS = {
    "pending": N_("waiting for a steward's approval"),
    "approved": N_("approved"),
    "rejected": N_("not approved"),
    "banned": N_("blocked"),
}


def resident_lines(
    building: str, name: str, unit: str, tenure: str | None, status: str
) -> list[str]:
    """What a resident told us at sign-up, as lines for /profile and /mydata."""
    status_label, tenure_label = STATUS_LABELS[status], TENURE_LABELS.get(tenure or "")
    return [
        _("Building: {building}").format(building=esc(building)),
        _("Name shown to stewards: {name}").format(name=esc(name)),
        _("Unit: {unit}").format(unit=esc(unit)),
        _("How you live here: {tenure}").format(tenure=_(tenure_label) if tenure_label else "—"),
        _("Sign-up: {status}").format(status=_(status_label)),
    ]


def back_button() -> InlineKeyboardButton:
    return InlineKeyboardButton(_("⬅️ Back"), callback_data="su:back")


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
                    callback_data=f"su:lang:{locale}",
                )
            ],
            [InlineKeyboardButton(_("🌐 Choose another language"), callback_data="su:langs")],
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
            [InlineKeyboardButton(_("✅ I agree"), callback_data="su:yes")],
            [InlineKeyboardButton(_("No thanks"), callback_data="su:no")],
            [back_button()],
        ]
    elif signup.step == "name":
        text = _("What name should your neighbours and stewards see? Type it, or use the button.")
        keyboard = [
            [
                InlineKeyboardButton(
                    _("Use “{name}”").format(name=first_name[:DISPLAY_NAME_MAX]),
                    callback_data="su:name",
                )
            ],
            [back_button()],
        ]
    elif signup.step == "unit":
        text = _("Which unit or apartment do you live in? Type it, for example 4B or 12-03.")
        keyboard = [[back_button()]]
    else:
        text = "\n\n".join(
            (
                _("Last question, and it's optional: how do you live here?"),
                _(
                    "<i>Why we ask: so organisers can check that every kind of household is "
                    "heard. Only the stewards of your building see your answer; reports only "
                    "ever show totals.</i>"
                ),
            )
        )
        keyboard = [
            [InlineKeyboardButton(_(label), callback_data=f"su:ten:{key}")]
            for key, label in TENURE_LABELS.items()
        ] + [[back_button()]]
    return text, InlineKeyboardMarkup(keyboard)


def problem_text(problem: SignupProblem) -> str:
    if problem.kind == SignupProblem.ALREADY_RESIDENT:
        return _("You are already signed up for {building}. See /mydata.").format(
            building=esc(problem.detail)
        )
    if problem.kind == SignupProblem.BANNED:
        return _("Sorry, you can't sign up here. Please talk to an organiser.")
    if problem.kind == SignupProblem.BAD_NAME:
        return _("Please type a name of up to {max} characters.").format(max=DISPLAY_NAME_MAX)
    if problem.kind == SignupProblem.BAD_UNIT:
        return _(
            "Please type your unit in up to {max} letters or numbers (spaces, - and / are fine)."
        ).format(max=UNIT_MAX)
    return _("This button no longer works. Send /help to start again.")


def invite_problem_text(problem: InviteProblem) -> str:
    if problem.kind == InviteProblem.EXPIRED:
        return _("This invite link has expired. Please ask your steward for a new one.")
    if problem.kind in (InviteProblem.REVOKED, InviteProblem.CLOSED):
        return _("This invite link no longer works. Please ask your steward for a new one.")
    return _("I don't recognise this invite link. Please check it, or ask your steward.")


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
    if resident.status == "approved":
        return _("Welcome to {building}, {name}! 🎉 You are all signed up.").format(
            building=building, name=name
        )
    return _(
        "Thank you, {name}! 🎉 Your sign-up for {building} is waiting for a steward's "
        "approval. I'll message you as soon as it's done."
    ).format(building=building, name=name)


async def tell_stewards(context: BotContext, finished: Finished) -> None:
    """A new sign-up is waiting: tell whoever looks after the building, in their language."""
    resident = finished.resident
    for steward_id in await context.services.roles.who_looks_after(resident.building_id):

        def render() -> str:
            text = _("🆕 New sign-up waiting: {name}, unit {unit}, {building}. See /pending.")
            text = text.format(
                name=esc(resident.display_name),
                unit=esc(resident.unit),
                building=esc(resident.building_name),
            )
            if finished.crowded_unit:
                text += "\n" + _(
                    "⚠️ Unit {unit} already has more residents than expected: please check."
                ).format(unit=esc(resident.unit))
            return text

        await moderation.tell(context, steward_id, render)


async def send_signup_reminders(bot: Bot, services: Services) -> int:
    """Nudge, once, everyone whose sign-up has waited a day; in *their* language. Returns
    how many were reminded."""
    sent = 0
    for pending in await services.signup.due_reminders():
        with i18n.use_locale(await services.users.locale_for(pending.user_id)):
            text = _(
                "You started signing up for {building} but haven't finished. It only takes a "
                "minute: carry on whenever you like."
            ).format(building=esc(pending.building_name))
            keyboard = InlineKeyboardMarkup(
                [[InlineKeyboardButton(_("Carry on"), callback_data="su:resume")]]
            )
        try:
            await bot.send_message(pending.user_id, text, reply_markup=keyboard)
            sent += 1
        except Forbidden:
            await services.users.unreachable(pending.user_id)
        except TelegramError as exc:
            log.warning("Could not send a sign-up reminder: %s", exc.message)
            continue
        await services.signup.reminded(pending.user_id)
    return sent


async def remind_unfinished_signups(context: BotContext) -> None:
    """The JobQueue job (hourly); its state is in the database, so restarts lose nothing."""
    await send_signup_reminders(context.bot, context.services)


async def start_with_invite(update: Update, context: BotContext, code: str) -> None:
    """``/start <code>``: check the invite, then begin (or resume) the sign-up."""
    services = context.services
    user = update.effective_user
    try:
        invite = await services.invites.check(code)
        signup = await services.signup.begin(user.id, invite.building_id, invite_code=code)
    except InviteProblem as problem:
        await reply(update, invite_problem_text(problem))
        return
    except SignupProblem as problem:
        await reply(update, problem_text(problem))
        return
    text, keyboard = step_view(signup, user.first_name)
    await reply(update, text, reply_markup=keyboard)


async def resume(update: Update, context: BotContext, signup: Signup) -> None:
    text, keyboard = step_view(signup, update.effective_user.first_name)
    await reply(
        update, _("Welcome back! Let's finish your sign-up.") + "\n\n" + text, reply_markup=keyboard
    )


async def _show_step(update: Update, signup: Signup) -> None:
    text, keyboard = step_view(signup, update.effective_user.first_name)
    await show(update, text, reply_markup=keyboard)


@localized
async def signup_button(update: Update, context: BotContext) -> None:
    """Every ``su:`` button. The step is re-checked against the stored sign-up, so an old
    or forged button cannot skip or repeat a step."""
    query = update.callback_query
    data = query.data or ""
    user = update.effective_user
    service = context.services.signup
    try:
        if data == "su:join":
            await query.answer()
            buildings = await context.services.buildings.listed()
            if not buildings:
                await show(update, no_listed_building_text())
                return
            keyboard = [
                [InlineKeyboardButton(b.name, callback_data=f"su:bld:{b.id}")] for b in buildings
            ]
            await show(
                update,
                _("Which building do you live in?")
                + "\n\n"
                + _("Not in the list? Ask a steward of your building for an invite link."),
                reply_markup=InlineKeyboardMarkup(keyboard),
            )
            return
        if data.startswith("su:bld:"):
            number = parse_int(data.removeprefix("su:bld:"))
            if number is None:
                raise SignupProblem(SignupProblem.NO_SIGNUP)
            building = await context.services.buildings.listed_building(number)
            signup = await service.begin(user.id, building.id, language_confirmed=True)
        elif data.startswith("su:grp:"):
            number, _sep, signature = data.removeprefix("su:grp:").partition(":")
            building_id = parse_int(number)
            if building_id is None:
                raise SignupProblem(SignupProblem.NO_SIGNUP)
            signup = await service.begin_signed(user.id, building_id, signature)
        elif data.startswith("su:lang:"):
            locale = data.removeprefix("su:lang:")
            if locale not in i18n.LOCALES:
                raise SignupProblem(SignupProblem.NO_SIGNUP)
            signup = await service.confirm_language(user.id)
            await context.services.users.choose_locale(user.id, locale)
            with i18n.use_locale(locale):
                await query.answer()
                await _show_step(update, signup)
            return
        elif data == "su:langs":
            signup = await service.current(user.id)
            if signup is None or signup.step != "language":
                raise SignupProblem(SignupProblem.NO_SIGNUP)
            await query.answer()
            await show(
                update,
                _("Which language should I use with you?"),
                reply_markup=language_keyboard(i18n.current_locale(), prefix="su:lang:"),
            )
            return
        elif data in ("su:yes", "su:no"):
            outcome = await service.consent(user.id, agreed=data == "su:yes")
            if isinstance(outcome, Refused):
                await query.answer()
                await show(update, refused_text(outcome))
                return
            signup = outcome
        elif data == "su:name":
            signup = await service.set_name(user.id, user.first_name[:DISPLAY_NAME_MAX])
        elif data.startswith("su:ten:"):
            finished = await service.finish(user.id, data.removeprefix("su:ten:"))
            await query.answer()
            await show(update, finished_text(finished))
            if finished.resident.status == "pending":
                await tell_stewards(context, finished)
            return
        elif data == "su:back":
            signup = await service.back(user.id)
        elif data == "su:resume":
            signup = await service.current(user.id)
            if signup is None:
                raise SignupProblem(SignupProblem.NO_SIGNUP)
        else:
            raise SignupProblem(SignupProblem.NO_SIGNUP)
    except BuildingProblem:  # the building was archived since the button was sent
        await query.answer(problem_text(SignupProblem(SignupProblem.NO_SIGNUP)))
        return
    except SignupProblem as problem:
        stale = problem.kind in (SignupProblem.NO_SIGNUP, SignupProblem.WRONG_STEP)
        await query.answer(problem_text(problem), show_alert=not stale)
        return
    await query.answer()
    await _show_step(update, signup)
