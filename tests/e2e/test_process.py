"""The real bot process: languages, rate limits, robustness, persistence, clean shutdown."""

from __future__ import annotations

import asyncio
import signal
import sqlite3

import pytest

from bot.views.buttons import LanguageSet
from tests.e2e.conftest import BotProcess
from tests.strategies import generate_junk
from tests.support import tr

pytestmark = pytest.mark.e2e


async def test_replies_in_spanish_to_a_spanish_phone(bot_process):
    lucia = bot_process.api.make_user(3001, "Lucía", language_code="es")
    welcome = await bot_process.reply_to(lucia, "/start")
    assert tr("es", "👋 Welcome to Common Ground, {name}!", name="Lucía") in welcome["text"]
    help_reply = await bot_process.reply_to(lucia, "/help")
    assert tr("es", "Here is what I can do for you:") in help_reply["text"]


async def test_a_429_is_retried_no_earlier_than_retry_after(bot_process):
    api = bot_process.api
    user = api.make_user(3002, "Omar", language_code="en")
    start = len(api.calls)
    api.add_fault("sendMessage", "retry_after", chat_id=user["id"], retry_after=2)
    reply = await bot_process.reply_to(user, "/help", timeout=15)
    assert "/privacy" in reply["text"]
    sends = [
        c
        for c in api.calls[start:]
        if c.method.lower() == "sendmessage" and c.params.get("chat_id") == user["id"]
    ]
    assert [c.status for c in sends] == [429, 200]
    assert sends[1].at - sends[0].at >= 2.0


async def test_data_survives_kill_9_and_restart(sandbox, tmp_path):
    api, server = sandbox
    process = BotProcess(api, server, tmp_path)
    await process.start()
    user = api.make_user(3003, "Hoa", language_code="en")
    welcome = await process.reply_to(user, "/start")
    start = len(api.calls)
    api.press_button(user, welcome, LanguageSet("vi").pack())  # as if chosen from the list
    await api.wait_for_call(lambda c: c.method.lower() == "editmessagetext", start=start)
    await process.stop(signal.SIGKILL)

    await process.start()
    reply = await process.reply_to(user, "/help")
    assert tr("vi", "Here is what I can do for you:") in reply["text"]
    await process.stop()
    db = sqlite3.connect(tmp_path / "bot.sqlite3")
    try:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("SELECT locale FROM users WHERE id = 3003").fetchone() == ("vi",)
    finally:
        db.close()


async def test_sigterm_stops_cleanly_and_the_token_is_never_logged(sandbox, tmp_path):
    api, server = sandbox
    process = BotProcess(api, server, tmp_path, BOT_LOG_LEVEL="DEBUG")
    await process.start()
    user = api.make_user(3004, "Ana", language_code="fr")
    await process.reply_to(user, "/start")
    assert await process.stop(signal.SIGTERM) == 0
    log = process.log
    assert "Common Ground stopped" in log
    assert api.token not in log
    assert api.token.split(":")[1] not in log
    assert "Traceback" not in log


async def test_keeps_serving_after_a_burst_of_junk(bot_process):
    api = bot_process.api
    junk = generate_junk(300)
    for update in junk:
        api.inject_update(update)
    # The bot works through the burst, then still answers a resident normally.
    user = api.make_user(3005, "Mei", language_code="zh-CN")
    reply = await bot_process.reply_to(user, "/help", timeout=60)
    assert tr("zh_Hans", "Here is what I can do for you:") in reply["text"]
    await asyncio.sleep(0.5)
    assert bot_process.alive()
    # The only refusals Telegram may give are for edits: of a message that would not change (a
    # button pressed twice; the bot treats it as done) or cannot be edited (the bot sends a new
    # message instead).
    refused = {
        c.response["description"]
        for c in api.calls
        if c.status >= 400 and c.method.lower() != "getupdates"
    }
    benign = ("message is not modified", "message can't be edited")
    assert all(
        any(d == f"Bad Request: {b}" or d.startswith(f"Bad Request: {b}:") for b in benign)
        for d in refused
    ), refused
    assert " ERROR " not in bot_process.log, bot_process.log[-3000:]
    assert "Traceback" not in bot_process.log
