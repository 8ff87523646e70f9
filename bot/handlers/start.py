"""/start: a warm welcome in the detected language, with buttons to confirm or change it.
Texts and keyboards: ``views/start``."""

from __future__ import annotations

from telegram import Update

from bot import i18n
from bot.handlers import menus, signup
from bot.handlers.common import BotContext, command, is_private, open_private_chat_button
from bot.services.roles import Role
from bot.storage.residents import ResidentStatus
from bot.views import start as views
from bot.views.reachability import resumed_text


@command("start")
async def start_command(update: Update, context: BotContext) -> None:
    """``/start`` (welcome, or resume a sign-up) and ``/start <invite code>`` (sign up)."""
    user = update.effective_user
    if not is_private(update):
        await update.effective_message.reply_text(
            views.private_chat_hello_text(),
            reply_markup=open_private_chat_button(context),
        )
        return
    services = context.services
    await services.users.remember(user.id, user.username, user.language_code)
    if await services.users.pause(user.id, False):
        await update.effective_message.reply_text(resumed_text())
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
        await update.effective_message.reply_text(views.welcome_back_text(resident))
        return
    locale = i18n.current_locale()
    await update.effective_message.reply_text(
        views.welcome_text(user.first_name, locale), reply_markup=views.welcome_keyboard(locale)
    )
