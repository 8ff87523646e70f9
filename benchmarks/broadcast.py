"""A broadcast over real sockets: the real ``python -m bot`` process against the sandbox Bot
API server on loopback, with a bare python-telegram-bot bot beside it in the same run.

1. Paced (``BOT_SEND_RATE``, default 25/s), the sandbox enforcing Telegram's flood limits:
   N residents (``BENCH_RECIPIENTS``, default 10,000) get one announcement while five other
   people send ``/help`` every half second between them. Printed beside their goals: the
   achieved rate over the configured rate (first to last bulk send), the most sends in any one
   second (every sending call the sandbox saw, replies included), the most to one chat in a
   second, the 429s, and the p50/p95 time from a ``/help`` update being queued to the bot's
   answer reaching the sandbox.
2. Ceiling, pacing off (``BOT_SEND_RATE=off``), flood limits not enforced: the same engine
   sending to ``BENCH_CEILING_RECIPIENTS`` (default 2,000), and a bare PTB ``send_message``
   loop (``benchmarks/bare_ptb.py``, its own process) sending to the same number of chats of
   the same kind of sandbox; both rates measured by the sandbox, first to last send.

The broadcast starts the way an organiser starts one (``/announce all | ...``, then the
"Send now" button) when the bot has ``/announce``; otherwise the job is written into the
outbox, as a feature's ``start_job`` does (``BENCH_TRIGGER=outbox`` forces that).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks import realhttp
from benchmarks.report import CURRENT, record
from bot.sandbox.core import FakeBotApi
from bot.sandbox.server import SandboxServer

GOAL_RATE_RATIO = 0.95
GOAL_MAX_PER_SECOND = 30
GOAL_HELP_P95 = 1.0
GOAL_CEILING_RATIO = 0.9

ADMIN_ID = 1000
FIRST_RECIPIENT = 100_000
HELPER_IDS = [90_001, 90_002, 90_003, 90_004, 90_005]
HELP_EVERY = 0.5  # seconds between two /help probes (each helper every 2.5 s)
HELP_TIMEOUT = 30.0
TEXT = "Bench broadcast: the water is off on Tuesday from 9 to 12."


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


@dataclass
class PacedResult:
    recipients: int
    trigger: str
    configured_rate: float
    achieved_rate: float
    max_any_second: int
    max_chat_second: int
    count_429: int
    reached: int
    duplicates: int
    states: dict[str, int]
    help_latencies: list[float] = field(default_factory=list)
    help_unanswered: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


def bulk_rate(api: FakeBotApi, chats: set[int]) -> tuple[float, int, float]:
    """Messages per second to ``chats``, first to last successful send: (rate, sends, span)."""
    times = sorted(r.at for r in api.flood.sends(ok_only=True) if r.chat_id in chats)
    if len(times) < 2:
        return 0.0, len(times), 0.0
    span = times[-1] - times[0]
    return ((len(times) - 1) / span if span > 0 else float("inf")), len(times), span


async def probe_help(
    api: FakeBotApi, helper: dict, delay: float, stop: asyncio.Event, result: PacedResult
) -> None:
    """One person sending /help every len(HELPER_IDS) * HELP_EVERY seconds, one at a time."""
    await asyncio.sleep(delay)
    period = len(HELPER_IDS) * HELP_EVERY
    while not stop.is_set():
        began = time.monotonic()
        start = len(api.calls)
        queued = api.clock()
        api.send_message(helper, "/help")
        try:
            call = await api.wait_for_call(
                lambda c: (
                    c.method.lower() == "sendmessage"
                    and c.status == 200
                    and c.params.get("chat_id") == helper["id"]
                ),
                start=start,
                timeout=HELP_TIMEOUT,
            )
            result.help_latencies.append(call.at - queued)
        except TimeoutError:
            result.help_unanswered += 1
        rest = period - (time.monotonic() - began)
        if rest > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), rest)


async def stage(api: FakeBotApi, server: SandboxServer, workdir: Path, n: int, **env: str):
    """Schema, residents in the database and in the sandbox, and the bot's environment."""
    recipients = list(range(FIRST_RECIPIENT, FIRST_RECIPIENT + n))
    bot_env = realhttp.bot_env(api, server, workdir, BOT_ADMIN_IDS=str(ADMIN_ID), **env)
    await asyncio.to_thread(realhttp.migrate, bot_env, workdir)
    db_path = Path(bot_env["BOT_DB_PATH"])
    await asyncio.to_thread(realhttp.seed_residents, db_path, recipients)
    realhttp.register_chats(api, recipients)
    api.make_user(ADMIN_ID, "Admin", language_code="en")
    return recipients, bot_env, db_path


async def paced(n: int, rate: str, mode: str) -> PacedResult:
    api = FakeBotApi(enforce_limits=True)
    async with SandboxServer(api) as server:
        with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
            workdir = Path(tmp)
            recipients, env, db_path = await stage(api, server, workdir, n, BOT_SEND_RATE=rate)
            helpers = [api.make_user(uid, f"Helper {uid}") for uid in HELPER_IDS]
            for helper in helpers:
                api.world.register_user(helper)
            run = realhttp.BotRun(api, env, workdir)
            await run.start()
            start_calls = len(api.calls)
            result = PacedResult(n, mode, float(rate), 0, 0, 0, 0, 0, 0, {})
            stop = asyncio.Event()
            began = time.monotonic()
            try:
                job = await realhttp.start_broadcast(api, db_path, recipients, TEXT, mode, ADMIN_ID)
                probes = [
                    asyncio.create_task(probe_help(api, h, i * HELP_EVERY, stop, result))
                    for i, h in enumerate(helpers)
                ]
                try:
                    result.states = await realhttp.wait_settled(
                        db_path, job, timeout=n / float(rate) * 2 + 120
                    )
                finally:
                    stop.set()
                    await asyncio.gather(*probes)
                result.seconds = time.monotonic() - began
            finally:
                await run.stop()
            chats = set(recipients)
            result.achieved_rate, _, _ = bulk_rate(api, chats)
            result.max_any_second = api.flood.max_calls_in_any_window(seconds=1)
            per_chat = api.flood.max_per_chat_per_second()
            result.max_chat_second = max((per_chat.get(c, 0) for c in chats), default=0)
            result.count_429 = api.flood.count_429
            result.notes = diagnose(api, chats)
            counts = realhttp.text_sends(api, TEXT, start_calls)
            result.reached = sum(1 for c in chats if counts.get(c))
            result.duplicates = sum(counts.get(c, 0) - 1 for c in chats if counts.get(c))
    return result


def diagnose(api: FakeBotApi, chats: set[int]) -> list[str]:
    """Where a limit was passed: the busiest second (bulk vs other sends) and each 429."""
    notes = []
    records = api.flood.sends()
    times = [r.at for r in records]
    worst, start = (0, 0), 0
    for end, at in enumerate(times):
        while at - times[start] >= 1.0:
            start += 1
        if end - start + 1 > worst[0]:
            worst = (end - start + 1, start)
    if worst[0] > GOAL_MAX_PER_SECOND:
        window = records[worst[1] : worst[1] + worst[0]]
        bulk = sum(1 for r in window if r.chat_id in chats)
        notes.append(
            f"busiest second: {worst[0]} sends ({bulk} bulk, {worst[0] - bulk} other), "
            f"{window[0].at - times[0]:.1f} s into the run"
        )
    for r in records:
        if r.status == 429:
            kind = "bulk" if r.chat_id in chats else "reply/other"
            same_chat = [x.at for x in records if x.chat_id == r.chat_id and x.at <= r.at]
            gap = r.at - same_chat[-2] if len(same_chat) > 1 else float("nan")
            notes.append(
                f"429 ({'flood control' if r.flood_limited else 'injected'}) on {r.method} "
                f"to a {kind} chat, {r.at - times[0]:.1f} s into the run, "
                f"{gap:.3f} s after the previous send to that chat"
            )
    return notes


async def engine_ceiling(n: int, mode: str) -> tuple[float, int]:
    api = FakeBotApi(enforce_limits=False)
    async with SandboxServer(api) as server:
        with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
            workdir = Path(tmp)
            recipients, env, db_path = await stage(api, server, workdir, n, BOT_SEND_RATE="off")
            run = realhttp.BotRun(api, env, workdir)
            await run.start()
            try:
                job = await realhttp.start_broadcast(api, db_path, recipients, TEXT, mode, ADMIN_ID)
                await realhttp.wait_settled(db_path, job, timeout=n / 10 + 120)
            finally:
                await run.stop()
            rate, sent, _ = bulk_rate(api, set(recipients))
    return rate, sent


async def bare_ceiling(n: int) -> tuple[float, int]:
    api = FakeBotApi(enforce_limits=False)
    async with SandboxServer(api) as server:
        with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
            recipients = list(range(FIRST_RECIPIENT, FIRST_RECIPIENT + n))
            realhttp.register_chats(api, recipients)
            chats_file = Path(tmp) / "chats.json"
            chats_file.write_text(json.dumps(recipients))
            message_file = Path(tmp) / "message.json"
            message_file.write_text(json.dumps(resident_message(), ensure_ascii=False))
            env = {**os.environ, "PYTHONPATH": str(realhttp.ROOT)}
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "benchmarks.bare_ptb",
                server.base_url,
                api.token,
                str(chats_file),
                str(message_file),
                env=env,
                cwd=tmp,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            _out, err = await proc.communicate()
            if proc.returncode != 0:
                raise RuntimeError(f"the bare PTB bot failed: {err.decode()[-2000:]}")
            rate, sent, _ = bulk_rate(api, set(recipients))
    return rate, sent


def resident_message() -> dict:
    """The message a resident gets from the broadcast (English header, the text, the Got it
    and question buttons), for the bare loop to send the same bytes."""
    from bot import i18n
    from bot.views import announce as views

    with i18n.use_locale("en"):
        [text], _caption = views.resident_parts(1, "Maple Court", TEXT, attachment=False)
        return {"text": text, "keyboard": views.resident_keyboard(1).to_dict()}


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--recipients",
        type=int,
        default=env_int("BENCH_RECIPIENTS", 10_000),
        help="residents in the paced broadcast (env BENCH_RECIPIENTS, default 10000)",
    )
    parser.add_argument(
        "--ceiling-recipients",
        type=int,
        default=env_int("BENCH_CEILING_RECIPIENTS", 2_000),
        help="chats in each ceiling run (env BENCH_CEILING_RECIPIENTS, default 2000)",
    )
    parser.add_argument(
        "--paced-runs",
        type=int,
        default=env_int("BENCH_PACED_RUNS", 3),
        help="paced broadcasts measured (env BENCH_PACED_RUNS, default 3); each figure's median",
    )
    parser.add_argument(
        "--ceiling-runs",
        type=int,
        default=env_int("BENCH_CEILING_RUNS", 3),
        help="engine and bare runs, alternated; each pair's ratio is a run of the figure",
    )
    parser.add_argument(
        "--rate",
        default=os.environ.get("BENCH_SEND_RATE", "25"),
        help="BOT_SEND_RATE of the paced broadcast (env BENCH_SEND_RATE, default 25)",
    )
    parser.add_argument(
        "--trigger",
        choices=("auto", "announce", "outbox"),
        default=os.environ.get("BENCH_TRIGGER", "auto"),
    )
    parser.add_argument("--skip-paced", action="store_true", help="only the ceiling")
    parser.add_argument("--skip-ceiling", action="store_true", help="only the paced broadcast")


def main(args: argparse.Namespace) -> None:
    mode = args.trigger
    if mode == "auto":
        mode = "announce" if realhttp.has_announce() else "outbox"
    how = "/announce + Send now" if mode == "announce" else "an outbox job written to the database"
    if not args.skip_paced:
        print(
            f"Broadcast over real HTTP: `python -m bot` against the sandbox server on loopback, "
            f"{args.recipients} recipients, BOT_SEND_RATE={args.rate}, started by {how}; "
            f"Telegram's flood limits enforced; /help from {len(HELPER_IDS)} people every "
            f"{HELP_EVERY} s meanwhile",
            flush=True,
        )
        for _run in range(args.paced_runs):
            r = asyncio.run(paced(args.recipients, args.rate, mode))
            ratio = r.achieved_rate / r.configured_rate
            p50, p95 = percentile(r.help_latencies, 50), percentile(r.help_latencies, 95)
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
                (
                    "/help latency p50 / p95",
                    f"{p50 * 1000:.0f} ms / {p95 * 1000:.0f} ms",
                    f"p95 < {GOAL_HELP_P95:g} s",
                    verdict(p95 < GOAL_HELP_P95 and not r.help_unanswered),
                ),
                (
                    "most bulk sends to one chat in 1 s",
                    str(r.max_chat_second),
                    "<= 1",
                    verdict(r.max_chat_second <= 1),
                ),
                ("429s from the sandbox", str(r.count_429), "0", verdict(r.count_429 == 0)),
                (
                    "recipients reached / duplicates",
                    f"{r.reached}/{r.recipients} / {r.duplicates}",
                    "all / 0",
                    verdict(r.reached == r.recipients and r.duplicates == 0),
                ),
            ]
            for label, value, goal, mark in rows:
                print(f"  {label:<34} {value:<28} goal {goal:<12} {mark}")
            section = f"broadcast {args.recipients}"
            record(section, "achieved / configured rate", ratio, goal=(">=", GOAL_RATE_RATIO))
            record(
                section, "most sends in any 1 s", r.max_any_second, goal=("<=", GOAL_MAX_PER_SECOND)
            )
            record(
                section,
                "/help p95 during it",
                p95 * 1000,
                unit="ms",
                goal=("<", GOAL_HELP_P95 * 1000),
            )
            record(section, "most bulk sends to one chat in 1 s", r.max_chat_second, goal=("<=", 1))
            record(section, "429s", r.count_429, goal=("==", 0))
            record(section, "recipients not reached", r.recipients - r.reached, goal=("==", 0))
            record(section, "duplicates", r.duplicates, goal=("==", 0))
            print(
                f"  ({len(r.help_latencies)} /help answered, {r.help_unanswered} unanswered; "
                f"outbox {r.states}; {r.seconds:.0f} s in all)",
                flush=True,
            )
            for note in r.notes:
                print(f"  ! {note}", flush=True)
    if not args.skip_ceiling:
        n = args.ceiling_recipients
        print(
            f"Ceiling, pacing off (BOT_SEND_RATE=off), flood limits not enforced: {n} chats, "
            f"the engine vs a bare PTB send_message loop, best of {args.ceiling_runs}",
            flush=True,
        )
        engine, bare = [], []
        for _ in range(args.ceiling_runs):
            engine.append(asyncio.run(engine_ceiling(n, mode))[0])
            bare.append(asyncio.run(bare_ceiling(n))[0])
        for e, b in zip(engine, bare, strict=True):
            record(
                "ceiling",
                "engine / bare PTB send loop",
                e / b if b else 0.0,
                goal=(">=", GOAL_CEILING_RATIO),
                note=f"pacing off, {n} chats, loopback; msg/s engine/bare per run: {{runs}}",
            )
        best_engine, best_bare = max(engine), max(bare)
        ratio = best_engine / best_bare if best_bare else 0.0
        runs = ", ".join(f"{e:.0f}/{b:.0f}" for e, b in zip(engine, bare, strict=True))
        print(f"  {'engine (python -m bot)':<34} {best_engine:8.1f} msg/s")
        print(f"  {'bare PTB send_message loop':<34} {best_bare:8.1f} msg/s")
        print(
            f"  {'engine / bare PTB':<34} {ratio:<28.3f} goal >= {GOAL_CEILING_RATIO:<9} "
            f"{verdict(ratio >= GOAL_CEILING_RATIO)}"
        )
        print(f"  (runs, engine/bare msg/s: {runs})", flush=True)
        figure = CURRENT.figures[("ceiling", "engine / bare PTB send loop")]
        figure.note = figure.note.replace("{runs}", runs)
