"""The two-lane rate limiter (PTB's ``BaseRateLimiter``): every request the bot makes passes
through it, so Telegram's flood limits hold for the whole process.

- **Overall**: never more than 30 sending calls (a message sent, copied, forwarded or edited)
  in any one-second window, measured as a sliding log over a slightly longer window
  (``WINDOW``) with one of the 30 kept spare, and counting each send from its release until a
  window after Telegram answered it: over real HTTP (or on a busy machine) a send may reach
  Telegram well after it left here. Other calls (``getUpdates``,
  ``answerCallbackQuery``, ``getMe``, ``setMyCommands``...) are neither counted nor delayed.
- **Two lanes**: ``reply`` (the default: a handler answering someone) and ``bulk`` (the
  outbox sender, per call with ``rate_limit_args={"lane": "bulk"}``). When both wait for a
  slot, replies always go first. Replies may burst (Telegram allows it) but count toward the
  overall window.
- **Bulk** is also paced at ``bulk_rate`` messages a second (``BOT_SEND_RATE``), at most one
  message a second into one chat and 20 a minute into one group (replies to those chats
  count there too). A bulk send with ``allow_paid_broadcast`` pays to skip the overall
  window (replies stay held to it).
- **429**: nothing is sent before ``retry_after`` has passed, in either lane. A reply is
  retried here (at most ``max_retries`` times); a bulk call gets the ``RetryAfter`` back, so
  the sender settles its row by the delivery rules (requeued).

- **Updates first**: while residents' updates wait to be handled (``UpdatesInHand`` counts
  them), bulk goes at most ``BUSY_BULK_RATE`` a second, so a burst of presses is not slowed by
  the outbox's work on this process's one CPU; bulk is never stopped, only slowed.

``bulk_rate=None`` (``BOT_SEND_RATE=off``, benchmarks only) lets everything through unpaced
(updates first still holds); a 429 is still waited out.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter, SimpleUpdateProcessor

log = logging.getLogger(__name__)

REPLY, BULK = "reply", "bulk"
OVERALL_PER_SECOND = 29  # Telegram allows about 30 a second; one is kept for socket jitter
GROUP_PER_MINUTE = 20  # Telegram: 20 messages a minute into one group
# Safety margin on every window: timestamps jitter between here and Telegram, so a second is
# measured as 1.05 s (30 in any 1.05 s is at most 30 in any second Telegram measures).
MARGIN = 0.05
WINDOW = 1.0 + MARGIN
PRIVATE_GAP = 1.0 + MARGIN  # between two bulk messages into one chat
GROUP_WINDOW = 60.0 + MARGIN
HOLD_MARGIN = 0.1  # added to a 429's retry_after
# Bulk pacing may catch up this much time lost while the sender was between batches (two
# messages at 25 a second; still within the overall window), so the achieved rate is the
# configured one.
BULK_CREDIT = 0.08
# While updates wait to be handled, bulk messages a second (and how often a held one looks
# again): low enough to leave the CPU to the updates, never zero.
BUSY_BULK_RATE = 5.0
BUSY_LOOK = 0.05
MAX_RETRIES = 3  # a reply's retries after a 429
FORGET_AFTER = 2048  # chats remembered before the idle ones are dropped

# Methods that put a message into a chat or change one (Telegram's flood limits count them).
_SENDING_PREFIXES = ("send", "editmessage", "copymessage", "forwardmessage")
_NOT_SENDING = frozenset({"sendchataction", "answercallbackquery"})
_ALSO_SENDING = frozenset({"stoppoll"})


def is_sending(endpoint: str) -> bool:
    name = endpoint.lower()
    if name in _NOT_SENDING:
        return False
    return name in _ALSO_SENDING or name.startswith(_SENDING_PREFIXES)


def retry_seconds(exc: RetryAfter) -> float:
    wait = exc.retry_after  # a timedelta with PTB_TIMEDELTA (bot/__init__.py)
    return wait.total_seconds() if isinstance(wait, timedelta) else float(wait)


class Timebase:
    """Where the limiter reads the time and waits (tests pass a faster one)."""

    def now(self) -> float:
        return time.monotonic()

    async def wait(self, event: asyncio.Event, timeout: float) -> None:
        """Until ``event`` is set or ``timeout`` seconds have passed."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout)


@dataclass(frozen=True)
class _Request:
    lane: str
    chat_id: int | None
    paid: bool  # a bulk send with allow_paid_broadcast: not held to the overall window
    count: int  # messages this call sends (a media group sends several)


class UpdatesInHand(SimpleUpdateProcessor):
    """PTB's update processor (at most ``max_concurrent_updates`` handled at once) that also
    counts the updates received and not yet handled, waiting ones included."""

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self.count = 0

    async def process_update(self, update: object, coroutine: Any) -> None:
        # PTB marks this method final; wrapping it (super() does all of PTB's work) is the one
        # place that sees an update before it waits for its turn
        self.count += 1
        try:
            await super().process_update(update, coroutine)
        finally:
            self.count -= 1


class TwoLaneRateLimiter(BaseRateLimiter[dict]):
    def __init__(
        self,
        bulk_rate: float | None,
        *,
        max_retries: int = MAX_RETRIES,
        timebase: Timebase | None = None,
        busy: Callable[[], bool] | None = None,
    ) -> None:
        self.bulk_rate = bulk_rate
        self.busy = busy  # updates wait to be handled (UpdatesInHand): bulk slows down
        self._busy_next = 0.0  # when the next bulk message may go while busy
        self.max_retries = max_retries
        self.time = timebase or Timebase()
        # Counted sends, oldest first, by when their answer came back: a send reaches Telegram
        # somewhere between its release and its answer, so a window counted by answers (and
        # every send still in flight) holds whatever delay the network or a busy machine adds.
        self._recent: deque[float] = deque()
        self._in_flight = 0
        self._bulk_next = 0.0  # when the next bulk message may go (pacing)
        self._private_last: dict[int, float] = {}
        self._group_recent: dict[int, deque[float]] = {}
        self._hold_until = 0.0  # a 429: nothing is sent before this
        self._replies_waiting = 0
        self._changed = asyncio.Event()

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    @property
    def paced(self) -> bool:
        return self.bulk_rate is not None

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict | list[dict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: dict | None,
    ) -> bool | dict | list[dict]:
        lane = BULK if (rate_limit_args or {}).get("lane") == BULK else REPLY
        if not is_sending(endpoint):
            return await self._unlimited(callback, args, kwargs)
        chat_id = data.get("chat_id")
        request = _Request(
            lane,
            chat_id if isinstance(chat_id, int) and not isinstance(chat_id, bool) else None,
            lane == BULK and bool(data.get("allow_paid_broadcast")),
            len(data["media"]) if isinstance(data.get("media"), list) else 1,
        )
        retries = 0 if lane == BULK else self.max_retries
        before = (rate_limit_args or {}).get("before")  # written the moment a send may go
        for attempt in range(retries + 1):
            await self._acquire(request)
            try:
                if before is not None:
                    await before()
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                self._hold(exc)
                if attempt == retries:
                    raise
                log.info("Telegram asked to wait %.1f s: a reply is retried", retry_seconds(exc))
            finally:
                self._answered(request)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _unlimited(self, callback, args, kwargs):
        """A call that sends nothing: straight through (a 429 is still waited out)."""
        for attempt in range(self.max_retries + 1):
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                self._hold(exc)
                if attempt == self.max_retries:
                    raise
                await self.time.wait(asyncio.Event(), retry_seconds(exc) + HOLD_MARGIN)
        raise AssertionError("unreachable")  # pragma: no cover

    def _answered(self, request: _Request) -> None:
        """A counted send came back (sent, refused or failed): it now counts in the window
        from this moment."""
        if not self.paced or request.paid:
            return
        self._in_flight -= request.count
        self._recent.extend([self.time.now()] * request.count)
        self._poke()

    def _hold(self, exc: RetryAfter) -> None:
        wait = retry_seconds(exc)
        log.warning("Telegram asked to wait %.1f s: nothing is sent meanwhile", wait)
        self._hold_until = max(self._hold_until, self.time.now() + wait + HOLD_MARGIN)
        self._poke()

    def _poke(self) -> None:
        """Something changed: every waiter looks again."""
        self._changed.set()
        self._changed = asyncio.Event()

    # ---------------------------------------------------------------- waiting
    async def _acquire(self, request: _Request) -> None:
        """Wait for this request's slot, then record it as sent now."""
        reply = request.lane == REPLY
        if reply:
            self._replies_waiting += 1
        try:
            while True:
                now = self.time.now()
                delay = self._delay(request, now)
                if delay <= 0:
                    self._record(request, now)
                    return
                await self.time.wait(self._changed, delay)
        finally:
            if reply:
                self._replies_waiting -= 1
                self._poke()

    def _delay(self, request: _Request, now: float) -> float:
        """Seconds until ``request`` may go (<= 0: now)."""
        ready = self._hold_until
        if request.lane == BULK and now < self._busy_next and self.busy is not None and self.busy():
            # updates first: look again shortly, or go at the slow rate
            ready = max(ready, min(self._busy_next, now + BUSY_LOOK))
        if not self.paced:
            return ready - now
        if not request.paid:
            self._forget_before(self._recent, now - WINDOW)
            excess = len(self._recent) + self._in_flight + request.count - OVERALL_PER_SECOND
            if excess > 0:
                if excess <= len(self._recent):  # the oldest answered ones leave the window
                    ready = max(ready, self._recent[excess - 1] + WINDOW)
                else:  # sends in flight are in the way: look again when one is answered
                    ready = max(ready, now + WINDOW)
        if request.lane == BULK:
            if self._replies_waiting and not request.paid:
                # A reply is waiting: it takes the next slot; look again when it has gone.
                ready = max(ready, now + WINDOW)
            ready = max(ready, self._bulk_next)
            ready = max(ready, self._chat_ready(request.chat_id, now))
        return ready - now

    def _chat_ready(self, chat_id: int | None, now: float) -> float:
        """When the next bulk message may go into this chat: a second after the last one,
        and into a group, also no more than 20 in a minute."""
        if chat_id is None:
            return now
        if chat_id > 0:
            return self._private_last.get(chat_id, -PRIVATE_GAP) + PRIVATE_GAP
        recent = self._group_recent.get(chat_id)
        if not recent:
            return now
        self._forget_before(recent, now - GROUP_WINDOW)
        if not recent:
            return now
        ready = recent[-1] + PRIVATE_GAP
        if len(recent) >= GROUP_PER_MINUTE:
            ready = max(ready, recent[-GROUP_PER_MINUTE] + GROUP_WINDOW)
        return ready

    def _record(self, request: _Request, now: float) -> None:
        if request.lane == BULK:
            self._busy_next = now + 1 / BUSY_BULK_RATE
        if not self.paced:
            return
        if not request.paid:
            self._in_flight += request.count
        if request.lane == BULK:
            self._bulk_next = (
                max(self._bulk_next, now - BULK_CREDIT) + request.count / self.bulk_rate
            )
        if request.chat_id is None:
            return
        if request.chat_id > 0:
            self._private_last[request.chat_id] = now
            if len(self._private_last) > FORGET_AFTER:
                self._private_last = {
                    c: t for c, t in self._private_last.items() if now - t < PRIVATE_GAP
                }
        else:
            recent = self._group_recent.setdefault(request.chat_id, deque())
            recent.extend([now] * request.count)
            if len(self._group_recent) > FORGET_AFTER:
                self._group_recent = {
                    c: r for c, r in self._group_recent.items() if r and now - r[-1] < GROUP_WINDOW
                }

    @staticmethod
    def _forget_before(times: deque[float], cutoff: float) -> None:
        while times and times[0] <= cutoff:
            times.popleft()
