"""The two-lane rate limiter, on a virtual clock (time jumps to the next waiter's deadline
once every task is waiting, so a minute of Telegram's limits takes no real time): Telegram's
limits hold, replies go before waiting bulk sends, and a 429 holds everything."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import math
from dataclasses import dataclass
from datetime import timedelta

import pytest
from telegram.error import RetryAfter

from bot.handlers.ratelimit import (
    BULK,
    BULK_CREDIT,
    BUSY_BULK_RATE,
    BUSY_LOOK,
    OVERALL_PER_SECOND,
    Timebase,
    TwoLaneRateLimiter,
    UpdatesInHand,
    is_sending,
)
from bot.sandbox.limits import _max_in_window


class VirtualTime(Timebase):
    def __init__(self) -> None:
        self.t = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future]] = []
        self._seq = itertools.count()

    def now(self) -> float:
        return self.t

    async def wait(self, event: asyncio.Event, timeout: float) -> None:
        timer = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.t + timeout, next(self._seq), timer))
        woken = asyncio.ensure_future(event.wait())
        try:
            await asyncio.wait({timer, woken}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            woken.cancel()
            timer.cancel()

    async def sleep(self, seconds: float) -> None:
        await self.wait(asyncio.Event(), seconds)

    async def run(self, *coros):
        """Run ``coros`` to completion, moving time on whenever all of them wait."""
        tasks = [asyncio.ensure_future(c) for c in coros]
        while not all(t.done() for t in tasks):
            for _ in range(30):  # let every task get as far as it can now
                await asyncio.sleep(0)
            while self._sleepers and self._sleepers[0][2].done():
                heapq.heappop(self._sleepers)
            if not self._sleepers:
                continue
            self.t = max(self.t, self._sleepers[0][0])
            while self._sleepers and self._sleepers[0][0] <= self.t:
                _, _, timer = heapq.heappop(self._sleepers)
                if not timer.done():
                    timer.set_result(None)
        return await asyncio.gather(*tasks, return_exceptions=True)


@dataclass(frozen=True)
class Sent:
    at: float
    name: str
    chat_id: int
    lane: str


class Bot:
    """Calls through a limiter, recording when each reached "Telegram"."""

    def __init__(self, bulk_rate: float | None) -> None:
        self.time = VirtualTime()
        self.limiter = TwoLaneRateLimiter(bulk_rate, timebase=self.time)
        self.sent: list[Sent] = []
        self.calls = 0

    def call(
        self,
        name: str,
        chat_id: int,
        *,
        lane: str = "reply",
        endpoint: str = "sendMessage",
        paid: bool = False,
        flood: int = 0,
        arrives_after: float = 0.0,
    ):
        """A request; the first ``flood`` attempts are answered with a 429 (retry after 3 s).
        ``arrives_after``: the network (or a busy machine) holds it that long before it
        reaches Telegram, which answers at once."""
        answers = iter([RetryAfter(timedelta(seconds=3))] * flood)

        async def callback():
            self.calls += 1
            if arrives_after:
                await self.time.sleep(arrives_after)
            error = next(answers, None)
            if error is not None:
                raise error
            self.sent.append(Sent(self.time.now(), name, chat_id, lane))
            return True

        data = {"chat_id": chat_id, "text": name}
        if paid:
            data["allow_paid_broadcast"] = True
        return self.limiter.process_request(
            callback, (), {}, endpoint, data, {"lane": BULK} if lane == BULK else None
        )

    def times(self, *, lane: str | None = None, chat_id: int | None = None) -> list[float]:
        return [
            s.at
            for s in self.sent
            if (lane is None or s.lane == lane) and (chat_id is None or s.chat_id == chat_id)
        ]


async def test_never_more_than_30_sends_in_any_second_replies_may_burst():
    bot = Bot(bulk_rate=25)
    replies = [bot.call(f"reply {n}", 1000 + n) for n in range(60)]
    bulk = [bot.call(f"bulk {n}", 2000 + n, lane=BULK) for n in range(60)]
    await bot.time.run(*replies, *bulk)
    assert len(bot.sent) == 120
    assert _max_in_window(bot.times(), 1.0) <= 30
    # a burst, up to the window (Telegram's 30, less the one kept for socket jitter)
    assert bot.times(lane="reply").count(0.0) == OVERALL_PER_SECOND
    # bulk keeps its own pace: 25 a second, plus the little it may catch up after a pause
    assert _max_in_window(bot.times(lane=BULK), 1.0) <= 25 + math.ceil(BULK_CREDIT * 25)


async def test_sends_held_up_on_the_way_still_never_crowd_one_second_at_telegram():
    """Sends released evenly but delayed on the way (a stalled machine, a slow network)
    arrive together: the window counts each send until Telegram has answered it."""
    bot = Bot(bulk_rate=None)
    bot.limiter.bulk_rate = 25  # paced, so the overall window applies
    slow = [bot.call(f"slow {n}", 1000 + n, arrives_after=0.9) for n in range(OVERALL_PER_SECOND)]
    fast = [bot.call(f"fast {n}", 2000 + n) for n in range(OVERALL_PER_SECOND)]
    await bot.time.run(*slow, *fast)
    assert len(bot.sent) == 2 * OVERALL_PER_SECOND
    assert _max_in_window(bot.times(), 1.0) <= OVERALL_PER_SECOND


async def test_a_reply_goes_before_bulk_sends_already_waiting():
    bot = Bot(bulk_rate=30)

    async def late_reply():
        await bot.time.sleep(0.5)  # while the bulk sends wait for the full window
        await bot.call("late reply", 77)

    burst = [bot.call(f"reply {n}", 1000 + n) for n in range(OVERALL_PER_SECOND)]
    bulk = [bot.call(f"bulk {n}", 2000 + n, lane=BULK) for n in range(20)]
    await bot.time.run(*burst, *bulk, late_reply())
    order = [s.name for s in bot.sent]
    assert order[OVERALL_PER_SECOND] == "late reply", order[28:34]
    assert len(order) == OVERALL_PER_SECOND + 21


async def test_bulk_keeps_one_message_a_second_per_person_and_20_a_minute_per_group():
    bot = Bot(bulk_rate=30)
    to_amina = [bot.call(f"amina {n}", 7, lane=BULK) for n in range(5)]
    to_omar = [bot.call(f"omar {n}", 8, lane=BULK) for n in range(3)]
    to_group = [bot.call(f"group {n}", -100, lane=BULK) for n in range(25)]
    replies_to_hoa = [bot.call(f"hoa {n}", 9) for n in range(3)]
    await bot.time.run(*to_amina, *to_omar, *to_group, *replies_to_hoa)
    assert len(bot.sent) == 36
    amina = bot.times(chat_id=7)
    assert all(later - earlier >= 1.0 for earlier, later in itertools.pairwise(amina))
    assert _max_in_window(bot.times(chat_id=-100), 60.0) <= 20
    assert max(bot.times(chat_id=-100)) >= 60.0  # the 21st waited for the minute
    # one person's pace holds nobody else up
    assert max(bot.times(chat_id=8)) < amina[3]
    # replies may burst into one chat
    assert bot.times(chat_id=9) == [0.0, 0.0, 0.0]


async def test_a_reply_to_a_person_delays_the_next_bulk_message_to_them():
    bot = Bot(bulk_rate=30)
    await bot.time.run(bot.call("reply", 7))
    await bot.time.run(bot.call("bulk", 7, lane=BULK))
    reply, bulk = bot.times(chat_id=7)
    assert bulk - reply >= 1.0


async def test_a_429_holds_every_lane_then_the_reply_is_retried_and_bulk_is_handed_back():
    bot = Bot(bulk_rate=25)
    results = await bot.time.run(
        bot.call("reply", 7, flood=1),
        *[bot.call(f"bulk {n}", 100 + n, lane=BULK) for n in range(5)],
        bot.call("another reply", 8),
    )
    assert results[0] is True  # retried by the limiter
    assert min(bot.times()) >= 3.0  # nothing at all went before retry_after
    assert len(bot.sent) == 7

    bot.calls = 0
    [result] = await bot.time.run(bot.call("bulk flooded", 9, lane=BULK, flood=1))
    assert isinstance(result, RetryAfter)  # the sender requeues the row itself
    assert bot.calls == 1


async def test_a_reply_gives_up_after_three_retries():
    bot = Bot(bulk_rate=25)
    [result] = await bot.time.run(bot.call("reply", 7, flood=10))
    assert isinstance(result, RetryAfter)
    assert bot.calls == 4


async def test_off_paces_nothing():
    bot = Bot(bulk_rate=None)
    await bot.time.run(
        *[bot.call(f"bulk {n}", 7, lane=BULK) for n in range(50)],
        *[bot.call(f"reply {n}", 1000 + n) for n in range(50)],
    )
    assert len(bot.sent) == 100 and set(bot.times()) == {0.0}


@pytest.mark.parametrize("bulk_rate", [None, 25])
async def test_while_updates_wait_bulk_slows_down_and_goes_on_at_full_speed_after(bulk_rate):
    busy = True
    bot = Bot(bulk_rate=bulk_rate)
    bot.limiter.busy = lambda: busy

    async def updates_handled():
        nonlocal busy
        await bot.time.sleep(2.0)
        busy = False

    bulk = [bot.call(f"bulk {n}", 2000 + n, lane=BULK) for n in range(40)]
    replies = [bot.call(f"reply {n}", 1000 + n) for n in range(20)]
    await bot.time.run(*bulk, *replies, updates_handled())
    assert bot.times(lane="reply") == [0.0] * 20  # replies never wait for it
    during = [t for t in bot.times(lane=BULK) if t < 2.0]
    assert 2 * BUSY_BULK_RATE - 1 <= len(during) <= 2 * BUSY_BULK_RATE + 1  # slowed, not stopped
    after = sorted(t for t in bot.times(lane=BULK) if t >= 2.0)
    assert len(after) == 40 - len(during)
    if bulk_rate is None:  # the rest at once
        assert after[-1] <= 2.0 + 2 * BUSY_LOOK
    else:  # the rest at the configured pace
        assert after[-1] <= 2.0 + 2 * BUSY_LOOK + len(after) / bulk_rate


async def test_updates_in_hand_counts_those_waiting_for_their_turn_too():
    in_hand = UpdatesInHand(2)
    await in_hand.initialize()
    release = asyncio.Event()
    tasks = [asyncio.create_task(in_hand.process_update(n, release.wait())) for n in range(5)]
    await asyncio.sleep(0.01)
    assert in_hand.count == 5 and in_hand.current_concurrent_updates == 2
    release.set()
    await asyncio.gather(*tasks)
    assert in_hand.count == 0


async def test_paid_bulk_skips_the_overall_window_but_replies_keep_it():
    bot = Bot(bulk_rate=1000)
    paid = [bot.call(f"paid {n}", 1000 + n, lane=BULK, paid=True) for n in range(200)]
    replies = [bot.call(f"reply {n}", 5000 + n) for n in range(45)]
    await bot.time.run(*paid, *replies)
    assert max(bot.times(lane=BULK)) < 0.25  # 1000 a second
    assert _max_in_window(bot.times(lane="reply"), 1.0) <= 30


async def test_calls_that_send_nothing_are_neither_counted_nor_delayed():
    bot = Bot(bulk_rate=25)
    burst = [bot.call(f"reply {n}", 1000 + n) for n in range(OVERALL_PER_SECOND)]
    answers = [bot.call(f"answer {n}", 1, endpoint="answerCallbackQuery") for n in range(40)]
    await bot.time.run(*burst, *answers)
    assert set(bot.times()) == {0.0}


@pytest.mark.parametrize(
    ("endpoint", "sending"),
    [
        ("sendMessage", True),
        ("sendPhoto", True),
        ("sendDocument", True),
        ("sendPoll", True),
        ("editMessageText", True),
        ("editMessageReplyMarkup", True),
        ("copyMessage", True),
        ("forwardMessage", True),
        ("stopPoll", True),
        ("sendChatAction", False),
        ("answerCallbackQuery", False),
        ("getMe", False),
        ("setMyCommands", False),
        ("editChatInviteLink", False),
        ("deleteMessage", False),
    ],
)
def test_which_calls_count_as_sending(endpoint, sending):
    assert is_sending(endpoint) is sending
