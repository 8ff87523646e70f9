"""A fake, in-memory Telegram Bot API ("the sandbox").

Pure logic: no aiohttp and no ``telegram`` import. ``FakeBotApi.handle`` takes exactly what a
Bot API HTTP request carries (the token, the method name, string-valued parameters and uploaded
files) and returns ``(http_status, json_body)`` shaped like the real Bot API.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import json
import logging
import math
import mimetypes
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .formatting import ParseError, parse_html, parse_markdown_v2, strip_text, utf16_len

__all__ = ["SANDBOX_BOT", "SANDBOX_TOKEN", "ApiCall", "ApiError", "FakeBotApi"]

_LOGGER = logging.getLogger(__name__)

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

MAX_TEXT = 4096
MAX_CAPTION = 1024
CALLBACK_ANSWER_WINDOW = 15.0  # seconds Telegram waits for answerCallbackQuery

# Parameters whose value is a plain string and must never be JSON-decoded.
_STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "caption_parse_mode",
        "question",
        "question_parse_mode",
        "explanation",
        "explanation_parse_mode",
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
        "sticker",
        "custom_title",
        "file_id",
        "invite_link",
    }
)
_DEFAULT_ALLOWED = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)
_SEND_METHODS = frozenset(
    {"sendmessage", "senddocument", "sendphoto", "sendpoll", "copymessage", "forwardmessage"}
)
_BLOCKABLE_PREFIXES = ("send", "edit", "copy", "forward", "stoppoll")
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_FAULTS = {
    "retry_after": (429, "Too Many Requests: retry after {retry_after}"),
    "blocked": (403, "Forbidden: bot was blocked by the user"),
    "chat_not_found": (400, "Bad Request: chat not found"),
    "migrate": (400, "Bad Request: group chat was upgraded to a supergroup chat"),
    "server_error": (500, "Internal Server Error"),
}
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
_LANG_RE = re.compile(r"^[a-z]{2}$")
_URL_RE = re.compile(r"^(https?://[^\s/$.?#][^\s]*|tg://[^\s]+)$", re.IGNORECASE)
_ADMIN_RIGHTS = {
    "can_be_edited": False,
    "is_anonymous": False,
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": True,
    "can_restrict_members": True,
    "can_promote_members": False,
    "can_change_info": True,
    "can_invite_users": True,
    "can_post_stories": False,
    "can_edit_stories": False,
    "can_delete_stories": False,
    "can_pin_messages": True,
}
_PERMISSION_FIELDS = (
    "can_send_messages",
    "can_send_audios",
    "can_send_documents",
    "can_send_photos",
    "can_send_videos",
    "can_send_video_notes",
    "can_send_voice_notes",
    "can_send_polls",
    "can_send_other_messages",
    "can_add_web_page_previews",
    "can_change_info",
    "can_invite_users",
    "can_pin_messages",
    "can_manage_topics",
    "can_edit_tag",
    "can_react_to_messages",
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


def _bad(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


@dataclass
class ApiCall:
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


@dataclass
class _Fault:
    method: str
    kind: str
    chat_id: int | None
    remaining: int
    retry_after: int
    migrate_to_chat_id: int | None


@dataclass
class _Group:
    chat: dict
    admins: set[int] = field(default_factory=set)
    members: set[int] = field(default_factory=set)
    banned: set[int] = field(default_factory=set)
    restricted: dict[int, dict] = field(default_factory=dict)
    join_requests: set[int] = field(default_factory=set)
    bot_is_admin: bool = True
    bot_left: bool = False


def _decode_params(params: dict[str, str]) -> dict[str, Any]:
    decoded: dict[str, Any] = {}
    for key, value in params.items():
        if not isinstance(value, str):
            decoded[key] = value
        elif key in ("chat_id", "from_chat_id"):
            try:
                decoded[key] = int(value)
            except ValueError:
                decoded[key] = value
        elif key in _STRING_PARAMS:
            decoded[key] = value
        else:
            try:
                decoded[key] = json.loads(value)
            except ValueError:
                decoded[key] = value
    return decoded


def _as_int(value: Any, what: str) -> int:
    if isinstance(value, bool) or value is None:
        raise _bad(f"{what} is empty" if value is None else f"invalid {what}")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise _bad(f"invalid {what}") from None


def _truthy(value: Any) -> bool:
    return value is True or value in ("true", "True", "1", 1)


class FakeBotApi:
    """In-memory stand-in for api.telegram.org, with helpers to act as users and inspect."""

    def __init__(
        self,
        token: str = SANDBOX_TOKEN,
        *,
        bot_user: dict = SANDBOX_BOT,
        enforce_limits: bool = False,
    ) -> None:
        self.token = token
        self.bot_user = dict(bot_user)
        self.enforce_limits = enforce_limits
        self.clock: Callable[[], float] = time.monotonic
        # Called synchronously with every recorded ApiCall (used by the terminal demo).
        self.listeners: list[Callable[[ApiCall], None]] = []
        self._waiters: list[asyncio.Future] = []
        self.reset()

    # ------------------------------------------------------------------ state
    def reset(self) -> None:
        """Forget everything (users, chats, messages, updates, calls, faults, settings)."""
        self.calls: list[ApiCall] = []
        self.errors: list[str] = []  # internal sandbox errors (bugs in the sandbox itself)
        self._updates: list[dict] = []
        self._next_update_id = 1
        self.max_delivered_update_id = 0
        self.polls_started = 0
        self._allowed_updates: frozenset[str] = _DEFAULT_ALLOWED
        self._webhook_url = ""
        self._users: dict[int, dict] = {}
        self._chats: dict[int, dict] = {}  # chats the bot may talk to
        self._groups: dict[int, _Group] = {}
        self._blocked: set[int] = set()
        self._messages: dict[int, dict[int, dict]] = {}
        self._next_message_id: dict[int, int] = {}
        self._files: dict[str, dict] = {}
        self._file_counter = itertools.count(1)
        self._callback_counter = itertools.count(1)
        self._poll_counter = itertools.count(1)
        # callback query id -> [answers still allowed, first delivered at (None: not yet)]
        self._callbacks: dict[str, list] = {}
        self.callback_answers: dict[str, dict] = {}
        self._polls: dict[str, tuple[int, int]] = {}
        self._poll_votes: dict[str, dict[int, list[int]]] = {}
        self._faults: list[_Fault] = []
        self._commands: dict[tuple[str, str], list[dict]] = {}
        self._descriptions: dict[tuple[str, str], str] = {}
        self.menu_buttons: dict[int | None, dict] = {}
        self._recent_all: deque[float] = deque()
        self._recent_group: dict[int, deque[float]] = {}
        self._private_bucket: dict[int, tuple[float, float]] = {}
        self.stats: dict[str, int] = {"calls": 0, "flood_429": 0, "faults_injected": 0}
        self.flood_by_chat: dict[int, int] = {}
        self._notify()

    @property
    def flood_429_count(self) -> int:
        return self.stats["flood_429"]

    # ------------------------------------------------------------ notification
    def _notify(self) -> None:
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

    async def _wait_change(self, timeout: float) -> None:
        fut = asyncio.get_running_loop().create_future()
        self._waiters.append(fut)
        try:
            await asyncio.wait_for(fut, max(timeout, 0))
        except TimeoutError:
            pass
        finally:
            if fut in self._waiters:
                self._waiters.remove(fut)

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
        decoded = _decode_params(params)
        try:
            if token != self.token:
                raise ApiError(401, "Unauthorized")
            name = method.lower()
            handler = getattr(self, f"_m_{name}", None)
            if handler is None:
                raise ApiError(404, "Not Found: method not found")
            self._check_faults(name, decoded)
            self._check_blocked(name, decoded)
            if self.enforce_limits and name in _SEND_METHODS:
                self._check_flood(decoded.get("chat_id"))
            if name == "getupdates":
                result = await self._get_updates(decoded)
            else:
                result = handler(decoded, files)
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
        self.stats["calls"] += 1
        for listener in list(self.listeners):
            try:
                listener(call)
            except Exception:
                _LOGGER.exception("sandbox listener failed")
        self._notify()
        return status, copy.deepcopy(body)

    # ---------------------------------------------------------- fault handling
    def add_fault(
        self,
        method: str,
        kind: str,
        *,
        chat_id: int | None = None,
        times: int = 1,
        retry_after: int = 1,
        migrate_to_chat_id: int | None = None,
    ) -> None:
        """Make the next `times` calls of `method` ("*" = any method) fail with `kind`."""
        if kind not in _FAULTS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {sorted(_FAULTS)}")
        self._faults.append(
            _Fault(method.lower(), kind, chat_id, times, retry_after, migrate_to_chat_id)
        )

    def _check_faults(self, name: str, params: dict) -> None:
        for fault in self._faults:
            if fault.method not in (name, "*"):
                continue
            if fault.chat_id is not None and params.get("chat_id") != fault.chat_id:
                continue
            fault.remaining -= 1
            if fault.remaining <= 0:
                self._faults.remove(fault)
            self.stats["faults_injected"] += 1
            code, text = _FAULTS[fault.kind]
            parameters = None
            if fault.kind == "retry_after":
                parameters = {"retry_after": fault.retry_after}
            elif fault.kind == "migrate":
                target = fault.migrate_to_chat_id
                if target is None:
                    chat = params.get("chat_id")
                    target = int(f"-100{abs(chat)}") if isinstance(chat, int) else -1001234567890
                parameters = {"migrate_to_chat_id": target}
            raise ApiError(code, text.format(retry_after=fault.retry_after), parameters)

    def block_bot(self, user_id: int, blocked: bool = True) -> None:
        """The user blocks (or unblocks) the bot: sends to their private chat fail with 403."""
        if blocked:
            self._blocked.add(user_id)
        else:
            self._blocked.discard(user_id)

    def _check_blocked(self, name: str, params: dict) -> None:
        chat_id = params.get("chat_id")
        if chat_id in self._blocked and name.startswith(_BLOCKABLE_PREFIXES):
            raise ApiError(403, "Forbidden: bot was blocked by the user")

    def _check_flood(self, chat_id: Any) -> None:
        now = self.clock()
        recent = self._recent_all
        while recent and now - recent[0] >= 1.0:
            recent.popleft()
        if len(recent) >= 30:
            self._flood(chat_id, max(1, math.ceil(1.0 - (now - recent[0]))))
        if isinstance(chat_id, int) and chat_id < 0:
            window = self._recent_group.setdefault(chat_id, deque())
            while window and now - window[0] >= 60.0:
                window.popleft()
            if len(window) >= 20:
                self._flood(chat_id, max(1, math.ceil(60.0 - (now - window[0]))))
            window.append(now)
        elif isinstance(chat_id, int):
            # token bucket: bursts of 3, then one message per second
            tokens, last = self._private_bucket.get(chat_id, (3.0, now))
            tokens = min(3.0, tokens + (now - last))
            if tokens < 1.0:
                self._private_bucket[chat_id] = (tokens, now)
                self._flood(chat_id, max(1, math.ceil(1.0 - tokens)))
            self._private_bucket[chat_id] = (tokens - 1.0, now)
        recent.append(now)

    def _flood(self, chat_id: Any, retry_after: int) -> None:
        self.stats["flood_429"] += 1
        if isinstance(chat_id, int):
            self.flood_by_chat[chat_id] = self.flood_by_chat.get(chat_id, 0) + 1
        raise ApiError(
            429,
            f"Too Many Requests: retry after {retry_after}",
            {"retry_after": retry_after},
        )

    # -------------------------------------------------------- users and chats
    def make_user(
        self,
        user_id: int,
        first_name: str = "Resident",
        *,
        language_code: str | None = "en",
        username: str | None = None,
        last_name: str | None = None,
    ) -> dict:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name:
            user["last_name"] = last_name
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        self._users[user_id] = user
        return dict(user)

    def make_group(
        self,
        chat_id: int,
        title: str = "Building group",
        *,
        supergroup: bool = True,
        username: str | None = None,
        bot_is_admin: bool = True,
    ) -> dict:
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        chat: dict[str, Any] = {
            "id": chat_id,
            "type": "supergroup" if supergroup else "group",
            "title": title,
        }
        if username:
            chat["username"] = username
        self._groups[chat_id] = _Group(chat=chat, bot_is_admin=bot_is_admin)
        self._chats[chat_id] = chat
        return dict(chat)

    def set_chat_admins(self, chat_id: int, user_ids: list[int]) -> None:
        group = self._group_or_raise(chat_id)
        group.admins = set(user_ids)
        group.members |= set(user_ids)

    def _group_or_raise(self, chat_id: int) -> _Group:
        if chat_id not in self._groups:
            raise ValueError(f"unknown group {chat_id}; call make_group first")
        return self._groups[chat_id]

    def _private_chat(self, user: dict) -> dict:
        chat: dict[str, Any] = {"id": user["id"], "type": "private"}
        for key in ("first_name", "last_name", "username"):
            if user.get(key):
                chat[key] = user[key]
        return chat

    def _register_user(self, user: dict, *, reachable: bool = True) -> dict:
        """Remember the user (as given) and, if reachable, open their private chat."""
        self._users[user["id"]] = dict(user)
        if reachable:
            self._chats[user["id"]] = self._private_chat(user)
        return self._chats.get(user["id"], self._private_chat(user))

    # ------------------------------------------------------------ user actions
    def inject_update(self, update: dict) -> int:
        """Queue a raw update for getUpdates; assigns update_id if missing."""
        update = dict(update)
        if "update_id" not in update:
            update["update_id"] = self._next_update_id
        self._next_update_id = max(self._next_update_id, update["update_id"] + 1)
        # junk updates are delivered as they are, whatever they contain
        with contextlib.suppress(KeyError, TypeError, ValueError, AttributeError):
            self._observe(update)
        self._updates.append(update)
        self._notify()
        return update["update_id"]

    def _observe(self, update: dict) -> None:
        """Learn from a (possibly raw) update what Telegram would know: users, chats, ids."""
        for key in ("message", "edited_message"):
            message = update.get(key)
            if not isinstance(message, dict) or not isinstance(message.get("chat"), dict):
                continue
            chat = message["chat"]
            chat_id = int(chat["id"])
            sender = message.get("from")
            if isinstance(sender, dict) and isinstance(sender.get("id"), int):
                self._users.setdefault(sender["id"], dict(sender))
            if chat.get("type") in ("group", "supergroup") and chat_id not in self._groups:
                self._groups[chat_id] = _Group(chat=dict(chat))
            if chat_id in self._groups:
                self._groups[chat_id].bot_left = False
                if isinstance(sender, dict) and isinstance(sender.get("id"), int):
                    self._groups[chat_id].members.add(sender["id"])
            self._chats.setdefault(chat_id, dict(chat))
            message_id = message.get("message_id")
            if isinstance(message_id, int):
                stored = self._messages.setdefault(chat_id, {})
                if key == "edited_message" or message_id not in stored:
                    stored[message_id] = copy.deepcopy(message)
                self._next_message_id[chat_id] = max(
                    self._next_message_id.get(chat_id, 0), message_id
                )
        query = update.get("callback_query")
        if isinstance(query, dict):
            sender = query.get("from")
            if isinstance(sender, dict) and isinstance(sender.get("id"), int):
                self._users.setdefault(sender["id"], dict(sender))
                self._chats.setdefault(sender["id"], self._private_chat(sender))
            message = query.get("message")
            if (
                isinstance(message, dict)
                and isinstance(message.get("chat"), dict)
                and isinstance(message.get("message_id"), int)
                and message.get("date")  # date 0 = inaccessible message
            ):
                # buttons only exist on the bot's own messages: remember it as one
                chat_id = int(message["chat"]["id"])
                self._chats.setdefault(chat_id, dict(message["chat"]))
                stored = self._messages.setdefault(chat_id, {})
                if message["message_id"] not in stored:
                    stored[message["message_id"]] = {
                        **copy.deepcopy(message),
                        "from": dict(self.bot_user),
                    }
                    self._next_message_id[chat_id] = max(
                        self._next_message_id.get(chat_id, 0), message["message_id"]
                    )
            if query.get("id") is not None:
                entry = self._callbacks.setdefault(str(query["id"]), [0, None])
                entry[0] += 1
        request = update.get("chat_join_request")
        if isinstance(request, dict) and isinstance(request.get("from"), dict):
            sender = request["from"]
            self._users.setdefault(sender["id"], dict(sender))
            self._chats.setdefault(sender["id"], self._private_chat(sender))
            group = self._groups.get(request.get("chat", {}).get("id"))
            if group is not None:
                group.join_requests.add(sender["id"])
        answer = update.get("poll_answer")
        if isinstance(answer, dict) and isinstance(answer.get("user"), dict):
            self._users.setdefault(answer["user"]["id"], dict(answer["user"]))

    def _store_message(self, chat: dict, sender: dict, **fields: Any) -> dict:
        chat_id = chat["id"]
        message_id = self._next_message_id.get(chat_id, 0) + 1
        self._next_message_id[chat_id] = message_id
        message = {
            "message_id": message_id,
            "from": dict(sender),
            "chat": dict(chat),
            "date": int(time.time()),
            **fields,
        }
        self._messages.setdefault(chat_id, {})[message_id] = message
        return message

    def send_message(
        self,
        user: dict,
        text: str | None = None,
        *,
        chat: dict | None = None,
        reply_to: dict | None = None,
        **extra: Any,
    ) -> dict:
        """A user writes `text` (in their private chat, or in `chat`); queues a message update."""
        private = self._register_user(user)
        if chat is None:
            chat = private
        else:
            group = self._groups.get(chat["id"])
            if group is not None:
                group.members.add(user["id"])
                chat = group.chat
        fields: dict[str, Any] = {}
        if text is not None:
            fields["text"] = text
            if text.startswith("/"):
                command = text.split(maxsplit=1)[0]
                fields["entities"] = [
                    {"type": "bot_command", "offset": 0, "length": utf16_len(command)}
                ]
        if reply_to is not None:
            fields["reply_to_message"] = {
                k: v for k, v in reply_to.items() if k != "reply_to_message"
            }
        fields.update(extra)
        message = self._store_message(chat, user, **fields)
        self.inject_update({"message": copy.deepcopy(message)})
        return copy.deepcopy(message)

    def edit_message(self, user: dict, message: dict, new_text: str) -> dict:
        """The user edits one of their messages; queues an edited_message update."""
        chat_id = message["chat"]["id"]
        stored = self._messages.get(chat_id, {}).get(message["message_id"], message)
        edited = {**stored, "text": new_text, "edit_date": int(time.time())}
        edited.pop("entities", None)
        if new_text.startswith("/"):
            command = new_text.split(maxsplit=1)[0]
            edited["entities"] = [
                {"type": "bot_command", "offset": 0, "length": utf16_len(command)}
            ]
        self._messages.setdefault(chat_id, {})[edited["message_id"]] = edited
        self.inject_update({"edited_message": copy.deepcopy(edited)})
        return copy.deepcopy(edited)

    def press_button(
        self,
        user: dict,
        message: dict | int,
        data: str,
        *,
        chat_id: int | None = None,
    ) -> dict:
        """The user presses an inline button with callback `data`; queues a callback_query."""
        private = self._register_user(user)
        if isinstance(message, dict):
            message_id = message["message_id"]
            chat_id = message["chat"]["id"] if chat_id is None else chat_id
        else:
            message_id = message
        if chat_id is None:
            chat_id = user["id"]
        stored = self._messages.get(chat_id, {}).get(message_id)
        if stored is not None:
            msg = copy.deepcopy(stored)
        else:
            chat = self._chats.get(chat_id, private if chat_id == user["id"] else None)
            if chat is None:
                chat = {"id": chat_id, "type": "supergroup", "title": "Unknown"}
            msg = {"chat": chat, "message_id": message_id, "date": 0}  # inaccessible message
        query_id = f"{next(self._callback_counter)}{user['id'] % 100000:05d}"
        update = {
            "callback_query": {
                "id": query_id,
                "from": dict(user),
                "chat_instance": str(-abs(chat_id) * 7 - 3),
                "data": data,
                "message": msg,
            }
        }
        update["update_id"] = self.inject_update(update)
        return update

    def answer_poll(self, user: dict, poll_id: str, option_ids: list[int]) -> dict:
        """The user votes in a (non-anonymous) poll; queues a poll_answer update."""
        self._register_user(user, reachable=user["id"] in self._chats)
        where = self._polls.get(poll_id)
        if where is not None:
            message = self._messages.get(where[0], {}).get(where[1])
            if message is not None:
                poll = message["poll"]
                if poll["is_closed"]:
                    raise ValueError(f"poll {poll_id} is closed")
                votes = self._poll_votes.setdefault(poll_id, {})
                if option_ids:
                    votes[user["id"]] = list(option_ids)
                else:
                    votes.pop(user["id"], None)
                for index, option in enumerate(poll["options"]):
                    option["voter_count"] = sum(index in v for v in votes.values())
                poll["total_voter_count"] = len(votes)
        update = {
            "poll_answer": {
                "poll_id": poll_id,
                "user": dict(user),
                "option_ids": list(option_ids),
                "option_persistent_ids": [str(i) for i in option_ids],
            }
        }
        update["update_id"] = self.inject_update(update)
        return update

    def request_join(self, user: dict, chat: dict) -> dict:
        """The user asks to join a group (join-request link); queues chat_join_request."""
        self._register_user(user)  # bots may message join requesters
        group = self._groups.get(chat["id"])
        if group is not None:
            group.join_requests.add(user["id"])
            chat = group.chat
        update = {
            "chat_join_request": {
                "chat": dict(chat),
                "from": dict(user),
                "user_chat_id": user["id"],
                "date": int(time.time()),
            }
        }
        update["update_id"] = self.inject_update(update)
        return update

    # ----------------------------------------------------------- observation
    def bot_messages(self, chat_id: int) -> list[dict]:
        bot_id = self.bot_user["id"]
        return [
            copy.deepcopy(m)
            for m in self._messages.get(chat_id, {}).values()
            if m.get("from", {}).get("id") == bot_id
        ]

    def last_bot_message(self, chat_id: int) -> dict | None:
        messages = self.bot_messages(chat_id)
        return messages[-1] if messages else None

    def files(self) -> dict[str, tuple[str, bytes]]:
        return {fid: (f["file_name"], f["content"]) for fid, f in self._files.items()}

    def file_by_path(self, file_path: str) -> tuple[str, bytes] | None:
        for f in self._files.values():
            if f["file_path"] == file_path:
                return f["file_name"], f["content"]
        return None

    def pending_updates(self) -> list[dict]:
        return copy.deepcopy(self._updates)

    async def wait_for_call(
        self,
        predicate: Callable[[ApiCall], bool],
        *,
        start: int = 0,
        timeout: float = 10.0,
    ) -> ApiCall:
        """Return the first recorded call with index >= start that matches `predicate`."""
        deadline = self.clock() + timeout
        index = start
        while True:
            while index < len(self.calls):
                call = self.calls[index]
                index += 1
                if predicate(call):
                    return call
            remaining = deadline - self.clock()
            if remaining <= 0:
                recent = "\n  ".join(
                    f"#{i} {c.summary()}"
                    for i, c in list(enumerate(self.calls))[max(start, len(self.calls) - 15) :]
                )
                raise TimeoutError(
                    f"no matching Bot API call within {timeout}s "
                    f"(looked at calls #{start}..#{len(self.calls) - 1}); recent calls:\n  "
                    + (recent or "(none)")
                )
            await self._wait_change(remaining)

    async def wait_until(self, condition: Callable[[], bool], *, timeout: float = 10.0) -> bool:
        """Wait until `condition()` holds (checked on every sandbox change); False on timeout."""
        deadline = self.clock() + timeout
        while not condition():
            remaining = deadline - self.clock()
            if remaining <= 0:
                return False
            await self._wait_change(min(remaining, 0.25))
        return True

    async def wait_for_message(
        self, chat_id: int, *, start: int = 0, timeout: float = 10.0
    ) -> dict:
        """Next successful send/edit by the bot to `chat_id`; returns the resulting message."""
        methods = {
            "sendmessage",
            "senddocument",
            "sendphoto",
            "sendpoll",
            "editmessagetext",
            "editmessagecaption",
        }

        def matches(call: ApiCall) -> bool:
            result = call.result
            return (
                call.ok
                and call.method.lower() in methods
                and isinstance(result, dict)
                and result.get("chat", {}).get("id") == chat_id
            )

        try:
            call = await self.wait_for_call(matches, start=start, timeout=timeout)
        except TimeoutError as exc:
            raise TimeoutError(f"bot sent nothing to chat {chat_id}: {exc}") from None
        return call.result

    # ---------------------------------------------------------- chat helpers
    def _chat_for_send(self, params: dict) -> dict:
        if "chat_id" not in params or params["chat_id"] in ("", None):
            raise _bad("chat_id is empty")
        chat_id = params["chat_id"]
        if isinstance(chat_id, str):
            for chat in self._chats.values():
                if chat.get("username") and "@" + chat["username"] == chat_id:
                    chat_id = chat["id"]
                    break
            else:
                raise _bad("chat not found")
        if chat_id in self._groups:
            group = self._groups[chat_id]
            if group.bot_left:
                kind = "supergroup" if group.chat["type"] == "supergroup" else "group"
                raise ApiError(403, f"Forbidden: bot is not a member of the {kind} chat")
            return group.chat
        if chat_id in self._chats:
            return self._chats[chat_id]
        if chat_id in self._users:
            raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        raise _bad("chat not found")

    def _bot_message(self, params: dict, *, action: str = "edit") -> dict:
        if params.get("inline_message_id"):
            raise _bad("MESSAGE_ID_INVALID")
        chat = self._chat_for_send(params)
        if params.get("message_id") is None:
            raise _bad("message identifier is not specified")
        message_id = _as_int(params.get("message_id"), "message identifier")
        message = self._messages.get(chat["id"], {}).get(message_id)
        if message is None:
            raise _bad(f"message to {action} not found")
        if message.get("from", {}).get("id") != self.bot_user["id"]:
            raise _bad(f"message can't be {action}ed")
        return message

    def _group_for_admin(self, params: dict) -> _Group:
        chat = self._chat_for_send(params)
        group = self._groups.get(chat["id"])
        if group is None:
            raise _bad("method is available for supergroup and channel chats only")
        if not group.bot_is_admin and self.bot_user["id"] not in group.admins:
            raise _bad("not enough rights to restrict/unrestrict chat member")
        return group

    # ------------------------------------------------------- text formatting
    def _format(
        self, text: Any, parse_mode: Any, entities: Any, *, limit: int, kind: str
    ) -> tuple[str, list[dict]]:
        if not isinstance(text, str):
            text = "" if text is None else str(text)
        mode = (parse_mode or "").lower() if isinstance(parse_mode, str) else ""
        try:
            if mode == "html":
                plain, ents = parse_html(text)
            elif mode == "markdownv2":
                plain, ents = parse_markdown_v2(text)
            elif mode in ("", "markdown"):
                plain = text
                ents = list(entities) if isinstance(entities, list) else []
            else:
                raise _bad(f"unsupported parse_mode {parse_mode}")
        except ParseError as exc:
            raise _bad(f"can't parse entities: {exc}") from None
        plain, ents = strip_text(plain, ents)
        if kind == "text" and not plain:
            raise _bad("message text is empty")
        if len(plain) > limit:
            raise _bad("message is too long" if kind == "text" else "message caption is too long")
        return plain, ents

    def _check_markup(self, markup: Any) -> dict | None:
        """Validate reply_markup; return what Telegram stores on the message (inline only)."""
        if markup is None or markup == "":
            return None
        if not isinstance(markup, dict):
            raise _bad("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise _bad('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array')
            for row in rows:
                for button in row:
                    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                        raise _bad("can't parse inline keyboard button: Text is not specified")
                    if not button["text"]:
                        raise _bad("BUTTON_TEXT_INVALID")
                    if "callback_data" in button:
                        data = button["callback_data"]
                        if not isinstance(data, str) or not 1 <= len(data.encode()) <= 64:
                            raise _bad("BUTTON_DATA_INVALID")
                    elif "url" in button:
                        if not _URL_RE.match(str(button["url"])):
                            raise _bad(
                                f"inline keyboard button URL '{button['url']}' is invalid: "
                                "Wrong HTTP URL"
                            )
                    elif not any(
                        k in button
                        for k in (
                            "web_app",
                            "login_url",
                            "switch_inline_query",
                            "switch_inline_query_current_chat",
                            "switch_inline_query_chosen_chat",
                            "copy_text",
                            "callback_game",
                            "pay",
                        )
                    ):
                        raise _bad(
                            "can't parse inline keyboard button: Text buttons are unallowed "
                            "in the inline keyboard"
                        )
            return {"inline_keyboard": copy.deepcopy(rows)}
        if "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise _bad('field "keyboard" of the ReplyKeyboardMarkup must be an Array')
            return None
        if "remove_keyboard" in markup or "force_reply" in markup:
            return None
        raise _bad("can't parse reply keyboard markup JSON object")

    def _reply_fields(self, chat: dict, params: dict) -> dict:
        reply = params.get("reply_parameters")
        target = None
        allow_missing = False
        if isinstance(reply, dict):
            target = reply.get("message_id")
            allow_missing = bool(reply.get("allow_sending_without_reply"))
        elif params.get("reply_to_message_id") is not None:
            target = params["reply_to_message_id"]
            allow_missing = _truthy(params.get("allow_sending_without_reply"))
        if target is None:
            return {}
        original = self._messages.get(chat["id"], {}).get(_as_int(target, "message identifier"))
        if original is None:
            if allow_missing:
                return {}
            raise _bad("message to be replied not found")
        return {"reply_to_message": {k: v for k, v in original.items() if k != "reply_to_message"}}

    def _send(self, chat: dict, params: dict, **fields: Any) -> dict:
        markup = self._check_markup(params.get("reply_markup"))
        fields.update(self._reply_fields(chat, params))
        if markup is not None:
            fields["reply_markup"] = markup
        return self._store_message(chat, self.bot_user, **fields)

    # ------------------------------------------------------------- files
    def _store_file(self, kind: str, filename: str, content: bytes) -> dict:
        n = next(self._file_counter)
        prefix = {"document": "BQACAgSandbox", "photo": "AgACAgSandbox"}[kind]
        ext = "." + filename.rsplit(".", 1)[1] if "." in filename else ""
        record = {
            "file_id": f"{prefix}{n:08d}",
            "file_unique_id": f"AQAD{n:08d}",
            "file_name": filename,
            "mime_type": mimetypes.guess_type(filename)[0] or "application/octet-stream",
            "file_size": len(content),
            "file_path": f"{kind}s/file_{n}{ext}",
            "content": content,
            "kind": kind,
        }
        self._files[record["file_id"]] = record
        return record

    def _input_file(self, kind: str, params: dict, files: dict) -> dict:
        value = params.get(kind)
        upload = None
        if kind in files:
            upload = files[kind]
        elif isinstance(value, str) and value.startswith("attach://"):
            upload = files.get(value[len("attach://") :])
            if upload is None:
                raise _bad(f"wrong file identifier/HTTP URL specified ({value} is missing)")
        if upload is not None:
            filename, content = upload
            if not content:
                raise _bad("file must be non-empty")
            return self._store_file(kind, filename or kind, bytes(content))
        if not value:
            raise _bad(f"there is no {kind} in the request")
        if isinstance(value, str) and value in self._files:
            return self._files[value]
        if isinstance(value, str) and re.match(r"^https?://", value):
            name = value.rstrip("/").rsplit("/", 1)[-1] or kind
            return self._store_file(kind, name, b"")
        raise _bad("wrong file identifier/HTTP URL specified")

    # ================================================================ methods
    # Each _m_<lowercase method name>(params, files) returns the "result" or raises ApiError.
    def _m_getme(self, params: dict, files: dict) -> dict:
        return dict(self.bot_user)

    def _m_logout(self, params: dict, files: dict) -> bool:
        return True

    def _m_close(self, params: dict, files: dict) -> bool:
        return True

    def _m_setwebhook(self, params: dict, files: dict) -> bool:
        self._webhook_url = str(params.get("url") or "")
        return True

    def _m_deletewebhook(self, params: dict, files: dict) -> bool:
        self._webhook_url = ""
        if _truthy(params.get("drop_pending_updates")):
            self._updates.clear()
        return True

    def _m_getwebhookinfo(self, params: dict, files: dict) -> dict:
        return {
            "url": self._webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    def _m_getupdates(self, params: dict, files: dict) -> list:  # dispatched specially
        raise AssertionError("getUpdates is asynchronous")

    async def _get_updates(self, params: dict) -> list[dict]:
        if self._webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        self.polls_started += 1
        self._notify()
        offset = params.get("offset")
        if isinstance(offset, int) and offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif isinstance(offset, int) and offset < 0:
            self._updates = self._updates[offset:]
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = frozenset(allowed) if allowed else _DEFAULT_ALLOWED
        limit = params.get("limit", 100)
        limit = min(max(limit if isinstance(limit, int) else 100, 1), 100)
        timeout = params.get("timeout", 0)
        timeout = max(float(timeout), 0.0) if isinstance(timeout, int | float) else 0.0
        deadline = self.clock() + timeout
        while True:
            self._updates = [u for u in self._updates if any(k in self._allowed_updates for k in u)]
            if self._updates:
                break
            remaining = deadline - self.clock()
            if remaining <= 0:
                break
            await self._wait_change(remaining)
        batch = copy.deepcopy(self._updates[:limit])
        now = self.clock()
        for update in batch:
            query = update.get("callback_query")
            entry = self._callbacks.get(str(query.get("id"))) if isinstance(query, dict) else None
            if entry is not None and entry[1] is None:
                entry[1] = now  # Telegram's answer window starts when the bot gets the query
        if batch:
            self.max_delivered_update_id = max(self.max_delivered_update_id, batch[-1]["update_id"])
        return batch

    def _m_sendmessage(self, params: dict, files: dict) -> dict:
        chat = self._chat_for_send(params)
        if params.get("text") in (None, ""):
            raise _bad("message text is empty")
        text, entities = self._format_text(params)
        fields: dict[str, Any] = {"text": text}
        if entities:
            fields["entities"] = entities
        if isinstance(params.get("link_preview_options"), dict):
            fields["link_preview_options"] = params["link_preview_options"]
        return self._send(chat, params, **fields)

    def _format_text(self, params: dict) -> tuple[str, list]:
        """A message text as Telegram shows it, with its entities, checked like Telegram."""
        return self._format(
            params["text"],
            params.get("parse_mode"),
            params.get("entities"),
            limit=MAX_TEXT,
            kind="text",
        )

    def _caption_fields(self, params: dict) -> dict:
        if params.get("caption") in (None, ""):
            return {}
        caption, entities = self._format(
            params["caption"],
            params.get("parse_mode"),
            params.get("caption_entities"),
            limit=MAX_CAPTION,
            kind="caption",
        )
        fields: dict[str, Any] = {}
        if caption:
            fields["caption"] = caption
        if entities:
            fields["caption_entities"] = entities
        return fields

    def _m_senddocument(self, params: dict, files: dict) -> dict:
        chat = self._chat_for_send(params)
        record = self._input_file("document", params, files)
        fields = self._caption_fields(params)
        document = {
            k: record[k]
            for k in ("file_id", "file_unique_id", "file_name", "mime_type", "file_size")
        }
        return self._send(chat, params, document=document, **fields)

    def _m_sendphoto(self, params: dict, files: dict) -> dict:
        chat = self._chat_for_send(params)
        record = self._input_file("photo", params, files)
        fields = self._caption_fields(params)
        width, height = _image_size(record["content"])
        photo = [
            {
                "file_id": record["file_id"],
                "file_unique_id": record["file_unique_id"],
                "file_size": record["file_size"],
                "width": width,
                "height": height,
            }
        ]
        return self._send(chat, params, photo=photo, **fields)

    def _m_getfile(self, params: dict, files: dict) -> dict:
        record = self._files.get(str(params.get("file_id") or ""))
        if record is None:
            raise _bad("invalid file_id")
        return {k: record[k] for k in ("file_id", "file_unique_id", "file_size", "file_path")}

    def _m_sendpoll(self, params: dict, files: dict) -> dict:
        chat = self._chat_for_send(params)
        question = params.get("question")
        if not isinstance(question, str) or not question.strip():
            raise _bad("poll question must be non-empty")
        if len(question) > 300:
            raise _bad("poll question length must not exceed 300")
        options = params.get("options")
        if not isinstance(options, list):
            raise _bad("poll options must be an array")
        texts = []
        for option in options:
            text = option.get("text") if isinstance(option, dict) else option
            if not isinstance(text, str) or not text.strip():
                raise _bad("poll options must be non-empty")
            if len(text) > 100:
                raise _bad("poll options length must not exceed 100")
            texts.append(text)
        if len(texts) < 2:
            raise _bad("poll must have at least 2 option")
        if len(texts) > 12:
            raise _bad("poll can't have more than 12 options")
        poll_type = params.get("type") or "regular"
        if poll_type not in ("regular", "quiz"):
            raise _bad("wrong poll type specified")
        poll_id = f"5{next(self._poll_counter):018d}"
        poll = {
            "id": poll_id,
            "question": question,
            "options": [
                {"text": t, "voter_count": 0, "persistent_id": str(i)} for i, t in enumerate(texts)
            ],
            "total_voter_count": 0,
            "is_closed": _truthy(params.get("is_closed")),
            "is_anonymous": params.get("is_anonymous", True) is not False,
            "type": poll_type,
            "allows_multiple_answers": _truthy(params.get("allows_multiple_answers")),
            "allows_revoting": True,
            "members_only": False,
        }
        if poll_type == "quiz" and params.get("correct_option_id") is not None:
            poll["correct_option_id"] = _as_int(params["correct_option_id"], "correct option")
        message = self._send(chat, params, poll=poll)
        self._polls[poll_id] = (chat["id"], message["message_id"])
        return message

    def _m_stoppoll(self, params: dict, files: dict) -> dict:
        chat = self._chat_for_send(params)
        message_id = _as_int(params.get("message_id"), "message identifier")
        message = self._messages.get(chat["id"], {}).get(message_id)
        if message is None or "poll" not in message:
            raise _bad("message with poll to stop not found")
        if message["poll"]["is_closed"]:
            raise _bad("poll has already been closed")
        message["poll"]["is_closed"] = True
        if "reply_markup" in params:
            markup = self._check_markup(params.get("reply_markup"))
            if markup is None:
                message.pop("reply_markup", None)
            else:
                message["reply_markup"] = markup
        return message["poll"]

    def _m_editmessagetext(self, params: dict, files: dict) -> dict:
        message = self._bot_message(params)
        if params.get("text") in (None, ""):
            raise _bad("text must be non-empty")
        if "text" not in message:
            raise _bad("there is no text in the message to edit")
        text, entities = self._format_text(params)
        markup = self._check_markup(params.get("reply_markup"))
        if (
            text == message["text"]
            and entities == message.get("entities", [])
            and markup == message.get("reply_markup")
        ):
            raise _bad(NOT_MODIFIED[len("Bad Request: ") :])
        return self._replace(message, text=text, entities=entities, reply_markup=markup)

    def _m_editmessagecaption(self, params: dict, files: dict) -> dict:
        message = self._bot_message(params)
        if "document" not in message and "photo" not in message:
            raise _bad("there is no caption in the message to edit")
        fields = self._caption_fields(params)
        markup = self._check_markup(params.get("reply_markup"))
        if (
            fields.get("caption") == message.get("caption")
            and fields.get("caption_entities", []) == message.get("caption_entities", [])
            and markup == message.get("reply_markup")
        ):
            raise _bad(NOT_MODIFIED[len("Bad Request: ") :])
        return self._replace(
            message,
            caption=fields.get("caption"),
            caption_entities=fields.get("caption_entities"),
            reply_markup=markup,
        )

    def _m_editmessagereplymarkup(self, params: dict, files: dict) -> dict:
        message = self._bot_message(params)
        markup = self._check_markup(params.get("reply_markup"))
        if markup == message.get("reply_markup"):
            raise _bad(NOT_MODIFIED[len("Bad Request: ") :])
        return self._replace(message, reply_markup=markup)

    def _replace(self, message: dict, **changes: Any) -> dict:
        new = dict(message)
        for key, value in changes.items():
            if value in (None, []):
                new.pop(key, None)
            else:
                new[key] = value
        new["edit_date"] = int(time.time())
        self._messages[new["chat"]["id"]][new["message_id"]] = new
        return new

    def _m_deletemessage(self, params: dict, files: dict) -> bool:
        chat = self._chat_for_send(params)
        message_id = _as_int(params.get("message_id"), "message identifier")
        if self._messages.get(chat["id"], {}).pop(message_id, None) is None:
            raise _bad("message to delete not found")
        return True

    def _m_deletemessages(self, params: dict, files: dict) -> bool:
        chat = self._chat_for_send(params)
        ids = params.get("message_ids")
        if not isinstance(ids, list) or not ids:
            raise _bad("message identifiers are not specified")
        for message_id in ids:
            self._messages.get(chat["id"], {}).pop(message_id, None)
        return True

    def _m_answercallbackquery(self, params: dict, files: dict) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        entry = self._callbacks.get(query_id)
        if (
            entry is None
            or entry[0] <= 0
            or (entry[1] is not None and self.clock() - entry[1] > CALLBACK_ANSWER_WINDOW)
        ):
            raise _bad("query is too old and response timeout expired or query ID is invalid")
        entry[0] -= 1
        text = params.get("text")
        if isinstance(text, str) and len(text) > 200:
            raise _bad("MESSAGE_TOO_LONG")
        self.callback_answers[query_id] = {
            "text": text,
            "show_alert": _truthy(params.get("show_alert")),
            "url": params.get("url"),
        }
        return True

    def _m_sendchataction(self, params: dict, files: dict) -> bool:
        self._chat_for_send(params)
        if params.get("action") not in _CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        return True

    def _m_setmessagereaction(self, params: dict, files: dict) -> bool:
        chat = self._chat_for_send(params)
        message_id = _as_int(params.get("message_id"), "message identifier")
        if message_id not in self._messages.get(chat["id"], {}):
            raise _bad("MESSAGE_ID_INVALID")
        return True

    # --------------------------------------------------------- bot settings
    @staticmethod
    def _lang(params: dict) -> str:
        lang = params.get("language_code") or ""
        if lang and not _LANG_RE.match(lang):
            raise _bad("invalid language code specified")
        return lang

    def _scope_key(self, params: dict) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        if not isinstance(scope, dict) or "type" not in scope:
            raise _bad("can't parse BotCommandScope JSON object")
        return json.dumps(scope, sort_keys=True), self._lang(params)

    def _m_setmycommands(self, params: dict, files: dict) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _bad("can't parse commands JSON object")
        if len(commands) > 100:
            raise _bad("too many commands specified")
        clean = []
        for command in commands:
            if not isinstance(command, dict) or not _COMMAND_RE.match(
                str(command.get("command", ""))
            ):
                raise _bad("BOT_COMMAND_INVALID")
            description = command.get("description")
            if not isinstance(description, str) or not 1 <= len(description) <= 256:
                raise _bad("command description must be non-empty")
            clean.append({"command": command["command"], "description": description})
        key = self._scope_key(params)
        if clean:
            self._commands[key] = clean
        else:
            self._commands.pop(key, None)
        return True

    def _m_getmycommands(self, params: dict, files: dict) -> list:
        return copy.deepcopy(self._commands.get(self._scope_key(params), []))

    def _m_deletemycommands(self, params: dict, files: dict) -> bool:
        self._commands.pop(self._scope_key(params), None)
        return True

    def _set_text_setting(self, params: dict, field_name: str, limit: int) -> bool:
        value = params.get(field_name) or ""
        if len(value) > limit:
            raise _bad(f"{field_name.replace('_', ' ')} is too long")
        key = (field_name, self._lang(params))
        if value:
            self._descriptions[key] = value
        else:
            self._descriptions.pop(key, None)
        return True

    def _get_text_setting(self, params: dict, field_name: str) -> dict:
        return {field_name: self._descriptions.get((field_name, self._lang(params)), "")}

    def _m_setmydescription(self, params: dict, files: dict) -> bool:
        return self._set_text_setting(params, "description", 512)

    def _m_getmydescription(self, params: dict, files: dict) -> dict:
        return self._get_text_setting(params, "description")

    def _m_setmyshortdescription(self, params: dict, files: dict) -> bool:
        return self._set_text_setting(params, "short_description", 120)

    def _m_getmyshortdescription(self, params: dict, files: dict) -> dict:
        return self._get_text_setting(params, "short_description")

    def _m_setmyname(self, params: dict, files: dict) -> bool:
        return self._set_text_setting(params, "name", 64)

    def _m_getmyname(self, params: dict, files: dict) -> dict:
        result = self._get_text_setting(params, "name")
        return {"name": result["name"] or self.bot_user["first_name"]}

    def _m_setchatmenubutton(self, params: dict, files: dict) -> bool:
        button = params.get("menu_button") or {"type": "default"}
        if not isinstance(button, dict) or button.get("type") not in (
            "default",
            "commands",
            "web_app",
        ):
            raise _bad("can't parse menu button JSON object")
        chat_id = params.get("chat_id")
        if chat_id is not None:
            chat_id = self._chat_for_send(params)["id"]
        self.menu_buttons[chat_id] = button
        return True

    def _m_getchatmenubutton(self, params: dict, files: dict) -> dict:
        chat_id = params.get("chat_id")
        if chat_id is not None:
            chat_id = self._chat_for_send(params)["id"]
        return self.menu_buttons.get(chat_id) or self.menu_buttons.get(None) or {"type": "default"}

    # ------------------------------------------------------- chats / members
    def _m_getchat(self, params: dict, files: dict) -> dict:
        chat = self._chat_for_send(params)
        info = dict(chat)
        info.update(
            {
                "accent_color_id": 0,
                "max_reaction_count": 11,
                "accepted_gift_types": {
                    "unlimited_gifts": False,
                    "limited_gifts": False,
                    "unique_gifts": False,
                    "premium_subscription": False,
                    "gifts_from_channels": False,
                },
            }
        )
        return info

    def _user(self, user_id: int) -> dict:
        if user_id == self.bot_user["id"]:
            return {k: self.bot_user[k] for k in ("id", "is_bot", "first_name", "username")}
        user = self._users.get(user_id)
        if user is None:
            raise _bad("user not found")
        return dict(user)

    def _member(self, group: _Group | None, chat: dict, user_id: int) -> dict:
        user = self._user(user_id)
        if group is None:  # private chat
            if user_id not in (chat["id"], self.bot_user["id"]):
                raise _bad("user not found")
            return {"status": "member", "user": user}
        if user_id == self.bot_user["id"]:
            if group.bot_left:
                return {"status": "left", "user": user}
            if group.bot_is_admin or user_id in group.admins:
                return {"status": "administrator", "user": user, **_ADMIN_RIGHTS}
            return {"status": "member", "user": user}
        if user_id in group.banned:
            return {"status": "kicked", "user": user, "until_date": 0}
        if user_id in group.admins:
            return {"status": "administrator", "user": user, **_ADMIN_RIGHTS}
        if user_id in group.restricted:
            perms = group.restricted[user_id]
            member = {"status": "restricted", "user": user, "is_member": user_id in group.members}
            member.update({k: bool(perms.get(k, False)) for k in _PERMISSION_FIELDS})
            member["until_date"] = int(perms.get("until_date", 0) or 0)
            return member
        if user_id in group.members:
            return {"status": "member", "user": user}
        return {"status": "left", "user": user}

    def _m_getchatmember(self, params: dict, files: dict) -> dict:
        chat = self._chat_for_send(params)
        user_id = _as_int(params.get("user_id"), "user_id")
        return self._member(self._groups.get(chat["id"]), chat, user_id)

    def _m_getchatadministrators(self, params: dict, files: dict) -> list:
        chat = self._chat_for_send(params)
        group = self._groups.get(chat["id"])
        if group is None:
            raise _bad("there are no administrators in the private chat")
        ids = sorted(group.admins)
        if group.bot_is_admin and self.bot_user["id"] not in ids:
            ids.append(self.bot_user["id"])
        return [self._member(group, chat, uid) for uid in ids]

    def _m_approvechatjoinrequest(self, params: dict, files: dict) -> bool:
        group = self._group_for_admin(params)
        user_id = _as_int(params.get("user_id"), "user_id")
        if user_id not in group.join_requests:
            raise _bad("HIDE_REQUESTER_MISSING")
        group.join_requests.discard(user_id)
        group.members.add(user_id)
        return True

    def _m_declinechatjoinrequest(self, params: dict, files: dict) -> bool:
        group = self._group_for_admin(params)
        user_id = _as_int(params.get("user_id"), "user_id")
        if user_id not in group.join_requests:
            raise _bad("HIDE_REQUESTER_MISSING")
        group.join_requests.discard(user_id)
        return True

    def _target_member(self, params: dict) -> tuple[_Group, int]:
        group = self._group_for_admin(params)
        user_id = _as_int(params.get("user_id"), "user_id")
        if user_id == self.bot_user["id"]:
            raise _bad("can't restrict self")
        self._user(user_id)
        if user_id in group.admins:
            raise _bad("user is an administrator of the chat")
        return group, user_id

    def _m_restrictchatmember(self, params: dict, files: dict) -> bool:
        group, user_id = self._target_member(params)
        permissions = params.get("permissions")
        if not isinstance(permissions, dict):
            raise _bad("can't parse permissions JSON object")
        if all(permissions.get(k, False) for k in _PERMISSION_FIELDS[:14]):
            group.restricted.pop(user_id, None)
        else:
            group.restricted[user_id] = {**permissions, "until_date": params.get("until_date", 0)}
        return True

    def _m_banchatmember(self, params: dict, files: dict) -> bool:
        group, user_id = self._target_member(params)
        group.banned.add(user_id)
        group.members.discard(user_id)
        group.restricted.pop(user_id, None)
        return True

    def _m_unbanchatmember(self, params: dict, files: dict) -> bool:
        group, user_id = self._target_member(params)
        was_banned = user_id in group.banned
        group.banned.discard(user_id)
        if not was_banned and not _truthy(params.get("only_if_banned")):
            group.members.discard(user_id)  # "guarantees the user is not a member"
        return True

    def _m_leavechat(self, params: dict, files: dict) -> bool:
        chat = self._chat_for_send(params)
        group = self._groups.get(chat["id"])
        if group is None:
            raise _bad("chat member status can't be changed in private chats")
        group.bot_left = True
        return True


def _set_if_pending(fut: asyncio.Future) -> None:
    if not fut.done():
        fut.set_result(None)


def _image_size(content: bytes) -> tuple[int, int]:
    """Width/height of PNG or JPEG content; a plausible default otherwise."""
    if content[:8] == b"\x89PNG\r\n\x1a\n" and len(content) >= 24:
        return int.from_bytes(content[16:20], "big"), int.from_bytes(content[20:24], "big")
    if content[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(content):
            if content[i] != 0xFF:
                break
            marker = content[i + 1]
            length = int.from_bytes(content[i + 2 : i + 4], "big")
            if marker in (0xC0, 0xC1, 0xC2):
                h = int.from_bytes(content[i + 5 : i + 7], "big")
                w = int.from_bytes(content[i + 7 : i + 9], "big")
                return w, h
            i += 2 + length
    return 512, 512
