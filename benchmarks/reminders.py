"""Event reminders over real sockets: the real ``python -m bot`` process against the sandbox
Bot API server on loopback, its events, answers and reminders written straight into a fresh
database (what ``/newevent``, Publish and Going would have written).

1. Start-up with N scheduled reminders (``BENCH_REMINDERS``, default 10,000: N/2 published
   events with a 24 h and a 1 h reminder each, due over the next week, four Going answers per
   event): the time from the process's start to its first ``getUpdates`` (polling), and the
   process's peak resident memory (``VmHWM`` of ``/proc/<pid>/status``) then and after a few
   ticks, beside the same with no event at all. The median of ``BENCH_STARTUP_RUNS`` (5).
2. M reminders due in the same minute (``BENCH_DUE_REMINDERS``, default 1,000: M events, one
   Going resident each, six languages, every reminder due at the same whole minute), the
   sandbox enforcing Telegram's flood limits: the achieved rate over the configured one
   (``BOT_SEND_RATE``, ``BENCH_SEND_RATE``, default 25), first to last reminder, the most sends
   in any one second, the 429s, everyone reached once, and how late the first and last
   reminder were.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks import realhttp
from benchmarks.broadcast import bulk_rate, env_int, verdict
from benchmarks.report import record
from bot.clock import to_db
from bot.sandbox.core import FakeBotApi
from bot.sandbox.server import SandboxServer

GOAL_START_SECONDS = 2.0
GOAL_RATE_RATIO = 0.95
GOAL_MAX_PER_SECOND = 30

ADMIN_ID = 1000
FIRST_RESIDENT = 300_000
GOING_PER_EVENT = 4
LEADS = (1440, 60)  # BOT_REMINDER_LEADS=24h,1h
SETTLE_TICKS = 3.0  # seconds of ticks before the second memory reading
DUE_AHEAD = 20.0  # at least this long between seeding and the reminders' minute
REMINDER_TEXT = "⏰"
EVENT_AUDIENCE = json.dumps({"buildings": None})


def vm_hwm_kib(pid: int) -> int | None:
    """Peak resident set size of a live process, in KiB (Linux ``/proc``)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def seed_events(
    db_path: Path | str, starts: list[datetime], going: list[list[int]], leads: tuple[int, ...]
) -> int:
    """Published events starting at ``starts``, each with Going answers from ``going[i]`` and
    one pending reminder per lead time (due ``lead`` minutes before the start); returns how
    many reminders were written."""
    db = realhttp.connect(db_path)
    reminders = 0
    try:
        with db:
            for i, (start, people) in enumerate(zip(starts, going, strict=True)):
                event_id = db.execute(
                    "INSERT INTO events (audience, title, place, starts_at, state, created_by) "
                    "VALUES (?, ?, ?, ?, 'published', ?)",
                    (EVENT_AUDIENCE, f"Meeting {i}", "Community room", to_db(start), ADMIN_ID),
                ).lastrowid
                db.executemany(
                    "INSERT INTO event_rsvps (event_id, user_id, answer) VALUES (?, ?, 'going')",
                    [(event_id, uid) for uid in people],
                )
                db.executemany(
                    "INSERT INTO event_reminders (event_id, lead_minutes, due_at) VALUES (?, ?, ?)",
                    [(event_id, lead, to_db(start - timedelta(minutes=lead))) for lead in leads],
                )
                reminders += len(leads)
    finally:
        db.close()
    return reminders


async def staged(api: FakeBotApi, server: SandboxServer, workdir: Path, residents: int, **env):
    """Schema, residents (database and sandbox), and the bot's environment."""
    people = list(range(FIRST_RESIDENT, FIRST_RESIDENT + residents))
    bot_env = realhttp.bot_env(
        api, server, workdir, BOT_ADMIN_IDS=str(ADMIN_ID), BOT_REMINDER_LEADS="24h,1h", **env
    )
    await asyncio.to_thread(realhttp.migrate, bot_env, workdir)
    db_path = Path(bot_env["BOT_DB_PATH"])
    if people:
        await asyncio.to_thread(realhttp.seed_residents, db_path, people)
        realhttp.register_chats(api, people)
    api.make_user(ADMIN_ID, "Admin", language_code="en")
    return people, bot_env, db_path


# ------------------------------------------------------------------------------ 1. start-up
@dataclass
class StartUp:
    reminders: int
    seconds: float
    hwm_at_polling_kib: int
    hwm_after_ticks_kib: int
    sent: int  # messages to residents at start-up (nothing is due: 0)


async def start_up(reminders: int) -> StartUp:
    api = FakeBotApi()
    async with SandboxServer(api) as server:
        with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
            workdir = Path(tmp)
            n_events = reminders // len(LEADS)
            residents = min(2_000, max(GOING_PER_EVENT, n_events)) if n_events else 0
            people, env, db_path = await staged(api, server, workdir, residents)
            now = datetime.now(UTC).replace(microsecond=0)
            week = 7 * 86400 - 2 * 86400
            starts = [now + timedelta(days=2, seconds=(i * 7919) % week) for i in range(n_events)]
            going = [
                [people[(i * GOING_PER_EVENT + k) % len(people)] for k in range(GOING_PER_EVENT)]
                for i in range(n_events)
            ]
            written = await asyncio.to_thread(seed_events, db_path, starts, going, LEADS)
            run = realhttp.BotRun(api, env, workdir)
            began = time.monotonic()
            await run.start()
            seconds = time.monotonic() - began
            try:
                at_polling = vm_hwm_kib(run.proc.pid) or 0
                await asyncio.sleep(SETTLE_TICKS)
                after = vm_hwm_kib(run.proc.pid) or 0
            finally:
                await run.stop()
            chats = set(people)
            sent = sum(1 for r in api.flood.sends(ok_only=True) if r.chat_id in chats)
    return StartUp(written, seconds, at_polling, after, sent)


# ------------------------------------------------------------------------------ 2. one minute
@dataclass
class Burst:
    reminders: int
    configured_rate: float
    achieved_rate: float
    max_any_second: int
    count_429: int
    reached: int
    duplicates: int
    first_late: float  # seconds from the due minute to the first reminder sent
    last_late: float  # ... to the last
    ideal: float  # reminders / rate: the last one's lateness at exactly the configured rate


async def burst(n: int, rate: str) -> Burst:
    api = FakeBotApi(enforce_limits=True)
    api.clock = time.time  # sends on the wall clock, comparable with the due time
    async with SandboxServer(api) as server:
        with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
            workdir = Path(tmp)
            people, env, db_path = await staged(api, server, workdir, n, BOT_SEND_RATE=rate)
            due = datetime.fromtimestamp((int(time.time() + DUE_AHEAD) // 60 + 1) * 60, UTC)
            lead = LEADS[-1]
            starts = [due + timedelta(minutes=lead)] * n
            await asyncio.to_thread(seed_events, db_path, starts, [[p] for p in people], (lead,))
            run = realhttp.BotRun(api, env, workdir)
            await run.start()
            try:
                chats = set(people)

                def reminded() -> int:
                    return sum(1 for c in realhttp.text_sends(api, REMINDER_TEXT) if c in chats)

                timeout = due.timestamp() - time.time() + n / float(rate) * 2 + 60
                done = await api.wait_until(lambda: reminded() >= n, timeout=timeout)
                if done:  # room for a duplicate to show
                    await api.wait_until(lambda: False, timeout=3.0)
            finally:
                await run.stop()
    counts = realhttp.text_sends(api, REMINDER_TEXT)
    times = sorted(r.at for r in api.flood.sends(ok_only=True) if r.chat_id in chats)
    achieved, _, _ = bulk_rate(api, chats)
    return Burst(
        reminders=n,
        configured_rate=float(rate),
        achieved_rate=achieved,
        max_any_second=api.flood.max_calls_in_any_window(seconds=1),
        count_429=api.flood.count_429,
        reached=sum(1 for c in chats if counts.get(c)),
        duplicates=sum(counts[c] - 1 for c in chats if counts.get(c)),
        first_late=times[0] - due.timestamp() if times else float("nan"),
        last_late=times[-1] - due.timestamp() if times else float("nan"),
        ideal=n / float(rate),
    )


# ------------------------------------------------------------------------------ the report
def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--reminders",
        type=int,
        default=env_int("BENCH_REMINDERS", 10_000),
        help="scheduled reminders at start-up (env BENCH_REMINDERS, default 10000)",
    )
    parser.add_argument(
        "--due-reminders",
        type=int,
        default=env_int("BENCH_DUE_REMINDERS", 1_000),
        help="reminders due in the same minute (env BENCH_DUE_REMINDERS, default 1000)",
    )
    parser.add_argument(
        "--burst-runs",
        type=int,
        default=env_int("BENCH_BURST_RUNS", 3),
        help="bursts of due reminders measured (env BENCH_BURST_RUNS, default 3)",
    )
    parser.add_argument(
        "--startup-runs",
        type=int,
        default=env_int("BENCH_STARTUP_RUNS", 5),
        help="start-ups measured with and without reminders, alternated (env "
        "BENCH_STARTUP_RUNS, default 5); the median is compared with the goal",
    )


def mib(kib: float) -> str:
    return f"{kib / 1024:.0f} MiB"


def main(args: argparse.Namespace) -> None:
    rate = getattr(args, "rate", None) or os.environ.get("BENCH_SEND_RATE", "25")
    runs = max(1, args.startup_runs)
    print(
        f"Reminders over real HTTP: `python -m bot` against the sandbox server on loopback; "
        f"start-up with {args.reminders} scheduled reminders ({args.reminders // len(LEADS)} "
        f"events, {GOING_PER_EVENT} going each, due over the next week) vs none, "
        f"median of {runs}",
        flush=True,
    )
    loaded: list[StartUp] = []
    empty: list[StartUp] = []
    for _ in range(runs):
        loaded.append(asyncio.run(start_up(args.reminders)))
        empty.append(asyncio.run(start_up(0)))
        record(
            "reminders",
            f"start to polling, {loaded[-1].reminders} reminders",
            loaded[-1].seconds,
            unit="s",
            goal=("<", GOAL_START_SECONDS),
        )
        record("reminders", "start to polling, none", empty[-1].seconds, unit="s")
        record(
            "reminders", "peak RSS after ticks", loaded[-1].hwm_after_ticks_kib / 1024, unit="MiB"
        )
        record("reminders", "reminders sent at start-up", loaded[-1].sent, goal=("==", 0))

    def median(values) -> float:
        return statistics.median(list(values))

    seconds = median(r.seconds for r in loaded)
    base = median(r.seconds for r in empty)
    best, best_base = min(r.seconds for r in loaded), min(r.seconds for r in empty)
    rows = [
        (
            f"start to polling, {loaded[0].reminders} reminders",
            f"{seconds:.2f} s (none: {base:.2f} s)",
            f"< {GOAL_START_SECONDS:g} s",
            verdict(seconds < GOAL_START_SECONDS),
        ),
        (
            "peak RSS (VmHWM) at polling",
            f"{mib(median(r.hwm_at_polling_kib for r in loaded))} "
            f"(none: {mib(median(r.hwm_at_polling_kib for r in empty))})",
            "report",
            "",
        ),
        (
            f"peak RSS after {SETTLE_TICKS:g} s of ticks",
            f"{mib(median(r.hwm_after_ticks_kib for r in loaded))} "
            f"(none: {mib(median(r.hwm_after_ticks_kib for r in empty))})",
            "report",
            "",
        ),
        (
            "reminders sent at start-up (none due)",
            str(sum(r.sent for r in loaded)),
            "0",
            verdict(not any(r.sent for r in loaded)),
        ),
    ]
    for label, value, goal, mark in rows:
        print(f"  {label:<40} {value:<28} goal {goal:<8} {mark}")
    print(
        f"  (best {best:.2f} s, none {best_base:.2f} s; runs, s: "
        f"{', '.join(f'{r.seconds:.2f}' for r in loaded)}; "
        f"none: {', '.join(f'{r.seconds:.2f}' for r in empty)})",
        flush=True,
    )

    n = args.due_reminders
    print(
        f"{n} reminders due in the same minute ({n} events, one going resident each, six "
        f"languages), BOT_SEND_RATE={rate}, Telegram's flood limits enforced",
        flush=True,
    )
    for _run in range(args.burst_runs):
        r = asyncio.run(burst(n, rate))
        section = f"reminders {n} due"
        record(
            section,
            "achieved / configured rate",
            r.achieved_rate / r.configured_rate,
            goal=(">=", GOAL_RATE_RATIO),
        )
        record(section, "most sends in any 1 s", r.max_any_second, goal=("<=", GOAL_MAX_PER_SECOND))
        record(section, "429s", r.count_429, goal=("==", 0))
        record(section, "not reminded", r.reminders - r.reached, goal=("==", 0))
        record(section, "duplicates", r.duplicates, goal=("==", 0))
        record(section, "first reminder after its minute", r.first_late, unit="s", goal=("<", 2.0))
        ratio = r.achieved_rate / r.configured_rate
        rows = [
            (
                "achieved / configured rate",
                f"{r.achieved_rate:.2f}/{r.configured_rate:g} = {ratio:.3f}",
                f">= {GOAL_RATE_RATIO}",
                verdict(ratio >= GOAL_RATE_RATIO),
            ),
            (
                "most sends in any 1 s window",
                str(r.max_any_second),
                f"<= {GOAL_MAX_PER_SECOND}",
                verdict(r.max_any_second <= GOAL_MAX_PER_SECOND),
            ),
            ("429s from the sandbox", str(r.count_429), "0", verdict(r.count_429 == 0)),
            (
                "residents reminded / duplicates",
                f"{r.reached}/{r.reminders} / {r.duplicates}",
                "all / 0",
                verdict(r.reached == r.reminders and r.duplicates == 0),
            ),
            (
                "first / last reminder after the minute",
                f"{r.first_late:.2f} s / {r.last_late:.1f} s",
                f"~{r.ideal:.0f} s",
                "",
            ),
        ]
        for label, value, goal, mark in rows:
            print(f"  {label:<40} {value:<28} goal {goal:<8} {mark}")
    print("", flush=True)
