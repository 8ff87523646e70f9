"""Test helpers shared by the handler and end-to-end tests."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import re
import time
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot import i18n
from bot.handlers.ratelimit import Timebase
from bot.i18n import _
from bot.sandbox.core import FakeBotApi

SENDING = {"sendmessage", "senddocument", "sendphoto", "sendpoll", "editmessagetext"}
ADMIN_ID = 1000
TAG = re.compile(r"<[^>]+>")


def tr(locale: str, msgid: str, **kwargs: object) -> str:
    """What the bot should say: ``msgid`` translated into ``locale`` and filled in."""
    with i18n.use_locale(locale):
        return _(msgid).format(**kwargs)


def trn(locale: str, singular: str, plural: str, n: int, **kwargs: object) -> str:
    """Like :func:`tr`, for a message with plural forms."""
    with i18n.use_locale(locale):
        return i18n.ngettext(singular, plural, n).format(count=n, **kwargs)


def plain(text: str) -> str:
    """Message text without HTML tags, as a person reads it."""
    return TAG.sub("", text or "").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


class Harness:
    """Drive the real Application in-process: users act on the sandbox, the bot answers."""

    def __init__(self, api: FakeBotApi, app: Application) -> None:
        self.api = api
        self.app = app
        # far above the sandbox's own update ids (button presses): every update is unique
        self._ids = itertools.count(1_000_000_000)

    async def process(self, update: dict) -> list[Any]:
        start = len(self.api.calls)
        update.setdefault("update_id", next(self._ids))
        await self.app.process_update(Update.de_json(update, self.app.bot))
        await self.drain()
        return self.api.calls[start:]

    async def drain(self) -> None:
        """Deliver what the update queued in the outbox (notices to others), as the
        running bot's sender would right away."""
        sender = self.app.bot_data["sender"]
        while await sender.run_once():
            pass

    async def send(self, user: dict, text: str | None = None, **kwargs: Any) -> list[dict]:
        """The user sends a message; returns the texts/documents the bot sent or edited."""
        message = self.api.send_message(user, text, **kwargs)
        calls = await self.process({"message": message})
        chat_id = message["chat"]["id"]
        return [m for m in self.outgoing(calls) if m["chat"]["id"] == chat_id]

    async def send_file(self, user: dict, filename: str, content: bytes) -> list[dict]:
        """The user sends a document (kept by the sandbox, so the bot can download it)."""
        from bot.sandbox.methods.media import store_file

        record = store_file(self.api.world, "document", filename, content)
        keys = ("file_id", "file_unique_id", "file_name", "mime_type", "file_size")
        return await self.send(user, None, document={k: record[k] for k in keys})

    async def press(self, user: dict, message: dict, data: str) -> tuple[list[dict], list[Any]]:
        """The user presses a button with callback ``data`` (a codec's ``pack()``, or raw data
        when a test forges it); returns (bot messages in that chat, callback answers)."""
        update = self.api.press_button(user, message, data)
        calls = await self.process(update)
        answers = [c for c in calls if c.method.lower() == "answercallbackquery"]
        chat_id = message["chat"]["id"]
        return [m for m in self.outgoing(calls) if m["chat"]["id"] == chat_id], answers

    async def press_label(
        self, user: dict, message: dict, label: str, *, contains: bool = False
    ) -> tuple[list[dict], list[Any]]:
        """The user presses the button of ``message`` that reads ``label`` (or, with
        ``contains``, whose text contains it), as a person would; see :func:`button_data`."""
        return await self.press(user, message, button_data(message, label, contains=contains))

    @staticmethod
    def outgoing(calls: list[Any]) -> list[dict]:
        return [
            c.response["result"]
            for c in calls
            if c.method.lower() in SENDING
            and c.status == 200
            and isinstance(c.response.get("result"), dict)
        ]

    def calls(self, method: str) -> list[Any]:
        return [c for c in self.api.calls if c.method.lower() == method.lower()]


def inline_buttons(message: dict) -> list[dict]:
    """Every inline button (an InlineKeyboardButton object) of a bot message, row by row."""
    markup = message.get("reply_markup") or {}
    return [b for row in markup.get("inline_keyboard", []) for b in row]


def buttons(message: dict) -> list[tuple[str, str]]:
    """(text, callback_data or url) of every inline button of a bot message."""
    return [(b["text"], b.get("callback_data") or b.get("url")) for b in inline_buttons(message)]


def button_data(message: dict, label: str, *, contains: bool = False) -> str:
    """The callback data of the one button of ``message`` whose text is ``label`` (or contains
    it, with ``contains``). Fails, naming the buttons there are, when none or several match, or
    when the button opens a link instead."""
    found = [
        b
        for b in inline_buttons(message)
        if (label in b["text"] if contains else b["text"] == label)
    ]
    shown = [b["text"] for b in inline_buttons(message)]
    how = "containing" if contains else "reading"
    if len(found) != 1:
        what = "no button" if not found else f"{len(found)} buttons"
        raise AssertionError(
            f"{what} {how} {label!r} in message {message.get('message_id')}: "
            f"its buttons are {shown}"
        )
    if "callback_data" not in found[0]:
        raise AssertionError(
            f"the button {found[0]['text']!r} opens {found[0].get('url')!r}: "
            "it has no callback data to press"
        )
    return found[0]["callback_data"]


def language_label(locale: str) -> str:
    """The welcome's and sign-up's "✅ Yes, continue in <language>" button, in ``locale``."""
    return tr(
        locale,
        "✅ Yes, continue in {language}",
        language=i18n.language_name(locale, in_sentence=True),
    )


async def sign_up(
    services, user: dict, building_id: int, unit: str = "4B", invite: str | None = None
) -> None:
    """Sign ``user`` up through the services (pending, unless ``invite`` is a valid invite
    code of an auto-approving building), skipping the buttons."""
    await services.users.remember(user["id"], user.get("username"))
    await services.signup.begin(
        user["id"], building_id, invite_code=invite, language_confirmed=True
    )
    await services.signup.consent(user["id"], agreed=True)
    await services.signup.set_name(user["id"], user["first_name"])
    await services.signup.set_unit(user["id"], unit)
    await services.signup.set_tenure(user["id"], "renter")
    await services.signup.finish(user["id"], "unknown")


class FastTime(Timebase):
    """A clock running ``speed`` times faster than the wall clock, for the rate limiter and
    the sandbox together (``api.clock = fast.now``): a minute of Telegram's limits passes in
    a few real seconds, and every wait is still a real asyncio wait."""

    def __init__(self, speed: float) -> None:
        self.speed = speed
        self.start = time.monotonic()

    def now(self) -> float:
        return self.start + (time.monotonic() - self.start) * self.speed

    async def wait(self, event: asyncio.Event, timeout: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout / self.speed)
