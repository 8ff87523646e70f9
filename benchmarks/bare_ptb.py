"""The baseline: a bare python-telegram-bot bot (``telegram.Bot`` with its default
``HTTPXRequest``, no Application, no rate limiter, no database) sending one message to each
chat in a loop. Run by the benchmark in its own process, against the same sandbox server:

    python -m benchmarks.bare_ptb BASE_URL TOKEN CHATS_FILE TEXT

CHATS_FILE holds the chat ids as a JSON list. Prints one JSON line: sent, failed, seconds.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

from telegram import Bot, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import TelegramError


async def send_all(base_url: str, token: str, chats: list[int], message: dict) -> dict:
    sent = failed = 0
    async with Bot(token, base_url=base_url) as bot:
        keyboard = message.get("keyboard")
        markup = InlineKeyboardMarkup.de_json(keyboard, bot) if keyboard else None
        start = time.perf_counter()
        for chat in chats:
            try:
                await bot.send_message(
                    chat, message["text"], parse_mode=ParseMode.HTML, reply_markup=markup
                )
                sent += 1
            except TelegramError:
                failed += 1
        seconds = time.perf_counter() - start
    return {"sent": sent, "failed": failed, "seconds": seconds}


def main() -> None:
    base_url, token, chats_file, message_file = sys.argv[1:5]
    chats = json.loads(Path(chats_file).read_text())
    message = json.loads(Path(message_file).read_text())
    print(json.dumps(asyncio.run(send_all(base_url, token, chats, message))), flush=True)


if __name__ == "__main__":
    main()
