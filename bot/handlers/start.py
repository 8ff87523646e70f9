"""/start: a warm welcome in the detected language, with buttons to confirm or change it."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot import i18n
from bot.handlers import menus, signup
from bot.handlers.common import BotContext, esc, is_private, localized, open_private_chat_button
from bot.i18n import _
from bot.services.roles import Role
from bot.storage.residents import ResidentStatus
from bot.views.buttons import LanguageMenu, LanguageSet
from bot.views.signup import STATUS_LABELS


def welcome_text(first_name: str, locale: str) -> str:
    return "\n\n".join(
        (
            _("👋 Welcome to Common Ground, {name}!").format(name=esc(first_name)),
            _(
                "I help neighbours stay in touch: sign-ups for your building, event reminders, "
                "quick polls and announcements from your stewards, all in your own language."
            ),
            _("I'll write to you in <b>{language}</b>. Is that right?").format(
                language=i18n.language_name(locale, in_sentence=True)
            ),
        )
    )


def welcome_keyboard(locale: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    _("✅ Yes, continue in {language}").format(
                        language=i18n.language_name(locale, in_sentence=True)
                    ),
                    callback_data=LanguageSet(locale).pack(),
                )
            ],
            [
                InlineKeyboardButton(
                    _("🌐 Choose another language"), callback_data=LanguageMenu().pack()
                )
            ],
        ]
    )


@localized
async def start_command(update: Update, context: BotContext) -> None:
    """``/start`` (welcome, or resume a sign-up) and ``/start <invite code>`` (sign up)."""
    user = update.effective_user
    if not is_private(update):
        await update.effective_message.reply_text(
            _("Hello! Write to me in a private chat to get started."),
            reply_markup=open_private_chat_button(context),
        )
        return
    services = context.services
    await services.users.remember(user.id, user.username, user.language_code)
    if await services.users.pause(user.id, False):
        await update.effective_message.reply_text(_("Announcements are on again. Welcome back!"))
    if await services.roles.role_of(user.id) > Role.RESIDENT:
        await menus.set_chat_menu(context, user.id, i18n.current_locale())  # lists their tools
    if context.args:
        await signup.start_with_invite(update, context, context.args[0])
        return
    in_progress = await services.signup.current(user.id)
    if in_progress is not None:
        await signup.resume(update, context, in_progress)
        return
    resident = await services.signup.resident(user.id)
    if resident is not None and resident.status in (
        ResidentStatus.PENDING,
        ResidentStatus.APPROVED,
    ):
        status_label = STATUS_LABELS[resident.status]
        await update.effective_message.reply_text(
            _("Welcome back, {name}! You are signed up for {building} ({status}).").format(
                name=esc(resident.display_name),
                building=esc(resident.building_name),
                status=_(status_label),
            )
            + "\n\n"
            + _("Send /help to see what I can do.")
        )
        return
    locale = i18n.current_locale()
    await update.effective_message.reply_text(
        welcome_text(user.first_name, locale), reply_markup=welcome_keyboard(locale)
    )
