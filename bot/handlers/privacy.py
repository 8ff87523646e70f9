"""/privacy, /mydata and /forget: what we store, a copy of it, and erasing it."""

from __future__ import annotations

import io
import json

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot import i18n
from bot.handlers.common import BotContext, localized, private_only, show
from bot.i18n import _

FORGET_YES = "forget:yes"
FORGET_NO = "forget:no"


def privacy_text() -> str:
    return "\n\n".join(
        (
            _("🔒 <b>Your privacy</b>"),
            _(
                "<b>What we store:</b> your Telegram account number (not your phone number), "
                "the language you chose, and when you first and last used the bot."
            ),
            _("<b>Why:</b> so that messages reach you, in your language."),
            _(
                "<b>Who sees it:</b> only the people who run the bot for your community. We "
                "never sell it or share it with your landlord or anyone else."
            ),
            _(
                "<b>Your rights:</b> /mydata shows everything we store about you, and /forget "
                "erases it. You can start again at any time with /start."
            ),
        )
    )


@localized
async def privacy_command(update: Update, context: BotContext) -> None:
    await update.effective_message.reply_text(privacy_text())


@localized
@private_only
async def mydata_command(update: Update, context: BotContext) -> None:
    user = update.effective_user
    data = await context.services.users.export(user.id)
    if data is None:
        await update.effective_message.reply_text(
            _("We don't store anything about you. Send /start if you want to begin.")
        )
        return
    language = data["language"]
    summary = "\n".join(
        (
            _("<b>Everything we store about you</b>"),
            "",
            _("Telegram account number: {id}").format(id=data["telegram_user_id"]),
            _("Language: {language}").format(
                language=i18n.language_name(language)
                if language
                else _("same as your Telegram app")
            ),
            _("First used the bot: {date}").format(date=data["first_seen"]),
            _("Last used the bot: {date}").format(date=data["last_seen"]),
            "",
            _("The attached file holds the same data, for your records."),
        )
    )
    await update.effective_message.reply_text(summary)
    document = io.BytesIO(json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8"))
    await update.effective_message.reply_document(document, filename="common-ground-my-data.json")


@localized
@private_only
async def forget_command(update: Update, context: BotContext) -> None:
    keyboard = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(_("🗑 Yes, erase my data"), callback_data=FORGET_YES)],
            [InlineKeyboardButton(_("Cancel"), callback_data=FORGET_NO)],
        ]
    )
    await update.effective_message.reply_text(
        _(
            "This erases everything we store about you, and I will no longer know you. "
            "You can start again at any time with /start.\n\nErase your data now?"
        ),
        reply_markup=keyboard,
    )


@localized
async def forget_button(update: Update, context: BotContext) -> None:
    """The press always acts on the presser's own data, whatever message it came from."""
    query = update.callback_query
    await query.answer()
    if query.data == FORGET_YES:
        await context.services.users.forget(update.effective_user.id)
        await show(update, _("Done: your data is erased. Goodbye for now, and take care!"))
    else:
        await show(update, _("Nothing was erased."))
