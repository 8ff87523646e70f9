"""The real ``python -m bot run`` in webhook mode, receiving updates over loopback."""

from __future__ import annotations

import json
import signal
import socket
import sqlite3

import aiohttp

from bot.webhook import SECRET_HEADER
from tests.e2e.conftest import READY_TIMEOUT, BotProcess
from tests.support import SENDING

SECRET = "e2e-Secret_0123456789"
URL = "https://bot.example.org/telegram/hook"  # what Telegram would call; the proxy forwards it


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def webhook_process(api, server, workdir, port: int) -> BotProcess:
    return BotProcess(
        api,
        server,
        workdir,
        BOT_WEBHOOK_URL=URL,
        BOT_WEBHOOK_SECRET=SECRET,
        BOT_WEBHOOK_LISTEN=f"127.0.0.1:{port}",
        BOT_LOG_LEVEL="DEBUG",  # PTB logs every call's parameters, setWebhook's secret too
    )


async def start(process: BotProcess) -> None:
    api = process.api
    api.world.webhook_url = ""
    await process.start(wait=False)
    # Ready once it has set its webhook (its server listens before it does).
    assert await api.wait_until(
        lambda: bool(api.world.webhook_url) or not process.alive(), timeout=READY_TIMEOUT
    ), process.log[-3000:]
    assert process.alive(), process.log[-3000:]


def start_update(api, user: dict) -> dict:
    api.send_message(user, "/start")
    return api.world.updates[-1]  # what Telegram would post


async def replies(api, user: dict, start: int) -> list:
    return [
        c
        for c in api.calls[start:]
        if c.method.lower() in SENDING and c.status == 200 and c.params.get("chat_id") == user["id"]
    ]


async def test_webhook_mode_end_to_end(sandbox, tmp_path):
    api, server = sandbox
    port = free_port()
    process = webhook_process(api, server, tmp_path, port)
    await start(process)
    assert api.world.webhook_url == URL
    assert api.world.webhook_secret == SECRET
    assert api.polls_started == 0  # no getUpdates in webhook mode

    user = api.make_user(3100, "Lin", language_code="en")
    hook = f"http://127.0.0.1:{port}/telegram/hook"
    async with aiohttp.ClientSession() as http:
        update = start_update(api, user)
        async with http.post(hook, json=update) as response:
            assert response.status == 403
        async with http.post(hook, json=update, headers={SECRET_HEADER: "nope"}) as response:
            assert response.status == 403
        assert await replies(api, user, 0) == []

        start_at = len(api.calls)
        async with http.post(hook, json=update, headers={SECRET_HEADER: SECRET}) as response:
            assert response.status == 200
        await api.wait_for_message(user["id"], start=start_at)
        # Telegram sends it again (it never saw our 200, say): no second welcome
        async with http.post(hook, json=update, headers={SECRET_HEADER: SECRET}) as response:
            assert response.status == 200

    assert await process.stop(signal.SIGTERM) == 0
    assert len(await replies(api, user, start_at)) == 1

    # A crash right after a 200 leaves the update in the inbox: the next start handles it.
    other = api.make_user(3101, "Noor", language_code="en")
    left = start_update(api, other)
    db = sqlite3.connect(tmp_path / "bot.sqlite3")
    try:
        with db:
            db.execute(
                "INSERT INTO inbox (update_id, body) VALUES (?, ?)",
                (left["update_id"], json.dumps(left)),
            )
    finally:
        db.close()
    start_at = len(api.calls)
    process = webhook_process(api, server, tmp_path, port)
    await start(process)
    await api.wait_for_message(other["id"], start=start_at)
    assert process.alive()
    assert await process.stop(signal.SIGTERM) == 0
    assert len(await replies(api, other, start_at)) == 1
    db = sqlite3.connect(tmp_path / "bot.sqlite3")
    try:
        assert db.execute("SELECT count(*) FROM inbox").fetchone() == (0,)
    finally:
        db.close()
    log = process.log
    assert "Common Ground stopped" in log
    assert "Traceback" not in log
    assert api.token not in log
    assert "setWebhook" in log
    assert SECRET not in log
