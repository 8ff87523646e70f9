"""Start-up and memory of a community that has lived a while: the real ``python -m bot``
process against the sandbox server, its database holding ``BENCH_STARTUP_RESIDENTS`` (10,000)
approved residents, 200 published events with their Going answers and 10,000 pending reminder
messages (200 events x 25 Going x 2 lead times), and a finished broadcast to every resident
(10,000 outbox rows, sent).

Measured: the time from the process's start to its first ``getUpdates`` (goal < 2 s), its
resident memory (``VmRSS``) at polling, after a warm-up of 2,000 updates and after 10,000
(``/help`` and ``/start`` from the residents, answered as fast as the bot can), and the growth
between the last two (no growth after warm-up: goal < 10 MiB). Goal for memory: < 150 MiB.
The warm-up includes the bot's own: the charts load in the background ``CHARTS_WARM_AFTER``
seconds after start-up, so the warm reading waits for that too (``WARM_SETTLE`` more seconds)
when 2,000 updates came sooner.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks import realhttp
from benchmarks.broadcast import env_int
from benchmarks.reminders import LEADS, seed_events
from benchmarks.report import record
from bot.app import CHARTS_WARM_AFTER
from bot.sandbox.core import FakeBotApi
from bot.sandbox.server import SandboxServer

GOAL_START_SECONDS = 2.0
GOAL_RSS_MIB = 150
GOAL_GROWTH_MIB = 10
ADMIN_ID = 1000
FIRST = 500_000
EVENTS = 200
GOING = 25
WARM_UP = 2_000
WARM_SETTLE = 10.0  # seconds after the charts' warm-up starts: it has loaded by then
BATCH = 200  # updates queued at once, then answered, then the next batch


def vm_rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def finished_broadcast(db_path: Path, chat_ids: list[int]) -> None:
    job = realhttp.queue_outbox_job(db_path, chat_ids, "An old announcement, long delivered.")
    db = realhttp.connect(db_path)
    try:
        with db:
            db.execute("UPDATE outbox SET state = 'sent' WHERE job_id = ?", (job,))
            db.execute("UPDATE outbox_jobs SET state = 'done' WHERE id = ?", (job,))
    finally:
        db.close()


async def answered(api: FakeBotApi, start: int, chats: set[int], timeout: float = 120) -> None:
    """Wait until every chat in ``chats`` got a message from call ``start`` on."""
    waiting = set(chats)
    index = start
    deadline = time.monotonic() + timeout
    while waiting:
        calls = api.calls
        while index < len(calls):
            call = calls[index]
            index += 1
            if call.method.lower() == "sendmessage" and call.ok:
                waiting.discard(call.params.get("chat_id"))
        if time.monotonic() > deadline:
            raise TimeoutError(f"{len(waiting)} updates unanswered")
        await asyncio.sleep(0.01)


async def one_run(residents: int, updates: int) -> dict:
    api = FakeBotApi(enforce_limits=False)
    async with SandboxServer(api) as server:
        with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
            workdir = Path(tmp)
            ids = list(range(FIRST, FIRST + residents))
            env = realhttp.bot_env(
                api,
                server,
                workdir,
                BOT_ADMIN_IDS=str(ADMIN_ID),
                BOT_SEND_RATE="off",
                BOT_REMINDER_LEADS="24h,1h",
            )
            await asyncio.to_thread(realhttp.migrate, env, workdir)
            db_path = Path(env["BOT_DB_PATH"])
            await asyncio.to_thread(realhttp.seed_residents, db_path, ids)
            realhttp.register_chats(api, ids)
            now = datetime.now(UTC).replace(microsecond=0)
            starts = [now + timedelta(days=2, hours=i % 120) for i in range(EVENTS)]
            going = [[ids[(i * GOING + k) % len(ids)] for k in range(GOING)] for i in range(EVENTS)]
            await asyncio.to_thread(seed_events, db_path, starts, going, LEADS)
            await asyncio.to_thread(finished_broadcast, db_path, ids)
            run = realhttp.BotRun(api, env, workdir)
            began = time.monotonic()
            await run.start()
            seconds = time.monotonic() - began
            try:
                pid = run.proc.pid
                figures = {"seconds": seconds, "rss_start": vm_rss_mib(pid)}
                users = [api.world.users[i] for i in ids]
                done = 0
                while done < updates:
                    batch = users[(done % len(users)) : (done % len(users)) + BATCH]
                    start = len(api.calls)
                    for n, user in enumerate(batch):
                        api.send_message(user, "/help" if n % 2 else "/start")
                    await answered(api, start, {u["id"] for u in batch})
                    done += len(batch)
                    if done == WARM_UP:
                        warm = began + CHARTS_WARM_AFTER + WARM_SETTLE
                        await asyncio.sleep(max(0.0, warm - time.monotonic()))
                        figures["rss_warm"] = vm_rss_mib(pid)
                figures["rss_end"] = vm_rss_mib(pid)
            finally:
                await run.stop()
    return figures


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--startup-residents",
        type=int,
        default=env_int("BENCH_STARTUP_RESIDENTS", 10_000),
        help="residents in the database (BENCH_STARTUP_RESIDENTS, default 10000)",
    )
    parser.add_argument(
        "--startup-updates",
        type=int,
        default=env_int("BENCH_STARTUP_UPDATES", 10_000),
        help="updates handled before the last memory reading (default 10000)",
    )
    parser.add_argument(
        "--lived-runs",
        type=int,
        default=env_int("BENCH_LIVED_RUNS", 3),
        help="runs (BENCH_LIVED_RUNS, default 3)",
    )


def main(args: argparse.Namespace) -> None:
    n, updates = args.startup_residents, args.startup_updates
    print(
        f"A community that has lived a while: {n} residents, {EVENTS} events, "
        f"{EVENTS * GOING * len(LEADS)} pending reminder messages, a finished {n}-recipient "
        f"broadcast; then {updates} updates",
        flush=True,
    )
    for _ in range(args.lived_runs):
        f = asyncio.run(one_run(n, updates))
        section = "lived-in"
        record(section, "start to polling", f["seconds"], unit="s", goal=("<", GOAL_START_SECONDS))
        record(section, "RSS at polling", f["rss_start"], unit="MiB", goal=("<", GOAL_RSS_MIB))
        record(
            section,
            f"RSS after {updates} updates",
            f["rss_end"],
            unit="MiB",
            goal=("<", GOAL_RSS_MIB),
        )
        growth = f["rss_end"] - f.get("rss_warm", f["rss_start"])
        record(
            section,
            f"RSS growth after {WARM_UP} updates",
            growth,
            unit="MiB",
            goal=("<", GOAL_GROWTH_MIB),
        )
        print(
            f"  start {f['seconds']:.2f} s, RSS {f['rss_start']:.0f} -> "
            f"{f.get('rss_warm', float('nan')):.0f} -> {f['rss_end']:.0f} MiB",
            flush=True,
        )
