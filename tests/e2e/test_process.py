"""The real bot process: languages, rate limits, robustness, persistence, clean shutdown."""

from __future__ import annotations

import asyncio
import signal
import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import i18n
from bot.i18n import _
from tests.e2e.conftest import BotProcess

pytestmark = pytest.mark.e2e


def tr(locale: str, msgid: str, **kwargs) -> str:
    with i18n.use_locale(locale):
        return _(msgid).format(**kwargs)


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
    api.press_button(user, welcome, "lang:set:vi")
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


# --- a burst of junk -------------------------------------------------------------------------

JUNK_USER_ID = 6000
text = st.text(max_size=300) | st.sampled_from(
    [
        "/",
        "/start@OtherBot",
        "/help extra args",
        "/language@CommonGroundBot",
        "/" + "x" * 200,
        "x" * 5000,
        "<b>unclosed",
        "&",
        "\u202e",
        "\x00",
        "/mydata",
        "/forget",
        "/status",
    ]
)
user_strategy = st.fixed_dictionaries(
    {
        "id": st.integers(JUNK_USER_ID, JUNK_USER_ID + 5),
        "is_bot": st.just(False),
        "first_name": st.text(min_size=1, max_size=80),
    },
    optional={
        "language_code": st.sampled_from(["es", "zh-TW", "ar", "xx-YY", "", "EN"]),
        "username": st.from_regex(r"[a-z]{5,10}", fullmatch=True),
    },
)


@st.composite
def junk_update(draw) -> dict:
    user = draw(user_strategy)
    chat = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
    if draw(st.booleans()):
        chat = {
            "id": draw(st.integers(-(10**12), -1)),
            "type": draw(st.sampled_from(["group", "supergroup", "channel"])),
            "title": draw(text),
        }
    kind = draw(
        st.sampled_from(
            [
                "message",
                "edited_message",
                "callback_query",
                "channel_post",
                "sticker",
                "unknown",
                "no_from",
            ]
        )
    )
    body = draw(text)
    message = {
        "message_id": draw(st.integers(1, 10**6)),
        "date": 1700000000,
        "chat": chat,
        "from": user,
        "text": body,
    }
    if body.startswith("/") and draw(st.booleans()):
        message["entities"] = [
            {"type": "bot_command", "offset": 0, "length": draw(st.integers(0, len(body) + 5))}
        ]
    if kind == "message":
        return {"message": message}
    if kind == "edited_message":
        return {"edited_message": {**message, "edit_date": 1700000001}}
    if kind == "channel_post":
        message.pop("from")
        return {"channel_post": message}
    if kind == "sticker":
        message.pop("text")
        message["sticker"] = {
            "file_id": "s",
            "file_unique_id": "s",
            "type": "regular",
            "width": 1,
            "height": 1,
            "is_animated": False,
            "is_video": False,
        }
        return {"message": message}
    if kind == "no_from":
        message.pop("from")
        return {"message": message}
    if kind == "unknown":
        return {"some_future_update": {"x": body}}
    return {
        "callback_query": {
            "id": str(draw(st.integers(1, 10**9))),
            "from": user,
            "chat_instance": "c",
            "data": draw(
                st.text(max_size=64)
                | st.sampled_from(
                    [
                        "lang:set:es",
                        "lang:set:",
                        "lang:menu",
                        "forget:yes",
                        "forget:no",
                        "lang:set:zz",
                    ]
                )
            ),
            "message": message,
        }
    }


def generate_junk(count: int) -> list[dict]:
    batches: list[dict] = []

    @settings(
        max_examples=count, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(junk_update())
    def collect(update):
        batches.append(update)

    collect()
    return batches


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
    failed = [c for c in api.calls if c.status >= 400 and c.method.lower() != "getupdates"]
    assert failed == [], failed[:3]
    assert " ERROR " not in bot_process.log, bot_process.log[-3000:]
    assert "Traceback" not in bot_process.log
