"""Telegram unreachable for a minute, through the real process (issue 14), in ``make soak``:
first connection refused, then a proxy answering 502 to everything, then answers that take
seconds. Meanwhile a broadcast is under way and residents keep writing. The bot must back
off (no busy loop: little CPU, few requests a second), keep its queue and the residents'
updates, and recover by itself: after the trouble every recipient has the announcement
exactly once and every resident's /help is answered.
"""

from __future__ import annotations

import asyncio
import os
import time

import pytest

from benchmarks import realhttp
from tests.e2e.test_broadcast import TEXT, reached, staged

pytestmark = [pytest.mark.e2e, pytest.mark.soak]

PHASE = 20.0  # seconds of each kind of trouble: three of them make the minute
RECIPIENTS = 150
MAX_CPU_SHARE = 0.25  # of one core, averaged over a phase: waiting, not spinning
MAX_REQUESTS_PER_SECOND = 20.0  # while every request fails: backing off, not hammering


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks  # utime + stime


async def test_a_minute_without_telegram_loses_nothing_and_recovers_by_itself(sandbox, tmp_path):
    api, server = sandbox
    process, recipients = await staged(sandbox, tmp_path, RECIPIENTS, BOT_SEND_RATE="10")
    await process.start()
    pid = process.proc.pid
    db_path = tmp_path / "bot.sqlite3"
    job = await asyncio.to_thread(realhttp.queue_outbox_job, db_path, recipients, TEXT)
    assert await api.wait_until(lambda: reached(api, recipients) >= 10, timeout=30)
    writers = [api.make_user(900_000 + i, f"Writer {i}", language_code="en") for i in range(6)]
    for user in writers:
        api.world.register_user(user)
    network = server.network
    shares, rates = {}, {}

    async def phase(name: str, during) -> None:
        """``during`` starts the trouble; residents write in the middle of it."""
        await during()
        cpu, began = cpu_seconds(pid), time.monotonic()
        await asyncio.sleep(PHASE / 2)
        for user in writers[len(shares) * 2 : len(shares) * 2 + 2]:
            api.send_message(user, "/help")  # queued at "Telegram" until the bot can fetch it
        await asyncio.sleep(PHASE / 2)
        ended = time.monotonic()
        shares[name] = (cpu_seconds(pid) - cpu) / (ended - began)
        rates[name] = network.count_between(began, ended) / (ended - began)

    async def refuse():
        await server.stop()

    async def bad_gateway():
        network.bad_gateway = True
        await server.start()  # the same port: connections work again, answers do not

    async def slow():
        network.bad_gateway = False
        network.delay = 3.0

    try:
        await phase("connection refused", refuse)
        await phase("502 from a proxy", bad_gateway)
        await phase("slow answers", slow)
        network.delay = 0.0
        states = await realhttp.wait_settled(db_path, job, timeout=120)
        answered = await api.wait_until(
            lambda: all(api.bot_messages(u["id"]) for u in writers),
            timeout=60,
        )
    finally:
        if process.alive():
            await process.stop()
    assert states == {"sent": RECIPIENTS}, states
    counts = realhttp.text_sends(api, TEXT)
    assert all(counts.get(c) == 1 for c in recipients), "a recipient missed or got it twice"
    unanswered = [u["id"] for u in writers if not api.bot_messages(u["id"])]
    assert answered, f"residents who wrote during the trouble got no answer: {unanswered}"
    print("CPU share of one core, requests/s:", shares, rates)
    assert all(share < MAX_CPU_SHARE for share in shares.values()), shares
    for name in ("502 from a proxy",):  # refused connections never reach the server to count
        assert rates[name] < MAX_REQUESTS_PER_SECOND, rates
    assert process.log.count("Traceback") < 50, "one traceback per retry is a log flood"
