"""A tiny PTB bot used as a stand-in for `python -m bot run` in the demo end-to-end test.

Reads BOT_TOKEN and BOT_API_BASE_URL like the real bot; answers /start with two buttons.
"""

from __future__ import annotations

import os

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message and update.effective_user
    lang = update.effective_user.language_code
    keyboard = InlineKeyboardMarkup(  # its own data: this bot is not Common Ground
        [
            [
                InlineKeyboardButton("English", callback_data="lang:en"),
                InlineKeyboardButton("Español", callback_data="lang:es"),
            ],
            [InlineKeyboardButton("Website", url="https://example.org/help")],
        ]
    )
    await update.effective_message.reply_html(
        f"Welcome <b>{update.effective_user.first_name}</b> &amp; friends! ({lang})\n"
        'Read <a href="https://example.org/rules">the rules</a>.',
        reply_markup=keyboard,
    )


async def chosen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer(f"Saved {query.data}")
    await query.edit_message_text(f"Language set: {query.data}")


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message and update.effective_user
    await update.effective_message.reply_text(
        f"You said: {update.effective_message.text} (user {update.effective_user.id})"
    )


def main() -> None:
    app = (
        Application.builder()
        .token(os.environ["BOT_TOKEN"])
        .base_url(os.environ["BOT_API_BASE_URL"])
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(chosen))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    print("stand-in bot polling", os.environ["BOT_DB_PATH"], os.environ["BOT_ADMIN_IDS"])
    app.run_polling(poll_interval=0.0, timeout=5)


if __name__ == "__main__":
    main()
