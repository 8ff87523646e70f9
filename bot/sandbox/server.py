"""aiohttp adapter exposing a FakeBotApi over HTTP like api.telegram.org (no telegram import)."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from .core import SANDBOX_TOKEN, ApiCall, FakeBotApi

__all__ = ["Network", "SandboxServer", "create_app", "run_sandbox"]

API_KEY: web.AppKey[FakeBotApi] = web.AppKey("sandbox_api", FakeBotApi)


@dataclass
class Network:
    """Trouble between the bot and "Telegram", as a proxy or a bad link would make it (the
    Bot API itself is untouched): ``bad_gateway`` answers every Bot API request with an HTML
    502 before it reaches the API; ``delay`` holds every request that long first. ``requests``
    records when each Bot API request arrived (monotonic), to see how hard the bot retries."""

    bad_gateway: bool = False
    delay: float = 0.0
    requests: list[float] = field(default_factory=list)

    def count_between(self, start: float, end: float) -> int:
        return sum(1 for t in self.requests if start <= t < end)


NETWORK_KEY: web.AppKey[Network] = web.AppKey("sandbox_network", Network)


def _as_param(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


async def _read_params(request: web.Request) -> tuple[dict[str, str], dict[str, tuple[str, bytes]]]:
    params: dict[str, str] = {k: v for k, v in request.query.items()}
    files: dict[str, tuple[str, bytes]] = {}
    if request.method != "POST" or not request.can_read_body:
        return params, files
    ctype = request.content_type
    if ctype == "application/json":
        try:
            body = await request.json()
        except ValueError:
            body = None
        if isinstance(body, dict):
            params.update({k: _as_param(v) for k, v in body.items() if v is not None})
    elif ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                files[key] = (value.filename or key, value.file.read())
            elif isinstance(value, bytes):
                params[key] = value.decode("utf-8", "replace")
            else:
                params[key] = str(value)
    return params, files


def _call_json(index: int, call: ApiCall) -> dict:
    return {
        "index": index,
        "method": call.method,
        "params": call.params,
        "files": {k: {"filename": v[0], "size": len(v[1])} for k, v in call.files.items()},
        "at": call.at,
        "status": call.status,
        "response": call.response,
    }


def create_app(api: FakeBotApi, network: Network | None = None) -> web.Application:
    """The sandbox as an aiohttp application (Bot API routes + /_sandbox/ control API)."""
    app = web.Application(client_max_size=60 * 1024 * 1024)
    app[API_KEY] = api
    network = network or Network()
    app[NETWORK_KEY] = network

    async def bot_method(request: web.Request) -> web.Response:
        network.requests.append(time.monotonic())
        if network.delay:
            await asyncio.sleep(network.delay)
        if network.bad_gateway:
            return web.Response(
                status=502,
                text="<html><body><h1>502 Bad Gateway</h1></body></html>",
                content_type="text/html",
            )
        params, files = await _read_params(request)
        status, body = await api.handle(
            request.match_info["token"], request.match_info["method"], params, files
        )
        return web.json_response(body, status=status, dumps=lambda o: json.dumps(o))

    async def download(request: web.Request) -> web.Response:
        if request.match_info["token"] != api.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        found = api.file_by_path(request.match_info["path"])
        if found is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        return web.Response(body=found[1], content_type="application/octet-stream")

    async def body_json(request: web.Request) -> dict:
        try:
            data = await request.json()
        except ValueError:
            raise web.HTTPBadRequest(text="expected a JSON object body") from None
        if not isinstance(data, dict):
            raise web.HTTPBadRequest(text="expected a JSON object body")
        return data

    def user_from(data: dict) -> dict:
        try:
            user_id = int(data["user_id"])
        except (KeyError, TypeError, ValueError):
            raise web.HTTPBadRequest(text="user_id (int) is required") from None
        known = api.world.users.get(user_id, {})
        return api.make_user(
            user_id,
            data.get("first_name") or known.get("first_name") or "Resident",
            language_code=data.get("language_code", known.get("language_code", "en")),
            username=data.get("username", known.get("username")),
            last_name=data.get("last_name", known.get("last_name")),
        )

    async def ctl_send(request: web.Request) -> web.Response:
        data = await body_json(request)
        user = user_from(data)
        chat = None
        if data.get("chat_id") is not None:
            chat = api.world.chats.get(int(data["chat_id"]))
            if chat is None:
                raise web.HTTPBadRequest(text="unknown chat_id")
        message = api.send_message(user, data.get("text"), chat=chat)
        return web.json_response({"ok": True, "message": message})

    async def ctl_press(request: web.Request) -> web.Response:
        data = await body_json(request)
        user = user_from(data)
        try:
            message_id = int(data["message_id"])
            payload = str(data["data"])
        except (KeyError, TypeError, ValueError):
            raise web.HTTPBadRequest(text="message_id and data are required") from None
        chat_id = data.get("chat_id")
        update = api.press_button(
            user, message_id, payload, chat_id=int(chat_id) if chat_id is not None else None
        )
        return web.json_response({"ok": True, "update": update})

    async def ctl_update(request: web.Request) -> web.Response:
        update_id = api.inject_update(await body_json(request))
        return web.json_response({"ok": True, "update_id": update_id})

    async def ctl_messages(request: web.Request) -> web.Response:
        try:
            chat_id = int(request.query["chat_id"])
        except (KeyError, ValueError):
            raise web.HTTPBadRequest(text="chat_id query parameter is required") from None
        return web.json_response({"ok": True, "messages": api.bot_messages(chat_id)})

    async def ctl_calls(request: web.Request) -> web.Response:
        try:
            since = int(request.query.get("since", "0"))
        except ValueError:
            raise web.HTTPBadRequest(text="since must be an int") from None
        calls = [_call_json(i, c) for i, c in enumerate(api.calls) if i >= since]
        return web.json_response({"ok": True, "calls": calls, "next": len(api.calls)})

    async def ctl_fault(request: web.Request) -> web.Response:
        data = await body_json(request)
        allowed = {"chat_id", "times", "retry_after", "migrate_to_chat_id"}
        try:
            api.add_fault(
                str(data["method"]),
                str(data["kind"]),
                **{k: v for k, v in data.items() if k in allowed},
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise web.HTTPBadRequest(text=f"bad fault: {exc}") from None
        return web.json_response({"ok": True})

    async def ctl_reset(request: web.Request) -> web.Response:
        api.reset()
        return web.json_response({"ok": True})

    app.router.add_route("*", "/bot{token}/{method}", bot_method)
    app.router.add_get("/file/bot{token}/{path:.+}", download)
    app.router.add_post("/_sandbox/send", ctl_send)
    app.router.add_post("/_sandbox/press", ctl_press)
    app.router.add_post("/_sandbox/update", ctl_update)
    app.router.add_get("/_sandbox/messages", ctl_messages)
    app.router.add_get("/_sandbox/calls", ctl_calls)
    app.router.add_post("/_sandbox/fault", ctl_fault)
    app.router.add_post("/_sandbox/reset", ctl_reset)
    return app


class SandboxServer:
    """``async with SandboxServer(api) as srv:`` serves the sandbox on srv.base_url."""

    def __init__(
        self,
        api: FakeBotApi,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        network: Network | None = None,
    ) -> None:
        self.api = api
        self.host = host
        self.port = port
        self.network = network or Network()  # kept across stop() and start() again
        self._runner: web.AppRunner | None = None

    @property
    def root_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """Value for the bot's BOT_API_BASE_URL / PTB's ``base_url`` (token appended by PTB)."""
        return f"{self.root_url}/bot"

    @property
    def file_base_url(self) -> str:
        return f"{self.root_url}/file/bot"

    async def start(self) -> SandboxServer:
        runner = web.AppRunner(
            create_app(self.api, self.network),
            access_log=None,
            handle_signals=False,
            shutdown_timeout=0.5,
        )
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        await site.start()
        self._runner = runner
        if self.port == 0:
            self.port = int(runner.addresses[0][1])
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def __aenter__(self) -> SandboxServer:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


def run_sandbox(host: str = "127.0.0.1", port: int = 8081) -> int:
    """Serve a fresh sandbox until Ctrl-C (``python -m bot sandbox``)."""
    api = FakeBotApi()

    async def serve() -> None:
        async with SandboxServer(api, host=host, port=port) as srv:
            print(
                f"Sandbox Telegram API on {srv.root_url} - run the bot with: "
                f"BOT_TOKEN={SANDBOX_TOKEN} BOT_API_BASE_URL={srv.base_url} python -m bot run"
                f"   (act as users: POST {srv.root_url}/_sandbox/send "
                '{"user_id": 2000, "text": "/start"}; Ctrl-C stops)',
                flush=True,
            )
            await asyncio.Event().wait()

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        print("Sandbox stopped.", flush=True)
    return 0
