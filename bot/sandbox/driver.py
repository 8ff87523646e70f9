"""The test driver: what tests, the benchmark and the demo call to act as users and to look.

:class:`UserDriver` makes users and groups and turns what people do (write, edit, press a
button, vote, ask to join) into queued updates; :class:`Inspector` shows what the bot sent
and waits for it. Both are mixed into ``FakeBotApi``.
"""

from __future__ import annotations

import contextlib
import copy
import time
from collections.abc import Callable
from typing import Any

from .formatting import utf16_len
from .methods.polls import record_vote
from .protocol import ApiCall, Changes
from .state import Group, World

__all__ = ["Inspector", "UserDriver"]


def _command_entities(text: str) -> list[dict]:
    command = text.split(maxsplit=1)[0]
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(command)}]


def _persistent_id(poll: dict | None, index: int) -> str:
    if poll is not None:
        return poll["options"][index]["persistent_id"]
    return str(index)


class UserDriver:
    """Acting as Telegram's users. Every action queues the update Telegram would send."""

    world: World
    changes: Changes

    # ------------------------------------------------------------ people, chats
    def make_user(
        self,
        user_id: int,
        first_name: str = "Resident",
        *,
        language_code: str | None = "en",
        username: str | None = None,
        last_name: str | None = None,
    ) -> dict:
        """A Telegram user (a User object); they open a chat with the bot when they act."""
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name:
            user["last_name"] = last_name
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        self.world.users[user_id] = user
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
        """A group the bot is in (an admin unless `bot_is_admin=False`); returns its Chat."""
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        chat: dict[str, Any] = {
            "id": chat_id,
            "type": "supergroup" if supergroup else "group",
            "title": title,
        }
        if username:
            chat["username"] = username
        self.world.groups[chat_id] = Group(chat=chat, bot_is_admin=bot_is_admin)
        self.world.chats[chat_id] = chat
        return dict(chat)

    def set_chat_admins(self, chat_id: int, user_ids: list[int]) -> None:
        group = self.world.group(chat_id)
        group.admins = set(user_ids)
        group.members |= set(user_ids)

    def block_bot(self, user_id: int, blocked: bool = True) -> None:
        """The user blocks (or unblocks) the bot: sends to their private chat fail with 403."""
        if blocked:
            self.world.blocked.add(user_id)
        else:
            self.world.blocked.discard(user_id)

    # ---------------------------------------------------------------- updates
    def inject_update(self, update: dict) -> int:
        """Queue a raw update for getUpdates; assigns update_id if missing."""
        world = self.world
        update = dict(update)
        if "update_id" not in update:
            update["update_id"] = world.next_update_id
        world.next_update_id = max(world.next_update_id, update["update_id"] + 1)
        # junk updates are delivered as they are, whatever they contain
        with contextlib.suppress(KeyError, TypeError, ValueError, AttributeError):
            world.observe(update)
        world.updates.append(update)
        self.changes.notify()
        return update["update_id"]

    @property
    def last_update_id(self) -> int:
        """The update_id of the latest queued update (0 before any)."""
        return self.world.next_update_id - 1

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
        private = self.world.register_user(user)
        if chat is None:
            chat = private
        else:
            group = self.world.groups.get(chat["id"])
            if group is not None:
                group.members.add(user["id"])
                chat = group.chat
        fields: dict[str, Any] = {}
        if text is not None:
            fields["text"] = text
            if text.startswith("/"):
                fields["entities"] = _command_entities(text)
        if reply_to is not None:
            fields["reply_to_message"] = {
                k: v for k, v in reply_to.items() if k != "reply_to_message"
            }
        fields.update(extra)
        message = self.world.store_message(chat, user, **fields)
        self.inject_update({"message": copy.deepcopy(message)})
        return copy.deepcopy(message)

    def edit_message(self, user: dict, message: dict, new_text: str) -> dict:
        """The user edits one of their messages; queues an edited_message update."""
        chat_id = message["chat"]["id"]
        stored = self.world.message(chat_id, message["message_id"]) or message
        edited = {**stored, "text": new_text, "edit_date": int(time.time())}
        edited.pop("entities", None)
        if new_text.startswith("/"):
            edited["entities"] = _command_entities(new_text)
        self.world.messages.setdefault(chat_id, {})[edited["message_id"]] = edited
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
        private = self.world.register_user(user)
        if isinstance(message, dict):
            message_id = message["message_id"]
            chat_id = message["chat"]["id"] if chat_id is None else chat_id
        else:
            message_id = message
        if chat_id is None:
            chat_id = user["id"]
        stored = self.world.message(chat_id, message_id)
        if stored is not None:
            msg = copy.deepcopy(stored)
        else:
            chat = self.world.chats.get(chat_id, private if chat_id == user["id"] else None)
            if chat is None:
                chat = {"id": chat_id, "type": "supergroup", "title": "Unknown"}
            msg = {"chat": chat, "message_id": message_id, "date": 0}  # inaccessible message
        query_id = f"{next(self.world.callback_counter)}{user['id'] % 100000:05d}"
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
        """The user votes (`option_ids`; [] retracts) in a poll the bot sent.

        Like Telegram: a non-anonymous poll gives a ``poll_answer`` update (returned), and
        the bot's own poll then a ``poll`` update with the new counts (returned for an
        anonymous poll, which gives no poll_answer). A vote the poll does not allow
        (closed, unknown option, several answers, changing a vote) raises ValueError.
        For a poll id the sandbox does not know, only the poll_answer is queued.
        """
        self.world.register_user(user, reachable=user["id"] in self.world.chats)
        poll = record_vote(self.world, poll_id, user["id"], list(option_ids))
        update: dict[str, Any] | None = None
        if poll is None or not poll["is_anonymous"]:
            update = {
                "poll_answer": {
                    "poll_id": poll_id,
                    "user": dict(user),
                    "option_ids": list(option_ids),
                    "option_persistent_ids": [_persistent_id(poll, i) for i in option_ids],
                }
            }
            update["update_id"] = self.inject_update(update)
        if poll is not None:
            state = {"poll": copy.deepcopy(poll)}
            state["update_id"] = self.inject_update(state)
            update = update or state
        return update

    def request_join(self, user: dict, chat: dict) -> dict:
        """The user asks to join a group (join-request link); queues chat_join_request."""
        self.world.register_user(user)  # bots may message join requesters
        group = self.world.groups.get(chat["id"])
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


# Methods whose result is the message the bot sent or edited.
_MESSAGE_METHODS = frozenset(
    {
        "sendmessage",
        "senddocument",
        "sendphoto",
        "sendpoll",
        "editmessagetext",
        "editmessagecaption",
    }
)


class Inspector:
    """Looking at what the bot did, and waiting for it."""

    world: World
    changes: Changes
    calls: list[ApiCall]
    clock: Callable[[], float]

    def bot_messages(self, chat_id: int) -> list[dict]:
        return [copy.deepcopy(m) for m in self.world.bot_messages(chat_id)]

    def last_bot_message(self, chat_id: int) -> dict | None:
        messages = self.bot_messages(chat_id)
        return messages[-1] if messages else None

    def files(self) -> dict[str, tuple[str, bytes]]:
        return {fid: (f["file_name"], f["content"]) for fid, f in self.world.files.items()}

    def file_by_path(self, file_path: str) -> tuple[str, bytes] | None:
        for f in self.world.files.values():
            if f["file_path"] == file_path:
                return f["file_name"], f["content"]
        return None

    def pending_updates(self) -> list[dict]:
        return copy.deepcopy(self.world.updates)

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
            await self.changes.wait(remaining)

    async def wait_until(self, condition: Callable[[], bool], *, timeout: float = 10.0) -> bool:
        """Wait until `condition()` holds (checked on every sandbox change); False on timeout."""
        deadline = self.clock() + timeout
        while not condition():
            remaining = deadline - self.clock()
            if remaining <= 0:
                return False
            await self.changes.wait(min(remaining, 0.25))
        return True

    async def wait_for_message(
        self, chat_id: int, *, start: int = 0, timeout: float = 10.0
    ) -> dict:
        """Next successful send/edit by the bot to `chat_id`; returns the resulting message."""

        def matches(call: ApiCall) -> bool:
            result = call.result
            return (
                call.ok
                and call.method.lower() in _MESSAGE_METHODS
                and isinstance(result, dict)
                and result.get("chat", {}).get("id") == chat_id
            )

        try:
            call = await self.wait_for_call(matches, start=start, timeout=timeout)
        except TimeoutError as exc:
            raise TimeoutError(f"bot sent nothing to chat {chat_id}: {exc}") from None
        return call.result
