"""The bot's own HTTP client (``bot/aiohttp_request.py``): restarts, the errors PTB's callers
expect, and the proxy from the environment (calls, uploads and downloads: ``test_server.py``)."""

from __future__ import annotations

import asyncio
import socket

import pytest
from aiohttp import web
from telegram import Bot
from telegram.error import NetworkError, TimedOut

from bot.aiohttp_request import AiohttpRequest
from bot.sandbox.core import FakeBotApi
from bot.sandbox.server import SandboxServer


def own_bot(token: str, base_url: str, file_base_url: str = "", **timeouts) -> Bot:
    return Bot(
        token,
        base_url=base_url,
        base_file_url=file_base_url or base_url,
        request=AiohttpRequest(**timeouts),
        get_updates_request=AiohttpRequest(connection_pool_size=1),
    )


async def test_a_bot_shut_down_and_started_again_talks_again(api: FakeBotApi) -> None:
    """As PTB's Application may do; calls, uploads and downloads themselves are tested with
    both clients in ``test_server.py``."""
    async with SandboxServer(api) as srv, own_bot(api.token, srv.base_url) as bot:
        request = bot.request
        await bot.shutdown()
        await bot.initialize()
        assert (await bot.get_me()).is_bot and bot.request is request


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_nobody_listening_is_a_network_error_that_never_shows_the_token() -> None:
    token = "123456:SECRET-token-never-shown"
    bot = own_bot(token, f"http://127.0.0.1:{free_port()}/bot")
    await bot.request.initialize()
    with pytest.raises(NetworkError) as caught:
        await bot.send_message(1, "hello")
    await bot.request.shutdown()
    assert not isinstance(caught.value, TimedOut)
    assert "SECRET" not in str(caught.value) and "aiohttp." in str(caught.value)


async def test_an_answer_slower_than_the_read_timeout_is_timed_out() -> None:
    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(2)
        return web.json_response({"ok": True, "result": True})

    app = web.Application()
    app.router.add_post("/bot{token}/{method}", slow)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        bot = own_bot("1:x", f"http://127.0.0.1:{port}/bot", read_timeout=0.2)
        await bot.request.initialize()
        started = asyncio.get_running_loop().time()
        with pytest.raises(TimedOut):
            await bot.send_message(1, "hello")
        assert asyncio.get_running_loop().time() - started < 1.5
        await bot.request.shutdown()
    finally:
        await runner.cleanup()


async def test_a_request_before_initialize_is_refused_clearly() -> None:
    with pytest.raises(RuntimeError, match="not initialized"):
        await AiohttpRequest().do_request("http://127.0.0.1:1/x", "POST")


async def test_the_proxy_comes_from_the_environment_unless_no_proxy_names_the_host(monkeypatch):
    seen: list[str] = []

    async def proxy(request: web.Request) -> web.Response:
        seen.append(str(request.url))
        return web.json_response({"ok": True, "result": True})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", proxy)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    monkeypatch.setenv("HTTP_PROXY", f"127.0.0.1:{port}")  # no scheme: http, as curl takes it
    monkeypatch.setenv("NO_PROXY", "bypassed.invalid")
    bot = own_bot("1:x", "http://telegram.invalid/bot")
    bypassing = own_bot("1:x", "http://bypassed.invalid/bot")
    await bot.request.initialize()
    await bypassing.request.initialize()
    try:
        assert await bot.delete_webhook()  # answered by the proxy: telegram.invalid has no IP
        assert seen == ["http://telegram.invalid/bot1:x/deleteWebhook"]
        with pytest.raises(NetworkError):  # straight to a host that does not exist
            await bypassing.delete_webhook()
        assert len(seen) == 1
    finally:
        await bot.request.shutdown()
        await bypassing.request.shutdown()
        await runner.cleanup()
