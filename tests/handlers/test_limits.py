"""The real Application with its real rate limiter, against the sandbox (which enforces
Telegram's flood limits), on a clock running faster than the wall clock: a bulk send keeps
Telegram's limits, a reply overtakes it, a 429 holds everything, paid broadcasts are paid."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from telegram import Update

from bot.app import build_application
from bot.config import Config
from bot.handlers.ratelimit import TwoLaneRateLimiter
from bot.sandbox.core import FakeBotApi
from bot.sandbox.request import SandboxRequest
from bot.storage.outbox import Recipient
from tests.support import ADMIN_ID, FastTime


@pytest.fixture
async def limited(tmp_path):
    """build(send_rate, speed, paid_broadcast=False) -> (app, api), the sender not running."""
    built = []

    async def build(send_rate: float, speed: float, *, paid_broadcast: bool = False):
        fast = FastTime(speed)
        api = FakeBotApi(enforce_limits=not paid_broadcast)
        api.clock = fast.now
        config = Config(
            token=api.token,
            db_path=tmp_path / f"bot{len(built)}.sqlite3",
            admin_ids=frozenset({ADMIN_ID}),
            send_rate=send_rate,
            paid_broadcast=paid_broadcast,
        )
        app = build_application(
            config,
            request=SandboxRequest(api),
            rate_limiter=TwoLaneRateLimiter(send_rate, timebase=fast),
        )
        await app.initialize()
        await app.post_init(app)
        await stop_sender(app)
        built.append(app)
        return app, api

    yield build
    for app in built:
        await stop_sender(app)
        await app.post_shutdown(app)
        await app.shutdown()


async def stop_sender(app) -> None:
    task = app.bot_data.pop("sender_task", None)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def bulk_job(app, chat_ids, text="Building news", update_id=None) -> int:
    recipients = [Recipient(c, c if c > 0 else None, {"text": f"{text} {c}"}) for c in chat_ids]
    job, _new = await app.bot_data["services"].delivery.start_job(
        "announcement", recipients, created_by=ADMIN_ID, update_id=update_id, priority=1
    )
    return job


async def send_everything(app, timeout: float = 30.0) -> None:
    """Run the sender until nothing is queued or being sent (retries included)."""
    sender, db = app.bot_data["sender"], app.bot_data["services"].db
    async with asyncio.timeout(timeout):
        while await db.fetch_value(
            "SELECT count(*) FROM outbox WHERE state IN ('queued', 'sending')"
        ):
            if not await sender.run_once():
                await asyncio.sleep(0.05)


def people(api, first: int, count: int) -> list[int]:
    """People who have opened a chat with the bot (their /start is not processed)."""
    ids = []
    for n in range(count):
        user = api.make_user(first + n, f"R{n}")
        api.send_message(user, "/start")
        ids.append(user["id"])
    return ids


def bulk_sends(api, text="Building news"):
    return [
        c
        for c in api.calls
        if c.method.lower() == "sendmessage" and c.params.get("text", "").startswith(text)
    ]


async def test_a_bulk_send_keeps_telegrams_limits(limited):
    app, api = await limited(send_rate=25, speed=20)
    residents = people(api, 5000, 10)
    group = api.make_group(-500)["id"]
    jobs = [
        await bulk_job(app, [group, *(residents[(4 * j + k) % 10] for k in range(4))])
        for j in range(25)
    ]
    await send_everything(app)
    services = app.bot_data["services"]
    for job in jobs:
        assert (await services.delivery.report(job)).by_state == {"sent": 5}
        assert (await services.delivery.job_state(job))[0] == "done"
    assert len(bulk_sends(api)) == 125
    assert api.flood.count_429 == 0  # the sandbox enforced Telegram's limits
    assert api.flood.max_calls_in_any_window(seconds=1) <= 30
    assert max(api.flood.max_per_chat_per_second().values()) <= 1
    assert api.flood.max_per_group_per_minute() == {group: 20}  # waited for the minute


async def test_a_reply_goes_before_the_queued_bulk_rows(limited):
    app, api = await limited(send_rate=30, speed=5)
    await bulk_job(app, people(api, 6000, 150))
    asker = api.make_user(6999, "Asker", language_code="en")
    task = asyncio.create_task(app.bot_data["sender"].run())
    try:
        await api.wait_until(lambda: len(bulk_sends(api)) >= 40)
        before = len(bulk_sends(api))
        message = api.send_message(asker, "/help")
        await app.process_update(Update.de_json({"update_id": 1, "message": message}, app.bot))
        reply = next(
            n
            for n, c in enumerate(api.calls)
            if c.method.lower() == "sendmessage" and c.params["chat_id"] == asker["id"]
        )
        overtaken = len(bulk_sends(api)) - before
        bulk_before_reply = sum(1 for c in bulk_sends(api) if api.calls.index(c) < reply)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    # Only the few bulk sends made while /help was being worked out went before its answer;
    # the 100-odd rows still queued went after it.
    assert bulk_before_reply - before <= 3
    assert overtaken < 110
    assert api.flood.max_calls_in_any_window(seconds=1) <= 30


async def test_a_429_holds_every_send_until_retry_after(limited):
    app, api = await limited(send_rate=25, speed=20)
    residents = people(api, 7000, 40)
    job = await bulk_job(app, residents)
    api.add_fault("sendMessage", "retry_after", chat_id=residents[5], retry_after=3)
    await send_everything(app)
    flooded = next(c for c in api.calls if c.status == 429)
    later = [c for c in bulk_sends(api) if c.at > flooded.at]
    assert later and min(c.at for c in later) >= flooded.at + 3
    assert (await app.bot_data["services"].delivery.report(job)).by_state == {"sent": 40}
    retried = [c for c in bulk_sends(api) if c.params["chat_id"] == residents[5]]
    assert [c.status for c in retried] == [429, 200]


async def test_paid_broadcast_is_passed_and_goes_past_30_a_second(limited):
    app, api = await limited(send_rate=200, speed=5, paid_broadcast=True)
    await bulk_job(app, people(api, 8000, 90))
    await send_everything(app)
    sends = bulk_sends(api)
    assert len(sends) == 90 and all(c.params.get("allow_paid_broadcast") for c in sends)
    assert api.flood.max_calls_in_any_window(seconds=1) > 30
    assert max(api.flood.max_per_chat_per_second().values()) <= 1
