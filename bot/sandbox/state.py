"""The sandbox's world: users, chats, groups and their members, messages, files, polls.

Everything Telegram would remember between two requests lives in a :class:`World`. It knows
nothing of HTTP; the API methods (``methods/``) and the user driver (``driver``) change it.
"""

from __future__ import annotations

import copy
import itertools
import time
from dataclasses import dataclass, field
from typing import Any

from .protocol import ApiError, as_int, bad

__all__ = ["DEFAULT_ALLOWED_UPDATES", "Group", "World"]

# What getUpdates delivers when the bot names no allowed_updates (or an empty list).
DEFAULT_ALLOWED_UPDATES = frozenset(
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


@dataclass
class Group:
    """A group or supergroup: its Chat object and who is in it."""

    chat: dict
    admins: set[int] = field(default_factory=set)
    members: set[int] = field(default_factory=set)
    banned: set[int] = field(default_factory=set)
    restricted: dict[int, dict] = field(default_factory=dict)
    join_requests: set[int] = field(default_factory=set)
    bot_is_admin: bool = True
    bot_left: bool = False


class World:
    """All chat state of one sandbox. Created afresh by ``FakeBotApi.reset()``."""

    def __init__(self, bot_user: dict) -> None:
        self.bot_user = bot_user
        # updates waiting for getUpdates, and the long-polling bookkeeping
        self.updates: list[dict] = []
        self.next_update_id = 1
        self.allowed_updates: frozenset[str] = DEFAULT_ALLOWED_UPDATES
        self.webhook_url = ""
        self.webhook_secret = ""  # setWebhook's secret_token (Telegram never shows it back)
        self.polls_started = 0  # getUpdates calls begun
        self.max_delivered_update_id = 0
        self.users: dict[int, dict] = {}
        self.chats: dict[int, dict] = {}  # chats the bot may talk to
        self.groups: dict[int, Group] = {}
        self.blocked: set[int] = set()  # users who blocked the bot
        self.messages: dict[int, dict[int, dict]] = {}  # chat id -> message id -> Message
        self.next_message_id: dict[int, int] = {}  # chat id -> last message id used
        self.files: dict[str, dict] = {}
        self.file_counter = itertools.count(1)
        self.callback_counter = itertools.count(1)
        self.poll_counter = itertools.count(1)
        # callback query id -> [answers still allowed, first delivered at (None: not yet)]
        self.callbacks: dict[str, list] = {}
        self.callback_answers: dict[str, dict] = {}
        self.polls: dict[str, tuple[int, int]] = {}  # poll id -> (chat id, message id)
        self.poll_votes: dict[str, dict[int, list[int]]] = {}  # poll id -> user id -> options
        # bot settings
        self.commands: dict[tuple[str, str], list[dict]] = {}  # (scope json, language)
        self.descriptions: dict[tuple[str, str], str] = {}  # (field, language)
        self.menu_buttons: dict[int | None, dict] = {}

    # ------------------------------------------------------------- users, chats
    @staticmethod
    def private_chat(user: dict) -> dict:
        chat: dict[str, Any] = {"id": user["id"], "type": "private"}
        for key in ("first_name", "last_name", "username"):
            if user.get(key):
                chat[key] = user[key]
        return chat

    def register_user(self, user: dict, *, reachable: bool = True) -> dict:
        """Remember the user (as given) and, if reachable, open their private chat."""
        self.users[user["id"]] = dict(user)
        if reachable:
            self.chats[user["id"]] = self.private_chat(user)
        return self.chats.get(user["id"], self.private_chat(user))

    def group(self, chat_id: int) -> Group:
        """The group made by ``make_group`` (a ValueError for tests that forgot to)."""
        if chat_id not in self.groups:
            raise ValueError(f"unknown group {chat_id}; call make_group first")
        return self.groups[chat_id]

    # ---------------------------------------------------------------- messages
    def store_message(self, chat: dict, sender: dict, **fields: Any) -> dict:
        chat_id = chat["id"]
        message_id = self.next_message_id.get(chat_id, 0) + 1
        self.next_message_id[chat_id] = message_id
        message = {
            "message_id": message_id,
            "from": dict(sender),
            "chat": dict(chat),
            "date": int(time.time()),
            **fields,
        }
        self.messages.setdefault(chat_id, {})[message_id] = message
        return message

    def message(self, chat_id: int, message_id: int) -> dict | None:
        return self.messages.get(chat_id, {}).get(message_id)

    def bot_messages(self, chat_id: int) -> list[dict]:
        """The bot's messages in a chat, oldest first (the stored objects, not copies)."""
        bot_id = self.bot_user["id"]
        return [
            m
            for m in self.messages.get(chat_id, {}).values()
            if m.get("from", {}).get("id") == bot_id
        ]

    # ------------------------------------------------- lookups for API methods
    def chat_for_send(self, params: dict) -> dict:
        """The chat a method's ``chat_id`` names, checked like Telegram (400/403 errors)."""
        if "chat_id" not in params or params["chat_id"] in ("", None):
            raise bad("chat_id is empty")
        chat_id = params["chat_id"]
        if isinstance(chat_id, str):
            for chat in self.chats.values():
                if chat.get("username") and "@" + chat["username"] == chat_id:
                    chat_id = chat["id"]
                    break
            else:
                raise bad("chat not found")
        if chat_id in self.groups:
            group = self.groups[chat_id]
            if group.bot_left:
                kind = "supergroup" if group.chat["type"] == "supergroup" else "group"
                raise ApiError(403, f"Forbidden: bot is not a member of the {kind} chat")
            return group.chat
        if chat_id in self.chats:
            return self.chats[chat_id]
        if chat_id in self.users:
            raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        raise bad("chat not found")

    def bot_message(self, params: dict, *, action: str = "edit") -> dict:
        """The bot's own message named by ``chat_id`` + ``message_id`` (to edit, stop...)."""
        if params.get("inline_message_id"):
            raise bad("MESSAGE_ID_INVALID")
        chat = self.chat_for_send(params)
        if params.get("message_id") is None:
            raise bad("message identifier is not specified")
        message_id = as_int(params.get("message_id"), "message identifier")
        message = self.message(chat["id"], message_id)
        if message is None:
            raise bad(f"message to {action} not found")
        if message.get("from", {}).get("id") != self.bot_user["id"]:
            raise bad(f"message can't be {action}ed")
        return message

    def group_for_admin(self, params: dict) -> Group:
        """The group of ``chat_id``, if the bot may administer it."""
        chat = self.chat_for_send(params)
        group = self.groups.get(chat["id"])
        if group is None:
            raise bad("method is available for supergroup and channel chats only")
        if not group.bot_is_admin and self.bot_user["id"] not in group.admins:
            raise bad("not enough rights to restrict/unrestrict chat member")
        return group

    def user(self, user_id: int) -> dict:
        """A User object for an API answer (400 "user not found" if never seen)."""
        if user_id == self.bot_user["id"]:
            return {k: self.bot_user[k] for k in ("id", "is_bot", "first_name", "username")}
        user = self.users.get(user_id)
        if user is None:
            raise bad("user not found")
        return dict(user)

    # ----------------------------------------------------------- raw updates
    def observe(self, update: dict) -> None:
        """Learn from a (possibly raw) update what Telegram would know: users, chats, ids."""
        for key in ("message", "edited_message"):
            message = update.get(key)
            if isinstance(message, dict) and isinstance(message.get("chat"), dict):
                self._observe_message(key, message)
        query = update.get("callback_query")
        if isinstance(query, dict):
            self._observe_callback(query)
        request = update.get("chat_join_request")
        if isinstance(request, dict) and isinstance(request.get("from"), dict):
            sender = request["from"]
            self.users.setdefault(sender["id"], dict(sender))
            self.chats.setdefault(sender["id"], self.private_chat(sender))
            group = self.groups.get(request.get("chat", {}).get("id"))
            if group is not None:
                group.join_requests.add(sender["id"])
        answer = update.get("poll_answer")
        if isinstance(answer, dict) and isinstance(answer.get("user"), dict):
            self.users.setdefault(answer["user"]["id"], dict(answer["user"]))

    def _observe_message(self, key: str, message: dict) -> None:
        chat = message["chat"]
        chat_id = int(chat["id"])
        sender = message.get("from")
        if isinstance(sender, dict) and isinstance(sender.get("id"), int):
            self.users.setdefault(sender["id"], dict(sender))
        if chat.get("type") in ("group", "supergroup") and chat_id not in self.groups:
            self.groups[chat_id] = Group(chat=dict(chat))
        if chat_id in self.groups:
            self.groups[chat_id].bot_left = False
            if isinstance(sender, dict) and isinstance(sender.get("id"), int):
                self.groups[chat_id].members.add(sender["id"])
        self.chats.setdefault(chat_id, dict(chat))
        message_id = message.get("message_id")
        if isinstance(message_id, int):
            stored = self.messages.setdefault(chat_id, {})
            if key == "edited_message" or message_id not in stored:
                stored[message_id] = copy.deepcopy(message)
            self.next_message_id[chat_id] = max(self.next_message_id.get(chat_id, 0), message_id)

    def _observe_callback(self, query: dict) -> None:
        sender = query.get("from")
        if isinstance(sender, dict) and isinstance(sender.get("id"), int):
            self.users.setdefault(sender["id"], dict(sender))
            self.chats.setdefault(sender["id"], self.private_chat(sender))
        message = query.get("message")
        if (
            isinstance(message, dict)
            and isinstance(message.get("chat"), dict)
            and isinstance(message.get("message_id"), int)
            and message.get("date")  # date 0 = inaccessible message
        ):
            # buttons only exist on the bot's own messages: remember it as one
            chat_id = int(message["chat"]["id"])
            self.chats.setdefault(chat_id, dict(message["chat"]))
            stored = self.messages.setdefault(chat_id, {})
            if message["message_id"] not in stored:
                stored[message["message_id"]] = {
                    **copy.deepcopy(message),
                    "from": dict(self.bot_user),
                }
                self.next_message_id[chat_id] = max(
                    self.next_message_id.get(chat_id, 0), message["message_id"]
                )
        if query.get("id") is not None:
            entry = self.callbacks.setdefault(str(query["id"]), [0, None])
            entry[0] += 1
