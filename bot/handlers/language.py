"""/language and the language buttons (also used by the /start welcome)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot import i18n
from bot.handlers import menus
from bot.handlers.common import BotContext, localized, private_only, show
from bot.i18n import _

CALLBACK_PREFIX = "lang:"
MENU = "lang:menu"


def choose_data(locale: str) -> str:
    return f"lang:set:{locale}"


def language_keyboard(current: str | None, prefix: str = "lang:set:") -> InlineKeyboardMarkup:
    """The six languages, each written in itself; the current one is ticked."""
    buttons = [
        InlineKeyboardButton(
            ("✓ " if loc == current else "") + i18n.language_name(loc),
            callback_data=prefix + loc,
        )
        for loc in i18n.LOCALES
    ]
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


def chooser_text() -> str:
    return _("Which language should I use with you?")


def join_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(_("🏠 Sign up for my building"), callback_data="su:join")]]
    )


@localized
@private_only
async def language_command(update: Update, context: BotContext) -> None:
    user = update.effective_user
    current = await context.services.users.stored_locale(user.id)
    await update.effective_message.reply_text(
        chooser_text(), reply_markup=language_keyboard(current or i18n.current_locale())
    )


@localized
async def language_button(update: Update, context: BotContext) -> None:
    """``lang:menu`` opens the chooser; ``lang:set:<locale>`` stores the choice."""
    query = update.callback_query
    data = query.data or ""
    user = update.effective_user
    if data == MENU:
        await query.answer()
        await show(update, chooser_text(), reply_markup=language_keyboard(i18n.current_locale()))
        return
    locale = data.removeprefix("lang:set:")
    if not data.startswith("lang:set:") or locale not in i18n.LOCALES:
        await query.answer(_("This button no longer works. Send /help to start again."))
        return
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
