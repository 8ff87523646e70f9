"""Resident sign-up on a phone: buttons for every step but the name and the unit.

Entry points: ``/start <invite code>`` (from a poster's QR code or a shared link), or the
"Sign up for my building" button after the welcome. Each step edits the same message, so the
chat stays short; typed answers (name, unit) get the next step as a new message. Texts and
keyboards are in ``bot/views/signup.py``.
"""

from __future__ import annotations

from telegram import Update

from bot import i18n
from bot.handlers import notify
from bot.handlers.answers import typed_answer
from bot.handlers.common import BotContext, reply, requires, show
from bot.i18n import _
from bot.services.problems import ButtonProblem
from bot.services.roles import Role
from bot.services.signup import ASK, DISPLAY_NAME_MAX, LEGACY_TENURES, TYPED_STEPS, Refused
from bot.storage.awaiting import Awaiting
from bot.storage.residents import ResidentStatus, Signup
from bot.views import signup as views
from bot.views.buttons import (
    SignupAfford,
    SignupAgree,
    SignupBack,
    SignupBuilding,
    SignupDecline,
    SignupInvited,
    SignupJoin,
    SignupLanguage,
    SignupLanguages,
    SignupResume,
    SignupTenure,
    SignupUseName,
    unpack,
)


async def start_with_invite(update: Update, context: BotContext, code: str) -> None:
    """``/start <code>``: check the invite, then begin (or resume) the sign-up."""
    services = context.services
    user = update.effective_user
    invite = await services.invites.check(code)
    signup = await services.signup.begin(user.id, invite.building_id, invite_code=code)
    text, keyboard = views.step_view(signup, user.first_name)
    await reply(update, text, reply_markup=keyboard)


@typed_answer(ASK)
async def typed_step(update: Update, context: BotContext, question: Awaiting) -> bool:
    """The name or the unit, typed; the next step comes as a new message."""
    user = update.effective_user
    service = context.services.signup
    state = await service.current(user.id)
    if state is None or state.step not in TYPED_STEPS:
        return False
    text = update.effective_message.text or ""
    if state.step == "name":
        state = await service.set_name(user.id, text)
    else:
        state = await service.set_unit(user.id, text)
    step_text, keyboard = views.step_view(state, user.first_name)
    await reply(update, step_text, reply_markup=keyboard)
    return True


async def resume(update: Update, context: BotContext, signup: Signup) -> None:
    text, keyboard = views.step_view(signup, update.effective_user.first_name)
    await reply(update, views.resumed_text(text), reply_markup=keyboard)


@requires(Role.RESIDENT)
async def signup_button(update: Update, context: BotContext) -> None:
    """Every sign-up button. The step is re-checked against the stored sign-up (inside the
    write), so an old or forged button cannot skip or repeat a step."""
    query = update.callback_query
    user = update.effective_user
    service = context.services.signup
    match unpack(query.data):
        case SignupJoin():
            buildings = await context.services.buildings.listed()
            await query.answer()
            if not buildings:
                await show(update, views.no_listed_building_text())
                return
            text, keyboard = views.building_picker(buildings)
            await show(update, text, reply_markup=keyboard)
            return
        case SignupBuilding(building_id=building_id):
            building = await context.services.buildings.listed_building(building_id)
            signup = await service.begin(user.id, building.id, language_confirmed=True)
        case SignupInvited(building_id=building_id, signature=signature):
            signup = await service.begin_signed(user.id, building_id, signature)
        case SignupLanguage(locale=locale):
            signup = await service.confirm_language(user.id)
            await context.services.users.choose_locale(user.id, locale)
            with i18n.use_locale(locale):
                await query.answer()
                await _show_step(update, signup)
            return
        case SignupLanguages():
            signup = await service.current(user.id)
            if signup is None or signup.step != "language":
                raise ButtonProblem(ButtonProblem.STALE)
            await query.answer()
            await show(
                update,
                _("Which language should I use with you?"),
                reply_markup=views.language_step_keyboard(),
            )
            return
        case SignupAgree() | SignupDecline() as pressed:
            outcome = await service.consent(user.id, agreed=isinstance(pressed, SignupAgree))
            if isinstance(outcome, Refused):
                await query.answer()
                await show(update, views.refused_text(outcome))
                return
            signup = outcome
        case SignupUseName():
            signup = await service.set_name(user.id, user.first_name[:DISPLAY_NAME_MAX])
        case SignupTenure(tenure=tenure) if tenure not in LEGACY_TENURES:
            signup = await service.set_tenure(user.id, tenure)
        case SignupAfford() | SignupTenure() as pressed:
            if isinstance(pressed, SignupTenure):  # a keyboard sent before the two questions
                await service.set_tenure(user.id, None)
                affordability = pressed.tenure
            else:
                affordability = pressed.affordability
            finished = await service.finish(user.id, affordability)
            await query.answer()
            await show(update, views.finished_text(finished))
            if finished.resident.status == ResidentStatus.PENDING:
                await notify.new_signup(context, finished)
            return
        case SignupBack():
            signup = await service.back(user.id)
        case SignupResume():
            signup = await service.current(user.id)
            if signup is None:
                raise ButtonProblem(ButtonProblem.STALE)
        case _:
            raise ButtonProblem(ButtonProblem.STALE)
    await query.answer()
    await _show_step(update, signup)


async def _show_step(update: Update, signup: Signup) -> None:
    text, keyboard = views.step_view(signup, update.effective_user.first_name)
    await show(update, text, reply_markup=keyboard)
