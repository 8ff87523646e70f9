"""/profile: a resident sees and changes their answers (name, unit, tenure, language)."""

from __future__ import annotations

from telegram import Update

from bot import i18n
from bot.handlers.answers import typed_answer
from bot.handlers.common import BotContext, command, reply, requires, show
from bot.i18n import _
from bot.services.problems import ButtonProblem
from bot.services.profile import ASKS
from bot.services.roles import Role
from bot.storage.awaiting import Awaiting
from bot.views import buttons as b
from bot.views import profile as views
from bot.views.language import chooser_text, join_keyboard, language_keyboard


@command("profile")
async def profile_command(update: Update, context: BotContext) -> None:
    resident = await context.services.profile.get(update.effective_user.id)
    if resident is None:
        has_buildings = bool(await context.services.buildings.active())
        await reply(
            update,
            views.not_signed_up_text(),
            reply_markup=join_keyboard() if has_buildings else None,
        )
        return
    text, keyboard = views.card(resident)
    await reply(update, text, reply_markup=keyboard)


@requires(Role.RESIDENT)
async def profile_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    user_id = update.effective_user.id
    profile = context.services.profile
    match b.unpack(query.data):
        case b.ProfileEditName():
            await profile.start_edit(user_id, "name")
            await query.answer()
            await show(update, views.edit_prompt("name"), reply_markup=views.cancel_keyboard())
            return
        case b.ProfileEditUnit():
            await profile.start_edit(user_id, "unit")
            await query.answer()
            await show(update, views.edit_prompt("unit"), reply_markup=views.cancel_keyboard())
            return
        case b.ProfileTenures():
            text, keyboard = views.tenure_choice()
            await query.answer()
            await show(update, text, reply_markup=keyboard)
            return
        case b.ProfileAffords():
            text, keyboard = views.affordability_choice()
            await query.answer()
            await show(update, text, reply_markup=keyboard)
            return
        case b.ProfileLanguages():
            await query.answer()
            await show(
                update,
                chooser_text(),
                reply_markup=language_keyboard(i18n.current_locale()),
            )
            return
        case b.ProfileTenure(tenure=tenure):
            resident = await profile.set_tenure(user_id, tenure)
            await query.answer(_("Saved"))
        case b.ProfileAfford(affordability=affordability):
            resident = await profile.set_affordability(user_id, affordability)
            await query.answer(_("Saved"))
        case b.ProfileCard():
            resident = await profile.get(user_id)
            if resident is None:
                raise ButtonProblem(ButtonProblem.STALE)
            await profile.cancel_edit(user_id)
            await query.answer()
        case _:
            raise ButtonProblem(ButtonProblem.STALE)
    text, keyboard = views.card(resident)
    await show(update, text, reply_markup=keyboard)


@typed_answer(*ASKS)
async def new_name_or_unit(update: Update, context: BotContext, question: Awaiting) -> bool:
    """A new name or unit typed after pressing "Change"."""
    field = question.kind.removeprefix("profile.")
    resident = await context.services.profile.apply_text(
        update.effective_user.id, field, update.effective_message.text or ""
    )
    text, keyboard = views.saved_card(resident)
    await reply(update, text, reply_markup=keyboard)
    return True
