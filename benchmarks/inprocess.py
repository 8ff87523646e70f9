"""Throughput of the real Application against the in-process sandbox Bot API.

Two figures, each with its ratio to Telegram's limits (about 30 messages per second overall
for a bot, 1 per second in one chat):

1. processing capacity: how many resident updates per second the bot can handle (command
   parsing, locale lookup in SQLite, rendering in the resident's language, sending), with the
   rate limiter off — the headroom we have over what Telegram lets us send;
2. delivered rate: the same with the production rate limiter on — it must stay at or just
   under Telegram's 30 messages per second, and never trigger a 429 from the sandbox, which
   enforces Telegram's flood limits here.

Run: ``make bench`` (or ``python -m benchmarks inprocess --updates 600``).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import statistics
import tempfile
import time
from pathlib import Path

from telegram import Update
from telegram.ext import Application

from benchmarks.report import record
from bot import app as bot_app
from bot.config import Config
from bot.sandbox.core import FakeBotApi
from bot.sandbox.request import SandboxRequest

TELEGRAM_OVERALL_PER_SECOND = 30
LOCALES_BY_PHONE = ["en", "es-MX", "fr", "ar", "zh-CN", "vi"]


async def build(api: FakeBotApi, db_path: Path, *, rate_limited: bool) -> Application:
    config = Config(token=api.token, db_path=db_path)
    application = bot_app.build_application(
        config, request=SandboxRequest(api), rate_limited=rate_limited
    )
    await application.initialize()
    await application.post_init(application)
    return application


async def drive(application: Application, api: FakeBotApi, updates: int, users: int) -> float:
    people = [
        api.make_user(10_000 + i, f"Resident {i}", language_code=LOCALES_BY_PHONE[i % 6])
        for i in range(users)
    ]
    ids = itertools.count(1)
    payloads = []
    for i in range(updates):
        message = api.send_message(people[i % users], "/help")
        update = {"update_id": next(ids), "message": message}
        payloads.append(Update.de_json(update, application.bot))
    semaphore = asyncio.Semaphore(bot_app.CONCURRENT_UPDATES)

    async def one(update: Update) -> None:
        async with semaphore:
            await application.process_update(update)

    start = time.perf_counter()
    await asyncio.gather(*(one(u) for u in payloads))
    return time.perf_counter() - start


async def measure(updates: int, users: int, *, rate_limited: bool) -> tuple[float, int, int]:
    # Telegram's flood limits are enforced by the sandbox only when the bot claims to respect
    # them; raw capacity is measured without them.
    api = FakeBotApi(enforce_limits=rate_limited)
    with tempfile.TemporaryDirectory() as tmp:
        application = await build(api, Path(tmp) / "bench.sqlite3", rate_limited=rate_limited)
        start_calls = len(api.calls)
        try:
            elapsed = await drive(application, api, updates, users)
        finally:
            await application.post_shutdown(application)
            await application.shutdown()
        sent = [c for c in api.calls[start_calls:] if c.method.lower() == "sendmessage"]
        ok = sum(1 for c in sent if c.status == 200)
        flood = sum(1 for c in sent if c.status == 429)
    return elapsed, ok, flood


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--updates", type=int, default=600)
    parser.add_argument("--users", type=int, default=600, help="distinct residents")
    parser.add_argument("--runs", type=int, default=3)


def main(args: argparse.Namespace) -> None:
    print(
        f"Common Ground benchmark: {args.updates} '/help' updates from {args.users} residents "
        f"in six languages, {args.runs} runs, median shown"
    )
    for rate_limited, label in (
        (False, "processing capacity (rate limiter off)"),
        (True, "delivered rate (production rate limiter on)"),
    ):
        rates, floods = [], []
        for _ in range(args.runs):
            elapsed, ok, flood = asyncio.run(
                measure(args.updates, args.users, rate_limited=rate_limited)
            )
            rates.append(ok / elapsed)
            floods.append(flood)
            name = "replies/s, limiter off" if not rate_limited else "replies/s / Telegram's 30"
            value = ok / elapsed if not rate_limited else ok / elapsed / TELEGRAM_OVERALL_PER_SECOND
            record("inprocess", name, value, goal=None if not rate_limited else ("<=", 1.0))
            if rate_limited:
                record("inprocess", "429s, limiter on", flood, goal=("==", 0))
        rate = statistics.median(rates)
        print(
            f"  {label:<46} {rate:8.1f} replies/s   "
            f"{rate / TELEGRAM_OVERALL_PER_SECOND:5.2f}x Telegram's {TELEGRAM_OVERALL_PER_SECOND}/s"
            f"   429s from the sandbox: {max(floods)}"
        )
