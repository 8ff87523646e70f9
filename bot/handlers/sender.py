"""The delivery engine's loop (the adapter between the outbox and Telegram): it claims a batch
of due rows (at most ``BATCH``), sends them concurrently, each through the rate limiter's bulk
lane (``handlers/ratelimit.py`` paces them at ``BOT_SEND_RATE``, per chat, and behind replies),
then settles the whole batch in one transaction with what Telegram answered (the rules are in
``services/delivery.py``), and only then claims the next. A crash therefore sends at most one
batch twice (``resume()`` requeues rows caught mid-send). A 429 holds every send in the
limiter for ``retry_after``; the row is requeued.

Started in ``app.post_init``; what the bot starts is queued in the outbox by the features
(announcements, reminders, polls) and woken with :meth:`Sender.wake`. After each batch the
``watchers`` hear which jobs moved and which finished (announcements edit the author's
progress message with it).

A row's payload is one of:

- ``{"text": str, "keyboard": dict | None}``: one message;
- ``{"parts": [{"text", "keyboard"}, ...], "attachment": {"kind": "photo" | "document",
  "file_id", "caption"} | None}``: the attachment, then each part, in order (every message
  id is kept; a retry resumes after the parts already sent);
- ``{"op": "edit", "edits": [{"message_id", "text", "keyboard"}, ...]}``: edits of messages
  already sent in the row's chat ("message is not modified" counts as done);
- ``{"poll": {"question", "options", "allows_multiple_answers"}, "poll_id": int}``: a native,
  non-anonymous Telegram poll; the copy's Telegram poll id is recorded at once
  (``services.polls.record_copy``) so that ``poll_answer`` updates map back to our poll;
- ``{"op": "stop_poll", "message_id": int}``: close a poll copy ("poll has already been
  closed" counts as done). Like edits, these go through the bulk lane, paced.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import math
import time
import warnings
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from datetime import timedelta
from typing import Any

from telegram import Bot, InlineKeyboardMarkup
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

from bot.handlers.ratelimit import BULK
from bot.services import Services
from bot.services.delivery import Attempt, SendError, SendErrorKind
from bot.storage.outbox import Delivery

log = logging.getLogger(__name__)

BATCH = 30  # rows claimed, sent concurrently, and settled together
# an at-most-once row's "its request leaves now" write, for the limiter to call (per task)
_BEFORE_SEND: ContextVar[Callable[[], Awaitable[None]] | None] = ContextVar(
    "before_send", default=None
)
# Sends in flight at once, at least: few, so the HTTP connection pool stays small and cheap to
# search; raised with the rate so that a round trip to Telegram never caps it.
IN_FLIGHT = 4
ROUND_TRIP = 0.15  # seconds, a generous round trip to Telegram's servers
MARKUPS_KEPT = 256  # distinct keyboards remembered as PTB objects
IDLE_WAIT = 1.0  # seconds between looks at an empty outbox (a wake() comes sooner)

# watcher(touched job ids, finished job ids), after each batch
Watcher = Callable[[set[int], set[int]], Awaitable[None]]


def send_error(exc: Exception) -> SendError:
    """What Telegram's exception means, for the rules (which know nothing of Telegram)."""
    if isinstance(exc, RetryAfter):
        with warnings.catch_warnings():  # PTB 22 warns that this becomes a timedelta
            warnings.simplefilter("ignore", PTBDeprecationWarning)
            wait = exc.retry_after
        seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
        return SendError(SendErrorKind.FLOOD, retry_after=seconds, detail=str(exc))
    if isinstance(exc, Forbidden):
        return SendError(SendErrorKind.BLOCKED, detail=exc.message)
    if isinstance(exc, ChatMigrated):
        return SendError(SendErrorKind.MIGRATED, migrate_to=exc.new_chat_id, detail=str(exc))
    if isinstance(exc, BadRequest):
        kind = (
            SendErrorKind.CHAT_NOT_FOUND
            if "chat not found" in exc.message.lower()
            else SendErrorKind.BAD_REQUEST
        )
        return SendError(kind, detail=exc.message)
    return SendError(SendErrorKind.NETWORK, detail=str(exc))


def not_modified(exc: TelegramError) -> bool:
    return isinstance(exc, BadRequest) and "message is not modified" in exc.message.lower()


class Sender:
    def __init__(
        self,
        bot: Bot,
        services: Services,
        *,
        paid_broadcast: bool = False,
        batch: int = BATCH,
        rate: float | None = None,
    ):
        self.bot = bot
        self.services = services
        self.paid_broadcast = paid_broadcast
        self.batch = batch
        self.watchers: list[Watcher] = []
        self._wake = asyncio.Event()
        # enough sends in flight for the rate over a ~150 ms round trip to Telegram, at least
        # IN_FLIGHT: few, so the HTTP connection pool stays small and cheap to search
        self._in_flight = asyncio.Semaphore(
            min(batch, max(IN_FLIGHT, math.ceil((rate or 0) * ROUND_TRIP)))
        )
        self._markups: dict[str, InlineKeyboardMarkup] = {}
        self.beat: float | None = None  # wall time the loop last started a round (health.py)

    def wake(self) -> None:
        """Something was queued: look at the outbox now."""
        self._wake.set()

    async def run_once(self) -> int:
        """Send one batch of what is due now; returns how many rows were taken (sent or
        skipped)."""
        claim = await self.services.delivery.claim(self.batch)
        if not claim.taken:
            return 0
        attempts = await asyncio.gather(*(self._limited(d) for d in claim.deliveries))
        result = await self.services.delivery.settle_batch(list(attempts), claim.job_ids)
        if result.pause_all is not None and getattr(self.bot, "rate_limiter", None) is None:
            # No limiter to hold every send back: the loop itself waits.
            await asyncio.sleep(result.pause_all.total_seconds())
        await self._tell_watchers(set(claim.job_ids), result.finished_jobs)
        return claim.taken

    async def _limited(self, delivery: Delivery) -> Attempt:
        async with self._in_flight:
            return await self._deliver(delivery)

    async def run(self) -> None:
        """Until cancelled: send what is due, then wait for more."""
        while True:
            self.beat = time.time()
            try:
                taken = await self.run_once()
            except Exception:  # keep going: the rows stay in the outbox
                log.exception("The sender failed a round; it tries again shortly")
                taken = 0
            if taken:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), IDLE_WAIT)
            self._wake.clear()

    async def _tell_watchers(self, touched: set[int], finished: set[int]) -> None:
        for watcher in list(self.watchers):
            try:
                await watcher(touched, finished)
            except Exception:
                log.exception("An outbox watcher failed; sending goes on")

    # ---------------------------------------------------------------- one row
    async def _deliver(self, delivery: Delivery) -> Attempt:
        """Send one row's messages in order (from where an earlier attempt stopped)."""
        done = list(delivery.message_ids)
        if delivery.once:  # at most once: the row says so the moment its request leaves
            hook = functools.partial(self.services.delivery.attempting, delivery.id)
            if getattr(self.bot, "rate_limiter", None) is None:
                await hook()
            else:
                _BEFORE_SEND.set(hook)
        try:
            for index, step in enumerate(_steps(delivery.payload, delivery.user_id)):
                if index < len(done):
                    continue
                done.append(await step(self, delivery.chat_id))
        except TelegramError as exc:
            return Attempt(delivery, done, send_error(exc))
        except Exception as exc:  # a payload we cannot send: failed, not retried forever
            log.exception("Outbox row %s could not be sent", delivery.id)
            return Attempt(delivery, done, SendError(SendErrorKind.BAD_REQUEST, detail=repr(exc)))
        return Attempt(delivery, done)

    def _bulk(self, *, paid: bool = True) -> dict[str, Any]:
        """Keyword arguments for a bulk send: the limiter's bulk lane, and a paid broadcast
        when configured (sends only: edits cannot be paid for)."""
        kwargs: dict[str, Any] = {}
        if getattr(self.bot, "rate_limiter", None) is not None:
            kwargs["rate_limit_args"] = {"lane": BULK}
            before = _BEFORE_SEND.get()
            if before is not None:
                kwargs["rate_limit_args"]["before"] = before
        if paid and self.paid_broadcast:
            kwargs["allow_paid_broadcast"] = True
        return kwargs

    def _markup(self, keyboard: dict | None) -> InlineKeyboardMarkup | None:
        """The keyboard as PTB's object, built once per distinct keyboard (a broadcast's
        copies share theirs; PTB's objects are immutable, so sharing is safe)."""
        if not keyboard:
            return None
        key = json.dumps(keyboard, sort_keys=True)
        markup = self._markups.get(key)
        if markup is None:
            if len(self._markups) >= MARKUPS_KEPT:
                self._markups.clear()
            markup = self._markups[key] = InlineKeyboardMarkup.de_json(keyboard, self.bot)
        return markup

    async def _send_text(self, chat_id: int, part: dict) -> int:
        message = await self.bot.send_message(
            chat_id, part["text"], reply_markup=self._markup(part.get("keyboard")), **self._bulk()
        )
        return message.message_id

    async def _send_attachment(self, chat_id: int, attachment: dict) -> int:
        send = {"photo": self.bot.send_photo, "document": self.bot.send_document}[
            attachment["kind"]
        ]
        message = await send(
            chat_id, attachment["file_id"], caption=attachment.get("caption"), **self._bulk()
        )
        return message.message_id

    async def _edit(self, chat_id: int, edit: dict) -> int:
        try:
            await self.bot.edit_message_text(
                edit["text"],
                chat_id=chat_id,
                message_id=edit["message_id"],
                reply_markup=self._markup(edit.get("keyboard")),
                **self._bulk(paid=False),
            )
        except BadRequest as exc:
            if not not_modified(exc):
                raise
        return edit["message_id"]

    async def _send_poll(self, chat_id: int, payload: dict, user_id: int | None) -> int:
        poll = payload["poll"]
        message = await self.bot.send_poll(
            chat_id,
            poll["question"],
            poll["options"],
            is_anonymous=False,
            allows_multiple_answers=bool(poll.get("allows_multiple_answers")),
            **self._bulk(),
        )
        if message.poll is not None and payload.get("poll_id") is not None:
            await self.services.polls.record_copy(
                payload["poll_id"], message.poll.id, user_id, chat_id, message.message_id
            )
        return message.message_id

    async def _stop_poll(self, chat_id: int, message_id: int) -> int:
        try:
            await self.bot.stop_poll(chat_id, message_id, **self._bulk(paid=False))
        except BadRequest as exc:
            if "already closed" not in exc.message.lower():
                raise
        return message_id


Step = Callable[[Sender, int], Awaitable[int]]


def _steps(payload: dict, user_id: int | None = None) -> list[Step]:
    """The calls one row's payload makes, in order; each returns a message id."""
    if "poll" in payload:
        return [lambda s, chat: s._send_poll(chat, payload, user_id)]
    if payload.get("op") == "stop_poll":
        return [lambda s, chat: s._stop_poll(chat, payload["message_id"])]
    if payload.get("op") == "edit":
        return [lambda s, chat, e=e: s._edit(chat, e) for e in payload["edits"]]
    if "parts" in payload:
        steps: list[Step] = []
        if payload.get("attachment"):
            steps.append(lambda s, chat, a=payload["attachment"]: s._send_attachment(chat, a))
        steps += [lambda s, chat, p=p: s._send_text(chat, p) for p in payload["parts"]]
        return steps
    return [lambda s, chat: s._send_text(chat, payload)]
