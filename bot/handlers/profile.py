"""/profile: a resident sees and changes their answers (name, unit, tenure, language)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot import i18n
from bot.handlers.answers import typed_answer
from bot.handlers.common import BotContext, command, localized, reply, show
from bot.i18n import _
from bot.services.problems import ButtonProblem
from bot.services.profile import ASKS
from bot.storage.awaiting import Awaiting
from bot.storage.residents import Resident
from bot.views.buttons import (
    ProfileCard,
    ProfileEditName,
    ProfileEditUnit,
    ProfileLanguages,
    ProfileTenure,
    ProfileTenures,
    unpack,
)
from bot.views.language import join_keyboard, language_keyboard
from bot.views.signup import TENURE_LABELS, resident_lines


def card(resident: Resident) -> tuple[str, InlineKeyboardMarkup]:
    text = "\n".join(
        [
            _("<b>Your profile</b>"),
            "",
            *resident_lines(
                resident.building_name,
                resident.display_name,
                resident.unit,
                resident.tenure,
                resident.status,
            ),
        ]
    )
    keyboard = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(_("✏️ Change my name"), callback_data=ProfileEditName().pack())],
            [InlineKeyboardButton(_("✏️ Change my unit"), callback_data=ProfileEditUnit().pack())],
            [
                InlineKeyboardButton(
                    _("✏️ Change how I live here"), callback_data=ProfileTenures().pack()
                )
            ],
            [
                InlineKeyboardButton(
                    _("🌐 Change my language"), callback_data=ProfileLanguages().pack()
                )
            ],
        ]
    )
    return text, keyboard


@command("profile")
async def profile_command(update: Update, context: BotContext) -> None:
    resident = await context.services.profile.get(update.effective_user.id)
    if resident is None:
        has_buildings = bool(await context.services.buildings.active())
        await reply(
            update,
            _("You haven't signed up for a building yet."),
            reply_markup=join_keyboard() if has_buildings else None,
        )
        return
    text, keyboard = card(resident)
    await reply(update, text, reply_markup=keyboard)


@localized
async def profile_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    user_id = update.effective_user.id
    profile = context.services.profile
    cancel = InlineKeyboardMarkup(
        [[InlineKeyboardButton(_("Cancel"), callback_data=ProfileCard().pack())]]
    )
    match unpack(query.data):
        case ProfileEditName():
            await profile.start_edit(user_id, "name")
            await query.answer()
            await show(update, _("Type your new name."), reply_markup=cancel)
            return
        case ProfileEditUnit():
            await profile.start_edit(user_id, "unit")
            await query.answer()
            await show(
                update, _("Type your new unit, for example 4B or 12-03."), reply_markup=cancel
            )
            return
        case ProfileTenures():
            keyboard = [
                [InlineKeyboardButton(_(label), callback_data=ProfileTenure(key).pack())]
                for key, label in TENURE_LABELS.items()
            ]
            keyboard.append([InlineKeyboardButton(_("Cancel"), callback_data=ProfileCard().pack())])
            await query.answer()
            await show(
                update, _("How do you live here?"), reply_markup=InlineKeyboardMarkup(keyboard)
            )
            return
        case ProfileLanguages():
            await query.answer()
            await show(
                update,
                _("Which language should I use with you?"),
                reply_markup=language_keyboard(i18n.current_locale()),
            )
            return
        case ProfileTenure(tenure=tenure):
            resident = await profile.set_tenure(user_id, tenure)
            await query.answer(_("Saved"))
        case ProfileCard():
            resident = await profile.get(user_id)
            if resident is None:
                raise ButtonProblem(ButtonProblem.STALE)
            await profile.cancel_edit(user_id)
            await query.answer()
        case _:
            raise ButtonProblem(ButtonProblem.STALE)
    text, keyboard = card(resident)
    await show(update, text, reply_markup=keyboard)


@typed_answer(*ASKS)
async def new_name_or_unit(update: Update, context: BotContext, question: Awaiting) -> bool:
    """A new name or unit typed after pressing "Change"."""
    field = question.kind.removeprefix("profile.")
    resident = await context.services.profile.apply_text(
        update.effective_user.id, field, update.effective_message.text or ""
    )
    text, keyboard = card(resident)
    await reply(update, _("Saved") + "\n\n" + text, reply_markup=keyboard)
    return True
