"""The sandbox over real loopback HTTP: PTB's default HTTPXRequest, the bot's own aiohttp one,
and the control API."""

from __future__ import annotations

import aiohttp
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, InvalidToken

from bot.aiohttp_request import AiohttpRequest
from bot.sandbox.core import FakeBotApi
from bot.sandbox.server import SandboxServer


def clients(kind: str) -> dict:
    """PTB's default HTTP client (httpx), or the bot's own (``bot/aiohttp_request.py``)."""
    if kind == "httpx":
        return {}
    return {
        "request": AiohttpRequest(),
        "get_updates_request": AiohttpRequest(connection_pool_size=1),
    }


@pytest.mark.parametrize("client", ["httpx", "aiohttp"])
async def test_ptb_bot_over_http(api: FakeBotApi, client: str) -> None:
    api.send_message(api.make_user(2000, "Amina"), "/start")
    async with SandboxServer(api) as srv:
        assert srv.port > 0 and srv.base_url == f"http://127.0.0.1:{srv.port}/bot"
        bot = Bot(
            api.token, base_url=srv.base_url, base_file_url=srv.file_base_url, **clients(client)
        )
        async with bot:
            (update,) = await bot.get_updates(timeout=1)
            assert update.message.text == "/start"
            markup = InlineKeyboardMarkup(
                [[InlineKeyboardButton("Español", callback_data="lang:es")]]
            )
            msg = await bot.send_message(
                2000, "¡Hola <b>Amina</b>!", parse_mode="HTML", reply_markup=markup
            )
            assert msg.text == "¡Hola Amina!" and msg.reply_markup == markup
            with pytest.raises(BadRequest, match="unsupported start tag"):
                await bot.send_message(2000, "<script>", parse_mode="HTML")
            # multipart upload
            doc = await bot.send_document(
                2000, b"\x00binary\xff" * 100, filename="minutes.pdf", caption="Minutes"
            )
            assert doc.document.file_size == 800 and doc.document.mime_type == "application/pdf"
            assert api.calls[-1].files["document"][0] == "minutes.pdf"
            file = await bot.get_file(doc.document.file_id)
            assert bytes(await file.download_as_bytearray()) == b"\x00binary\xff" * 100
            # a file name in another script arrives as written, not percent-encoded
            poster = await bot.send_document(2000, b"%PDF-1.4", filename="poster-Дом-ملصق.pdf")
            assert poster.document.file_name == "poster-Дом-ملصق.pdf"
    assert api.bot_messages(2000)[0]["text"] == "¡Hola Amina!"


async def test_wrong_token_and_raw_requests(api: FakeBotApi) -> None:
    async with SandboxServer(api) as srv:
        with pytest.raises(InvalidToken):
            async with Bot("123:not-the-sandbox-token", base_url=srv.base_url):
                pass
        async with aiohttp.ClientSession() as http:
            url = f"{srv.base_url}{api.token}"
            async with http.get(f"{url}/getMe") as resp:
                assert (
                    resp.status == 200
                    and (await resp.json())["result"]["username"] == "CommonGroundBot"
                )
            async with http.post(f"{url}/nope") as resp:
                assert resp.status == 404
            api.send_message(api.make_user(7), "hi")
            async with http.post(
                f"{url}/sendMessage", json={"chat_id": 7, "text": "json body"}
            ) as resp:
                assert (await resp.json())["result"]["text"] == "json body"
            async with http.post(
                f"{url}/sendMessage", data={"chat_id": "7", "text": "form"}
            ) as resp:
                assert (await resp.json())["result"]["text"] == "form"
            async with http.get(
                f"{url}/sendMessage", params={"chat_id": "7", "text": "query"}
            ) as resp:
                assert (await resp.json())["result"]["text"] == "query"
            async with http.get(f"{srv.file_base_url}{api.token}/documents/missing") as resp:
                assert resp.status == 404


async def test_control_api(api: FakeBotApi) -> None:
    async with SandboxServer(api) as srv, aiohttp.ClientSession() as http:
        ctl = f"http://127.0.0.1:{srv.port}/_sandbox"
        async with http.post(
            f"{ctl}/send",
            json={"user_id": 2000, "first_name": "Amina", "language_code": "es", "text": "/start"},
        ) as resp:
            sent = await resp.json()
        assert sent["message"]["from"]["language_code"] == "es"
        bot = Bot(api.token, base_url=srv.base_url)
        async with bot:
            msg = await bot.send_message(
                2000,
                "pick",
                reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("a", callback_data="a")]]),
            )
            async with http.get(f"{ctl}/messages", params={"chat_id": "2000"}) as resp:
                assert [m["text"] for m in (await resp.json())["messages"]] == ["pick"]
            async with http.post(
                f"{ctl}/press", json={"user_id": 2000, "message_id": msg.message_id, "data": "a"}
            ) as resp:
                assert (await resp.json())["update"]["callback_query"]["data"] == "a"
            async with http.post(
                f"{ctl}/update",
                json={
                    "message": {
                        "message_id": 50,
                        "date": 0,
                        "chat": {"id": 2000, "type": "private"},
                        "text": "raw",
                    }
                },
            ) as resp:
                raw_id = (await resp.json())["update_id"]
            updates = await bot.get_updates()
            assert [u.update_id for u in updates][-1] == raw_id
            assert updates[1].callback_query.message.text == "pick"
            async with http.post(
                f"{ctl}/fault", json={"method": "sendMessage", "kind": "chat_not_found"}
            ) as resp:
                assert resp.status == 200
            with pytest.raises(BadRequest, match="Chat not found"):
                await bot.send_message(2000, "x")
            async with http.post(
                f"{ctl}/fault", json={"method": "sendMessage", "kind": "bogus"}
            ) as resp:
                assert resp.status == 400
            async with http.get(f"{ctl}/calls", params={"since": "1"}) as resp:
                calls = await resp.json()
            assert calls["calls"][0]["index"] == 1 and calls["next"] == len(api.calls)
            assert calls["calls"][-1]["status"] == 400
            async with http.post(f"{ctl}/reset") as resp:
                assert resp.status == 200
            assert api.calls == []
