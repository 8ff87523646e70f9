"""Broadcasts through the real process over real HTTP: Telegram's limits, its errors (429, 403,
400, migrate, 5xx) injected by the sandbox, resume after ``kill -9`` in the middle of a
2,000-recipient send, and replayed updates. Counts and order only: the speed is measured by
``make bench`` (``benchmarks/broadcast.py``), never asserted here."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import pytest

from benchmarks import realhttp
from bot.handlers.sender import BATCH
from bot.sandbox.server import SandboxServer
from tests.e2e.conftest import BotProcess
from tests.support import ADMIN_ID

pytestmark = pytest.mark.e2e

FIRST = 200_000
TEXT = "Broadcast test: the laundry room reopens on Friday."
# /announce when the bot has it; else the job a feature's start_job writes, into the outbox
MODE = "announce" if realhttp.has_announce() else "outbox"
QUIET = {"BOT_APPROVAL_THRESHOLD": "0", "BOT_QUIET_HOURS": ""}


async def staged(sandbox, tmp_path: Path, n: int, **env: str):
    """A bot process (not started) with ``n`` approved residents, known to the sandbox."""
    api, server = sandbox
    process = BotProcess(api, server, tmp_path, **QUIET, **env)
    recipients = list(range(FIRST, FIRST + n))
    await asyncio.to_thread(realhttp.migrate, process.env, tmp_path)
    await asyncio.to_thread(realhttp.seed_residents, tmp_path / "bot.sqlite3", recipients)
    realhttp.register_chats(api, recipients)
    api.make_user(ADMIN_ID, "Admin", language_code="en")
    return process, recipients


def db_rows(tmp_path: Path, sql: str, params: tuple = ()) -> list[tuple]:
    db = realhttp.connect(tmp_path / "bot.sqlite3")
    try:
        return db.execute(sql, params).fetchall()
    finally:
        db.close()


def reached(api, recipients: list[int]) -> int:
    counts = realhttp.text_sends(api, TEXT)
    return sum(1 for c in recipients if counts.get(c))


def sends_of(api, text: str, chat_id: int) -> list:
    return [
        c
        for c in api.calls
        if c.method.lower() == "sendmessage"
        and c.params.get("chat_id") == chat_id
        and text in str(c.params.get("text", ""))
    ]


async def test_kill_9_in_the_middle_of_a_2000_send_skips_no_one(sandbox, tmp_path):
    api, _ = sandbox
    process, recipients = await staged(sandbox, tmp_path, 2000, BOT_SEND_RATE="off")
    await process.start()
    job = await realhttp.start_broadcast(
        api, tmp_path / "bot.sqlite3", recipients, TEXT, MODE, ADMIN_ID
    )
    assert await api.wait_until(lambda: reached(api, recipients) >= 300, timeout=60)
    await process.stop(signal.SIGKILL)
    assert reached(api, recipients) < len(recipients), "killed too late: the send was over"

    await process.start()
    states = await realhttp.wait_settled(tmp_path / "bot.sqlite3", job, timeout=150)
    assert states == {"sent": len(recipients)}
    counts = realhttp.text_sends(api, TEXT)
    assert [c for c in recipients if not counts.get(c)] == []
    duplicates = sum(counts[c] - 1 for c in recipients)
    assert duplicates <= BATCH  # at most the rows claimed but not yet settled at the kill
    await process.stop()


async def test_the_limits_hold_during_a_paced_broadcast(sandbox, tmp_path):
    api, _ = sandbox
    api.enforce_limits = True  # Telegram's flood limits: a send over them is a 429
    process, recipients = await staged(sandbox, tmp_path, 150, BOT_SEND_RATE="25")
    helper = api.make_user(ADMIN_ID + 1, "Helper")
    await process.start()
    job = await realhttp.start_broadcast(
        api, tmp_path / "bot.sqlite3", recipients, TEXT, MODE, ADMIN_ID
    )
    for _ in range(3):  # a person is answered meanwhile
        reply = await process.reply_to(helper, "/help", timeout=15)
        assert "/privacy" in reply["text"]
        await asyncio.sleep(1.0)
    assert await realhttp.wait_settled(tmp_path / "bot.sqlite3", job, timeout=60) == {
        "sent": len(recipients)
    }
    await process.stop()
    assert api.flood.count_429 == 0
    assert api.flood.max_calls_in_any_window(seconds=1) <= 30
    per_chat = api.flood.max_per_chat_per_second()
    assert max(per_chat[c] for c in recipients) <= 1  # bulk: one a second into a chat
    counts = realhttp.text_sends(api, TEXT)
    assert all(counts.get(c) == 1 for c in recipients)


async def test_telegram_errors_during_a_send_follow_the_rules(sandbox, tmp_path):
    api, _ = sandbox
    process, recipients = await staged(sandbox, tmp_path, 8, BOT_SEND_RATE="off")
    flooded, blocked, gone, flaky, *fine = recipients
    old_group, new_group = -4001, -1004001
    api.make_group(old_group, "Maple Court (old group)")
    api.make_group(new_group, "Maple Court")
    api.add_fault("sendMessage", "retry_after", chat_id=flooded, retry_after=2)
    api.block_bot(blocked)
    api.add_fault("sendMessage", "chat_not_found", chat_id=gone)
    api.add_fault("sendMessage", "server_error", chat_id=flaky)
    api.add_fault("sendMessage", "migrate", chat_id=old_group, migrate_to_chat_id=new_group)
    await process.start()
    db_path = tmp_path / "bot.sqlite3"
    # The 429 first, alone: sends already in flight when it comes back cannot be held (the
    # sender sends a batch concurrently), every send started after it can.
    first = await asyncio.to_thread(realhttp.queue_outbox_job, db_path, [flooded], TEXT)
    flood = await api.wait_for_call(lambda c: c.status == 429, timeout=15)
    helper = api.make_user(ADMIN_ID + 1, "Helper")
    api.send_message(helper, "/help")  # a reply waits too
    job = await asyncio.to_thread(
        realhttp.queue_outbox_job, db_path, [*recipients[1:], old_group], TEXT
    )
    assert await realhttp.wait_settled(db_path, first, timeout=30) == {"sent": 1}
    states = await realhttp.wait_settled(db_path, job, timeout=40)
    await process.stop()
    assert states == {"sent": 6, "unreachable": 1, "failed": 1}

    # 429 retry_after=2: nothing at all is sent before 2 s have passed, then the row is retried
    after = [c for c in api.calls if c.method.lower() == "sendmessage" and c.at > flood.at]
    assert any(c.params.get("chat_id") == helper["id"] for c in after)
    assert len(after) == 12 and all(c.at - flood.at >= 2.0 for c in after)  # 8 + 3 retries + 1
    assert [c.status for c in sends_of(api, TEXT, flooded)] == [429, 200]
    # 403: unreachable, not retried, and the person is marked so
    assert [c.status for c in sends_of(api, TEXT, blocked)] == [403]
    assert db_rows(tmp_path, "SELECT unreachable_since IS NOT NULL FROM users WHERE id = ?",
                   (blocked,)) == [(1,)]  # fmt: skip
    # 400 chat not found: failed, not retried
    assert [c.status for c in sends_of(api, TEXT, gone)] == [400]
    # 5xx: retried later, then sent
    assert [c.status for c in sends_of(api, TEXT, flaky)] == [500, 200]
    # migrate: retried in the new chat, which the row now names
    assert [c.status for c in sends_of(api, TEXT, old_group)] == [400]
    assert [c.status for c in sends_of(api, TEXT, new_group)] == [200]
    rows = dict(db_rows(tmp_path, "SELECT chat_id, state FROM outbox WHERE job_id IN (?, ?)",
                        (first, job)))  # fmt: skip
    assert rows[new_group] == "sent" and old_group not in rows
    assert rows[flooded] == rows[flaky] == "sent"
    assert rows[blocked] == "unreachable" and rows[gone] == "failed"
    assert all(rows[c] == "sent" for c in fine)


@pytest.mark.skipif(MODE != "announce", reason="needs /announce (the announcements feature)")
async def test_replayed_announce_and_send_now_start_one_broadcast(sandbox, tmp_path):
    api, _ = sandbox
    process, recipients = await staged(sandbox, tmp_path, 20, BOT_SEND_RATE="off")
    db_path = tmp_path / "bot.sqlite3"
    await process.start()
    admin = api.make_user(ADMIN_ID, "Admin", language_code="en")
    announce_update, preview = await realhttp.announce(api, admin, TEXT)
    press_update = api.press_button(admin, preview, realhttp.send_now_data(preview))
    job = None
    while job is None:
        job = await asyncio.to_thread(realhttp.latest_job, db_path)
        await asyncio.sleep(0.1)
    await realhttp.wait_settled(db_path, job, timeout=30)
    await process.stop(signal.SIGKILL)

    # Telegram re-delivers both updates (same update_id) to the restarted bot
    await process.start()
    start = len(api.calls)
    api.inject_update(announce_update)
    api.inject_update(press_update)
    assert await api.wait_until(
        lambda: api.max_delivered_update_id >= press_update["update_id"], timeout=15
    )
    await process.reply_to(admin, "/help")  # the bot got past the replays
    await asyncio.sleep(1.0)
    await process.stop()

    assert db_rows(tmp_path, "SELECT count(*) FROM announcements") == [(1,)]
    assert db_rows(tmp_path, "SELECT count(*) FROM outbox_jobs WHERE kind = 'announcement'") == [
        (1,)
    ]
    counts = realhttp.text_sends(api, TEXT)
    assert all(counts.get(c) == 1 for c in recipients)
    new_previews = [
        c
        for c in api.calls[start:]
        if c.ok and isinstance(c.result, dict) and realhttp.send_now_data(c.result)
    ]
    assert new_previews == []


async def test_rows_caught_by_a_network_outage_are_retried_later(sandbox, tmp_path):
    api, server = sandbox
    process, recipients = await staged(sandbox, tmp_path, 120, BOT_SEND_RATE="20")
    await process.start()
    db_path = tmp_path / "bot.sqlite3"
    job = await asyncio.to_thread(realhttp.queue_outbox_job, db_path, recipients, TEXT)
    assert await api.wait_until(lambda: reached(api, recipients) >= 20, timeout=30)
    await server.stop()  # connection refused: a network error for every send meanwhile
    await asyncio.sleep(1.5)
    revived = SandboxServer(api, port=server.port)
    await revived.start()
    try:
        states = await realhttp.wait_settled(db_path, job, timeout=60)
        await process.stop()
    finally:
        await revived.stop()
    assert states == {"sent": len(recipients)}
    counts = realhttp.text_sends(api, TEXT)
    assert all(counts.get(c) == 1 for c in recipients)
    # the sends the outage refused were settled as network errors and retried later
    refused = db_rows(
        tmp_path, "SELECT count(*) FROM outbox WHERE job_id = ? AND attempts > 1", (job,)
    )
    assert refused[0][0] >= 1
