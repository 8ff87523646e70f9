"""The baseline for handling updates: a bare python-telegram-bot bot (an ``Application`` with
one handler for every update, the same ``concurrent_updates`` as ours, no rate limiter) that
writes one row per update with aiosqlite and answers it the cheapest way: a message gets a
one-word reply, a button press an empty ``answerCallbackQuery``, a poll answer nothing. Run by
``benchmarks/updates.py`` in its own process, against the same sandbox server:

    python -m benchmarks.bare_ptb_bot BASE_URL TOKEN DB_PATH
"""

from __future__ import annotations

import sys

import aiosqlite
from telegram import Update
from telegram.ext import Application, ContextTypes, TypeHandler

from bot.app import CONCURRENT_UPDATES


def build(base_url: str, token: str, db_path: str) -> Application:
    async def post_init(app: Application) -> None:
        db = await aiosqlite.connect(db_path)
        await db.execute("PRAGMA journal_mode = WAL")
        await db.execute(
            "CREATE TABLE IF NOT EXISTS seen (update_id INTEGER PRIMARY KEY, user_id INTEGER)"
        )
        await db.commit()
        app.bot_data["db"] = db

    async def post_shutdown(app: Application) -> None:
        await app.bot_data["db"].close()

    async def handle(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        db = context.bot_data["db"]
        user = update.effective_user
        await db.execute(
            "INSERT OR IGNORE INTO seen (update_id, user_id) VALUES (?, ?)",
            (update.update_id, user.id if user else None),
        )
        await db.commit()
        if update.message is not None:
            await update.message.reply_text("ok")
        elif update.callback_query is not None:
            await update.callback_query.answer()

    app = (
        Application.builder()
        .token(token)
        .base_url(base_url)
        .concurrent_updates(CONCURRENT_UPDATES)
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    app.add_handler(TypeHandler(Update, handle))
    return app


def main() -> None:
    base_url, token, db_path = sys.argv[1:4]
    build(base_url, token, db_path).run_polling(allowed_updates=Update.ALL_TYPES)  # as ours


if __name__ == "__main__":
    main()
