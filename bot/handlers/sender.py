"""The delivery engine's loop (the adapter between the outbox and Telegram): it takes due rows,
sends each at the configured pace (``BOT_SEND_RATE``), and settles it with what Telegram
answered; the rules for each answer are in ``services/delivery.py``. A 429 stops all sending
for ``retry_after``. Started in ``app.post_init``; what the bot starts is queued in the outbox
by the features (announcements, reminders, polls) and woken with :meth:`Sender.wake`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import warnings
from datetime import timedelta

from telegram import Bot, InlineKeyboardMarkup
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

from bot.services import Services
from bot.services.delivery import SendError, SendErrorKind
from bot.storage.outbox import Delivery

log = logging.getLogger(__name__)

BATCH = 30  # rows taken from the outbox at a time
IDLE_WAIT = 1.0  # seconds between looks at an empty outbox (a wake() comes sooner)


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


class Sender:
    def __init__(self, bot: Bot, services: Services, rate: float | None, batch: int = BATCH):
        self.bot = bot
        self.services = services
        self.interval = 0.0 if rate is None else 1.0 / rate
        self.batch = batch
        self._next_send = 0.0
        self._wake = asyncio.Event()
        self.watchers: list = []  # called with (touched job ids, finished job ids)

    def wake(self) -> None:
        """Something was queued: look at the outbox now."""
        self._wake.set()

    async def run_once(self) -> int:
        """Send what is due now (one batch); returns how many rows were taken."""
        deliveries = await self.services.delivery.due(self.batch)
        for delivery in deliveries:
            await self._pace()
            try:
                message = await self._send(delivery)
            except TelegramError as exc:
                settlement = await self.services.delivery.failed(delivery, send_error(exc))
                if settlement.pause_all is not None:
                    log.warning("Telegram asked to wait %s: sending pauses", settlement.pause_all)
                    await asyncio.sleep(settlement.pause_all.total_seconds())
                continue
            await self.services.delivery.sent(delivery, message.message_id)
        return len(deliveries)

    async def run(self) -> None:
        """Until cancelled: send what is due, then wait for more."""
        while True:
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

    async def _pace(self) -> None:
        if not self.interval:
            return
        now = time.monotonic()
        if self._next_send > now:
            await asyncio.sleep(self._next_send - now)
        self._next_send = max(now, self._next_send) + self.interval

    async def _send(self, delivery: Delivery):
        payload = delivery.payload
        if "parts" in payload:  # interim: the concurrent sender replaces this
            message = None
            for part in payload["parts"]:
                kb = part.get("keyboard")
                message = await self.bot.send_message(
                    delivery.chat_id,
                    part["text"],
                    reply_markup=InlineKeyboardMarkup.de_json(kb, self.bot) if kb else None,
                )
            return message
        if payload.get("op") == "edit":
            message = None
            for edit in payload["edits"]:
                kb = edit.get("keyboard")
                message = await self.bot.edit_message_text(
                    edit["text"],
                    delivery.chat_id,
                    edit["message_id"],
                    reply_markup=InlineKeyboardMarkup.de_json(kb, self.bot) if kb else None,
                )
            return message
        keyboard = payload.get("keyboard")
        return await self.bot.send_message(
            delivery.chat_id,
            payload["text"],
            reply_markup=InlineKeyboardMarkup.de_json(keyboard, self.bot) if keyboard else None,
        )
