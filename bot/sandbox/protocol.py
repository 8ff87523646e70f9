"""What a Bot API request and response look like: the sandbox's token and bot, errors, calls.

Shared by every other sandbox module; imports none of them.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

__all__ = [
    "SANDBOX_BOT",
    "SANDBOX_TOKEN",
    "ApiCall",
    "ApiError",
    "Changes",
    "as_int",
    "bad",
    "decode_params",
    "truthy",
]

SANDBOX_TOKEN = "123456789:SANDBOX-sandbox-sandbox-sandbox-0000"
SANDBOX_BOT = {
    "id": 123456789,
    "is_bot": True,
    "first_name": "Common Ground",
    "username": "CommonGroundBot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}

# Parameters whose value is a plain string and must never be JSON-decoded.
STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "caption_parse_mode",
        "question",
        "question_parse_mode",
        "explanation",
        "explanation_parse_mode",
        "description_parse_mode",
        "type",
        "callback_query_id",
        "url",
        "action",
        "title",
        "description",
        "short_description",
        "name",
        "language_code",
        "inline_message_id",
        "emoji",
        "business_connection_id",
        "message_effect_id",
        "secret_token",
        "ip_address",
        "document",
        "photo",
        "thumbnail",
        "sticker",
        "custom_title",
        "file_id",
        "invite_link",
    }
)


class ApiError(Exception):
    """An error response of the fake Bot API."""

    def __init__(self, code: int, description: str, parameters: dict | None = None):
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def body(self) -> dict:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad(description: str) -> ApiError:
    """A 400 "Bad Request: <description>" error."""
    return ApiError(400, f"Bad Request: {description}")


@dataclass
class ApiCall:
    """One request the bot made and what the sandbox answered."""

    method: str
    params: dict
    files: dict[str, tuple[str, bytes]]
    at: float
    status: int
    response: dict

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def result(self) -> Any:
        return self.response.get("result")

    def summary(self) -> str:
        shown = {k: v for k, v in self.params.items() if k != "reply_markup"}
        text = json.dumps(shown, ensure_ascii=False, default=str)
        if len(text) > 160:
            text = text[:157] + "..."
        tail = "" if self.ok else f" -> {self.status} {self.response.get('description')}"
        return f"{self.method}({text}){tail}"


def decode_params(params: dict[str, str]) -> dict[str, Any]:
    """String-valued HTTP parameters to Python values, the way the Bot API reads them."""
    decoded: dict[str, Any] = {}
    for key, value in params.items():
        if not isinstance(value, str):
            decoded[key] = value
        elif key in ("chat_id", "from_chat_id"):
            try:
                decoded[key] = int(value)
            except ValueError:
                decoded[key] = value
        elif key in STRING_PARAMS:
            decoded[key] = value
        else:
            try:
                decoded[key] = json.loads(value)
            except ValueError:
                decoded[key] = value
    return decoded


def as_int(value: Any, what: str) -> int:
    if isinstance(value, bool) or value is None:
        raise bad(f"{what} is empty" if value is None else f"invalid {what}")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise bad(f"invalid {what}") from None


def truthy(value: Any) -> bool:
    return value is True or value in ("true", "True", "1", 1)


class Changes:
    """Wakes whoever waits for the sandbox to change (long polls, test helpers), on any loop."""

    def __init__(self) -> None:
        self._waiters: list[asyncio.Future] = []

    def notify(self) -> None:
        waiters, self._waiters = self._waiters, []
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        for fut in waiters:
            if fut.done():
                continue
            loop = fut.get_loop()
            if loop is running:
                fut.set_result(None)
            elif not loop.is_closed():
                loop.call_soon_threadsafe(_set_if_pending, fut)

    async def wait(self, timeout: float) -> None:
        """Return on the next change, or after `timeout` seconds."""
        fut = asyncio.get_running_loop().create_future()
        self._waiters.append(fut)
        try:
            await asyncio.wait_for(fut, max(timeout, 0))
        except TimeoutError:
            pass
        finally:
            if fut in self._waiters:
                self._waiters.remove(fut)


def _set_if_pending(fut: asyncio.Future) -> None:
    if not fut.done():
        fut.set_result(None)
