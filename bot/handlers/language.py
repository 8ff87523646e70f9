"""/language and the language buttons (also used by the /start welcome)."""

from __future__ import annotations

from telegram import Update

from bot import i18n
from bot.handlers import menus
from bot.handlers.common import BotContext, command, requires, show
from bot.i18n import _
from bot.services.roles import Role
from bot.views.buttons import LanguageMenu, LanguageSet, unpack
from bot.views.language import chooser_text, join_keyboard, language_keyboard


@command("language")
async def language_command(update: Update, context: BotContext) -> None:
    user = update.effective_user
    current = await context.services.users.stored_locale(user.id)
    await update.effective_message.reply_text(
        chooser_text(), reply_markup=language_keyboard(current or i18n.current_locale())
    )


@requires(Role.RESIDENT)
async def language_button(update: Update, context: BotContext) -> None:
    """``lang:menu`` opens the chooser; ``lang:set:<locale>`` stores the choice."""
    query = update.callback_query
    button = unpack(query.data)
    user = update.effective_user
    if isinstance(button, LanguageMenu):
        await query.answer()
        await show(update, chooser_text(), reply_markup=language_keyboard(i18n.current_locale()))
        return
    assert isinstance(button, LanguageSet)
    locale = button.locale
    services = context.services
    await services.users.choose_locale(user.id, locale)
    can_join = (
        await services.signup.resident(user.id) is None
        and await services.signup.current(user.id) is None
        and bool(await services.buildings.active())
    )
    with i18n.use_locale(locale):
        await query.answer(_("Saved"))
        await show(
            update,
            _("Done! I'll write to you in {language}.").format(
                language=i18n.language_name(locale, in_sentence=True)
            )
            + "\n\n"
            + _("Send /help to see what I can do."),
            reply_markup=join_keyboard() if can_join else None,
        )
    await menus.set_chat_menu(context, user.id, locale)
