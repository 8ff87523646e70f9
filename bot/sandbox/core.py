"""A fake, in-memory Telegram Bot API ("the sandbox").

Pure logic: no aiohttp and no ``telegram`` import. ``FakeBotApi.handle`` takes exactly what a
Bot API HTTP request carries (the token, the method name, string-valued parameters and uploaded
files) and returns ``(http_status, json_body)`` shaped like the real Bot API.

``FakeBotApi`` is a facade over the parts:

* ``state.World`` - users, chats, members, messages, files, polls, queued updates;
* ``methods/`` - the Bot API methods, in groups;
* ``limits`` - Telegram's limits, flood control and the flood meter (``api.flood``);
* ``faults`` - errors a test injects;
* ``driver`` - acting as users, and looking at / waiting for what the bot did.
"""

from __future__ import annotations

import copy
import inspect
import logging
import time
from collections.abc import Callable
from typing import Any

from .driver import Inspector, UserDriver
from .faults import Faults, check_blocked
from .limits import (
    CALLBACK_ANSWER_WINDOW,
    MAX_CAPTION,
    MAX_TEXT,
    SEND_METHODS,
    FloodControl,
    FloodMeter,
)
from .methods import dispatch_table
from .methods.messages import NOT_MODIFIED
from .protocol import SANDBOX_BOT, SANDBOX_TOKEN, ApiCall, ApiError, Changes, decode_params
from .state import World

__all__ = [
    "CALLBACK_ANSWER_WINDOW",
    "MAX_CAPTION",
    "MAX_TEXT",
    "NOT_MODIFIED",
    "SANDBOX_BOT",
    "SANDBOX_TOKEN",
    "ApiCall",
    "ApiError",
    "FakeBotApi",
]

_LOGGER = logging.getLogger(__name__)


class FakeBotApi(UserDriver, Inspector):
    """In-memory stand-in for api.telegram.org, with helpers to act as users and inspect."""

    def __init__(
        self,
        token: str = SANDBOX_TOKEN,
        *,
        bot_user: dict = SANDBOX_BOT,
        enforce_limits: bool = False,
    ) -> None:
        self.token = token
        self._bot_user = dict(bot_user)
        self.enforce_limits = enforce_limits
        self.clock: Callable[[], float] = time.monotonic
        # Called synchronously with every recorded ApiCall (used by the terminal demo).
        self.listeners: list[Callable[[ApiCall], None]] = []
        self.changes = Changes()
        self._methods = dispatch_table(self)
        self.reset()

    # ------------------------------------------------------------------ state
    def reset(self) -> None:
        """Forget everything (users, chats, messages, updates, calls, faults, settings)."""
        self.calls: list[ApiCall] = []
        self.errors: list[str] = []  # internal sandbox errors (bugs in the sandbox itself)
        self.world = World(self._bot_user)
        self.faults = Faults()
        self.flood_control = FloodControl()
        self.flood = FloodMeter()
        self.changes.notify()

    @property
    def bot_user(self) -> dict:
        return self._bot_user

    @bot_user.setter
    def bot_user(self, user: dict) -> None:
        self._bot_user = user
        self.world.bot_user = user

    @property
    def implemented_methods(self) -> list[str]:
        """Lower-case names of the Bot API methods the sandbox answers."""
        return sorted(self._methods)

    # Read-only views kept for callers of the one-class sandbox.
    @property
    def stats(self) -> dict[str, int]:
        return {
            "calls": len(self.calls),
            "flood_429": self.flood.flood_limited,
            "faults_injected": self.faults.injected,
        }

    @property
    def flood_429_count(self) -> int:
        """429s from the sandbox's own flood control (``flood.count_429`` counts all 429s)."""
        return self.flood.flood_limited

    @property
    def flood_by_chat(self) -> dict[int, int]:
        return self.flood.flood_by_chat

    @property
    def callback_answers(self) -> dict[str, dict]:
        return self.world.callback_answers

    @property
    def menu_buttons(self) -> dict[int | None, dict]:
        return self.world.menu_buttons

    @property
    def polls_started(self) -> int:
        return self.world.polls_started

    @property
    def max_delivered_update_id(self) -> int:
        return self.world.max_delivered_update_id

    # ---------------------------------------------------------------- faults
    def add_fault(self, method: str, kind: str, **options: Any) -> None:
        """Make the next calls of `method` ("*" = any) fail with `kind`: see `Faults.add`
        for the options (chat_id, times, retry_after, migrate_to_chat_id)."""
        self.faults.add(method, kind, **options)

    # ------------------------------------------------------------------ entry
    async def handle(
        self,
        token: str,
        method: str,
        params: dict[str, str],
        files: dict[str, tuple[str, bytes]] | None = None,
    ) -> tuple[int, dict]:
        at = self.clock()
        files = dict(files or {})
        decoded = decode_params(params)
        name = method.lower()
        chat_id = self._chat_id(decoded)
        flood_limited = False
        try:
            if token != self.token:
                raise ApiError(401, "Unauthorized")
            handler = self._methods.get(name)
            if handler is None:
                raise ApiError(404, "Not Found: method not found")
            self.faults.check(name, decoded)
            check_blocked(self.world.blocked, name, decoded)
            if self.enforce_limits and name in SEND_METHODS:
                try:
                    self.flood_control.check(chat_id, at)
                except ApiError:
                    flood_limited = True
                    raise
            result = handler(decoded, files)
            if inspect.isawaitable(result):
                result = await result
            status, body = 200, {"ok": True, "result": result}
        except ApiError as exc:
            status, body = exc.code, exc.body()
        except Exception as exc:  # a sandbox bug: report it like a server error, keep going
            _LOGGER.exception("sandbox failed handling %s", method)
            self.errors.append(f"{method}: {exc!r}")
            status, body = (
                500,
                {
                    "ok": False,
                    "error_code": 500,
                    "description": f"Internal Server Error: sandbox error {exc!r}",
                },
            )
        body = copy.deepcopy(body)
        call = ApiCall(method, decoded, files, at, status, body)
        self.calls.append(call)
        self.flood.observe(call, chat_id=chat_id, flood_limited=flood_limited)
        for listener in list(self.listeners):
            try:
                listener(call)
            except Exception:
                _LOGGER.exception("sandbox listener failed")
        self.changes.notify()
        return status, copy.deepcopy(body)

    def _chat_id(self, params: dict) -> Any:
        """The chat a call addresses, as a numeric id where known ("@username" resolved)."""
        chat_id = params.get("chat_id")
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            for chat in self.world.chats.values():
                if chat.get("username") and "@" + chat["username"] == chat_id:
                    return chat["id"]
        return chat_id
