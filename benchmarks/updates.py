"""Updates, end to end: the real ``python -m bot`` process against the sandbox server over
loopback, real SQLite writes, residents doing what residents do, and a bare python-telegram-bot
bot (``benchmarks/bare_ptb_bot.py``: one handler, one aiosqlite write) given the very same
updates against the same kind of sandbox, in the same run.

``BENCH_UPDATE_RESIDENTS`` (default 1,000) distinct residents, approved, each in their own
language, each with an event post and a poll from an organiser in their chat. Then, in rounds,
every resident at once:

- ``/start``                          (answered with a message),
- the language button pressed again   (a write, an edit and an answer),
- ✅ Going on the event post           (the RSVP written, the counts queued for every copy),
- an answer to the poll               (the answer written; Telegram expects no reply).

Figures per round and overall: updates/s (first update queued to the last one handled: its
answer reaching the sandbox, or its poll answer in the database) and, from a second, paced
pass of the same mix at ``BENCH_PACED_RATE`` updates/s (default 40, below both bots'
capacity, so no update waits behind a queue), p50/p99 from an update being queued to its
answer. Goals: >= 0.8 of the bare bot's updates/s; p99 < 50 ms. Sends are not paced in either
bot (``BOT_SEND_RATE=off``, flood limits off): this measures handling, not Telegram's limits.

``BENCH_LOG=FILE`` keeps our bot's log there. ``BENCH_QUERIES=1`` also counts the SQL
statements per update kind (in process, through the same handlers), the top per-update cost.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks import realhttp
from benchmarks.report import record
from bot.sandbox.core import FakeBotApi
from bot.sandbox.server import SandboxServer

GOAL_RATIO = 0.8
GOAL_P99 = 0.050
ADMIN_ID = 1000
FIRST = 300_000
KINDS = tuple(os.environ.get("BENCH_UPDATE_KINDS", "start,language,rsvp,poll").split(","))
ROUND_TIMEOUT = 180.0


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


@dataclass
class Round:
    kind: str
    updates: int
    seconds: float
    calls: int = 0  # Bot API calls the bot made meanwhile (its answers and what it sent)

    @property
    def rate(self) -> float:
        return self.updates / self.seconds if self.seconds > 0 else 0.0


@dataclass
class BotFigures:
    name: str
    rounds: list[Round] = field(default_factory=list)
    latencies: dict[str, list[float]] = field(default_factory=dict)
    missing: int = 0

    @property
    def rate(self) -> float:
        updates = sum(r.updates for r in self.rounds)
        seconds = sum(r.seconds for r in self.rounds)
        return updates / seconds if seconds > 0 else 0.0

    def percentile(self, q: float, kind: str | None = None) -> float:
        values = sorted(v for k, vs in self.latencies.items() if kind in (None, k) for v in vs)
        if not values:
            return float("nan")
        return values[min(len(values) - 1, int(q * len(values)))]


# ------------------------------------------------------------------------------ the mix
@dataclass
class Resident:
    user: dict
    locale: str
    language_message: dict | int = 0  # the bot's language chooser (or a made-up id)
    post: dict | int = 0  # the event post
    poll_id: str = ""


class Mix:
    """What each resident does, and how we know the bot has handled it."""

    def __init__(self, api: FakeBotApi, residents: list[Resident], data: dict[str, object]):
        self.api = api
        self.residents = residents
        self.data = data  # "language": callable(resident) -> str, "rsvp": str, "poll": [0]

    def send(self, kind: str, resident: Resident) -> tuple[float, object]:
        """Queue one update; returns when, and the key its answer carries."""
        api, at = self.api, self.api.clock()
        if kind == "start":
            api.send_message(resident.user, "/start")
            return at, ("chat", resident.user["id"])
        if kind == "language":
            update = api.press_button(
                resident.user, resident.language_message, self.data["language"](resident)
            )
            return at, ("query", update["callback_query"]["id"])
        if kind == "rsvp":
            update = api.press_button(resident.user, resident.post, self.data["rsvp"])
            return at, ("query", update["callback_query"]["id"])
        api.answer_poll(resident.user, resident.poll_id, [resident.user["id"] % 2])
        return at, ("poll", resident.user["id"])


def answer_key(call) -> tuple | None:
    method = call.method.lower()
    if method == "answercallbackquery":
        return ("query", str(call.params.get("callback_query_id")))
    if method == "sendmessage" and call.ok:
        return ("chat", call.params.get("chat_id"))
    return None


class Answers:
    """Follows the sandbox's record of calls: when each awaited answer arrived."""

    def __init__(self, api: FakeBotApi) -> None:
        self.api = api
        self.index = len(api.calls)
        self.at: dict[tuple, float] = {}

    def scan(self) -> None:
        calls = self.api.calls
        while self.index < len(calls):
            call = calls[self.index]
            self.index += 1
            key = answer_key(call)
            if key is not None and key not in self.at:
                self.at[key] = call.at


def poll_answers(db_path: Path, counter: str) -> int:
    db = sqlite3.connect(db_path, timeout=30)
    try:
        return db.execute(counter).fetchone()[0]
    finally:
        db.close()


async def run_round(
    mix: Mix, kind: str, db_path: Path, counter: str, *, rate: float | None
) -> tuple[Round, list[float], int]:
    """Every resident does ``kind`` (all at once, or ``rate`` a second); (round, latencies of
    answered updates, how many never were handled within the timeout)."""
    answers = Answers(mix.api)
    calls_before = len(mix.api.calls)
    keys: dict[tuple, float] = {}
    before = await asyncio.to_thread(poll_answers, db_path, counter) if kind == "poll" else 0
    first = mix.api.clock()
    for i, resident in enumerate(mix.residents):
        if rate is not None:
            await asyncio.sleep(max(0.0, first + i / rate - mix.api.clock()))
        at, key = mix.send(kind, resident)
        keys[key] = at
    deadline = time.monotonic() + ROUND_TIMEOUT
    last, handled = None, 0
    while last is None and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
        if kind == "poll":
            handled = await asyncio.to_thread(poll_answers, db_path, counter) - before
            if handled >= len(keys):
                last = mix.api.clock()
            continue
        answers.scan()
        handled = sum(1 for k in keys if k in answers.at)
        if handled == len(keys):
            last = max(answers.at[k] for k in keys)
    latencies = [answers.at[k] - at for k, at in keys.items() if k in answers.at]
    missing = len(keys) - handled
    if last is None:
        last = mix.api.clock()
    calls = sum(1 for c in mix.api.calls[calls_before:] if c.method.lower() != "getupdates")
    return Round(kind, len(keys), last - first, calls), latencies, missing


async def outbox_drained(db_path: Path, timeout: float = 300) -> None:
    """Before the latency pass, the background sends the rounds caused (an RSVP's counts
    edited on every copy of the post) are done: unpaced (``BOT_SEND_RATE=off``) they would
    take the machine, which the bot's real pacing (25 a second) never lets them do."""

    def waiting() -> int:
        db = sqlite3.connect(db_path, timeout=30)
        try:
            if not db.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'outbox'"
            ).fetchone():
                return 0  # the bare bot has none
            return db.execute(
                "SELECT count(*) FROM outbox WHERE state IN ('queued', 'sending')"
            ).fetchone()[0]
        finally:
            db.close()

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not await asyncio.to_thread(waiting):
            return
        await asyncio.sleep(0.5)


# ------------------------------------------------------------------------------ our bot
def find_button(message: dict, *, prefix: str, label: str | None = None) -> str:
    for row in (message.get("reply_markup") or {}).get("inline_keyboard") or []:
        for button in row:
            data = button.get("callback_data", "")
            if data.startswith(prefix) and (label is None or label in button.get("text", "")):
                return data
    raise LookupError(f"no {prefix!r} button in {message.get('text', '')[:80]!r}")


async def reply(api: FakeBotApi, user: dict, text: str, timeout: float = 60) -> dict:
    start = len(api.calls)
    api.send_message(user, text)
    call = await api.wait_for_call(
        lambda c: c.method.lower() == "sendmessage" and c.ok and c.params["chat_id"] == user["id"],
        start=start,
        timeout=timeout,
    )
    return call.result


async def press(api: FakeBotApi, user: dict, message: dict, data: str) -> None:
    update = api.press_button(user, message, data)
    query = update["callback_query"]["id"]
    await api.wait_for_call(
        lambda c: (
            c.method.lower() == "answercallbackquery"
            and str(c.params.get("callback_query_id")) == query
        ),
        timeout=60,
    )


async def wait_for_posts(api: FakeBotApi, residents: list[Resident], marker: str) -> list[dict]:
    """Each resident's latest message containing ``marker`` (or a poll), once all have one."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        found = []
        for r in residents:
            mine = [
                m
                for m in api.bot_messages(r.user["id"])
                if marker in str(m.get("text", "")) or (marker == "poll" and "poll" in m)
            ]
            if not mine:
                break
            found.append(mine[-1])
        else:
            return found
        await asyncio.sleep(0.2)
    raise TimeoutError(f"not every resident received the {marker!r} post")


async def our_bot(n: int, paced_rate: float) -> BotFigures:
    figures = BotFigures("Common Ground")
    api = FakeBotApi(enforce_limits=False)
    async with SandboxServer(api) as server:
        with tempfile.TemporaryDirectory(prefix="bench-updates-") as tmp:
            workdir = Path(tmp)
            ids = list(range(FIRST, FIRST + n))
            env = realhttp.bot_env(
                api, server, workdir, BOT_ADMIN_IDS=str(ADMIN_ID), BOT_SEND_RATE="off"
            )
            await asyncio.to_thread(realhttp.migrate, env, workdir)
            db_path = Path(env["BOT_DB_PATH"])
            await asyncio.to_thread(realhttp.seed_residents, db_path, ids)
            realhttp.register_chats(api, ids)
            residents = [
                Resident(api.world.users[i], realhttp.LOCALES[i % len(realhttp.LOCALES)])
                for i in ids
            ]
            admin = api.make_user(ADMIN_ID, "Admin", language_code="en")
            run = realhttp.BotRun(api, env, workdir)
            await run.start()
            try:
                await stage_posts(api, admin, residents)
                mix = Mix(api, residents, our_data(residents))
                counter = "SELECT count(*) FROM poll_answers"
                await measure(figures, mix, db_path, counter, paced_rate)
            finally:
                await run.stop()
                if os.environ.get("BENCH_LOG"):  # keep the bot's log to read
                    shutil.copy(run.log_path, os.environ["BENCH_LOG"])
    return figures


async def stage_posts(api: FakeBotApi, admin: dict, residents: list[Resident]) -> None:
    """The chooser each resident pressed a language on, an event post and a poll in each
    chat, as organisers make them."""

    async def chooser(r: Resident) -> None:
        # a resident who has chosen before (as in tests/handlers/test_query_budget.py): the
        # first press after a start also gives their chat its menu, once per process
        first = await reply(api, r.user, "/language")
        await press(api, r.user, first, find_button(first, prefix="lang:set", label="✓"))
        r.language_message = await reply(api, r.user, "/language")

    for i in range(0, len(residents), 50):
        await asyncio.gather(*(chooser(r) for r in residents[i : i + 50]))
    preview = await reply(api, admin, "/newevent 2030-06-01 18:30 | Bench potluck | Hall")
    await press(api, admin, preview, find_button(preview, prefix="ev:pub"))
    for r, post in zip(
        residents, await wait_for_posts(api, residents, "Bench potluck"), strict=True
    ):
        r.post = post
    if "poll" not in KINDS:
        return
    preview = await reply(api, admin, "/poll all Bench: bins on Monday? | Yes | No")
    await press(api, admin, preview, find_button(preview, prefix="po:", label="Send"))
    for r, poll in zip(residents, await wait_for_posts(api, residents, "poll"), strict=True):
        r.poll_id = poll["poll"]["id"]


def our_data(residents: list[Resident]) -> dict:
    def language(r: Resident) -> str:
        return find_button(r.language_message, prefix="lang:set", label="✓")

    return {"language": language, "rsvp": find_button(residents[0].post, prefix="er:a")}


async def measure(
    figures: BotFigures, mix: Mix, db_path: Path, counter: str, paced_rate: float
) -> None:
    print(f"measuring {figures.name}", flush=True)  # (a profiler may start here)
    for kind in KINDS:  # all at once: throughput
        round_, _latencies, missing = await run_round(mix, kind, db_path, counter, rate=None)
        figures.rounds.append(round_)
        figures.missing += missing
    await outbox_drained(db_path)
    for kind in KINDS:  # paced: latency without a queue
        if kind == "poll":
            continue  # a poll answer gets no answer to time
        _round, latencies, missing = await run_round(mix, kind, db_path, counter, rate=paced_rate)
        figures.latencies[kind] = latencies
        figures.missing += missing


# ------------------------------------------------------------------------------ the baseline
async def bare_bot(n: int, paced_rate: float) -> BotFigures:
    figures = BotFigures("bare PTB")
    api = FakeBotApi(enforce_limits=False)
    async with SandboxServer(api) as server:
        with tempfile.TemporaryDirectory(prefix="bench-bare-") as tmp:
            db_path = Path(tmp) / "bare.sqlite3"
            ids = list(range(FIRST, FIRST + n))
            realhttp.register_chats(api, ids)
            residents = []
            for i in ids:
                # the same kinds of update: a press on a message of the bot's, a poll answer
                message = api.world.store_message(api.world.chats[i], api.bot_user, text="x")
                residents.append(
                    Resident(api.world.users[i], "en", message, message, poll_id=f"p{i}")
                )
            mix = Mix(
                api,
                residents,
                {"language": lambda r: "lang:set:es", "rsvp": "er:a:1:going"},
            )
            polls = api.polls_started
            log = (Path(tmp) / "bare.log").open("wb")
            proc = subprocess.Popen(  # noqa: ASYNC220
                [
                    sys.executable,
                    "-m",
                    "benchmarks.bare_ptb_bot",
                    server.base_url,
                    api.token,
                    str(db_path),
                ],
                cwd=realhttp.ROOT,
                env={**os.environ, "PYTHONPATH": str(realhttp.ROOT)},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            try:
                await api.wait_until(lambda: api.polls_started > polls, timeout=30)
                counter = "SELECT count(*) FROM seen"
                await measure(figures, mix, db_path, counter, paced_rate)
            finally:
                proc.terminate()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(10)
                proc.kill()
                log.close()
    return figures


# ------------------------------------------------------------------------------ report
def report(ours: BotFigures, bare: BotFigures) -> dict:
    ratio = ours.rate / bare.rate if bare.rate else 0.0
    p99 = ours.percentile(0.99)
    section = "updates"
    record(section, "updates/s / bare PTB's", ratio, goal=(">=", GOAL_RATIO))
    record(section, "updates/s (ours)", ours.rate)
    record(section, "updates/s (bare PTB)", bare.rate)
    for a, b in zip(ours.rounds, bare.rounds, strict=True):
        record(section, f"{a.kind}: updates/s / bare's", a.rate / b.rate if b.rate else 0.0)
        record(section, f"{a.kind}: Bot API calls per update (ours)", a.calls / a.updates)
        record(section, f"{a.kind}: Bot API calls per update (bare)", b.calls / b.updates)
    record(section, "handling p50", 1000 * ours.percentile(0.5), unit="ms")
    record(section, "handling p99", 1000 * p99, unit="ms", goal=("<", 1000 * GOAL_P99))
    record(section, "updates not handled", ours.missing, goal=("==", 0))
    print("\nUpdates end to end (real process, real SQLite, loopback sandbox):")
    print(
        f"  {'round':<10}{'ours upd/s':>12}{'bare upd/s':>12}{'ratio':>8}"
        f"{'calls/upd ours':>16}{'bare':>6}"
    )
    for a, b in zip(ours.rounds, bare.rounds, strict=True):
        print(
            f"  {a.kind:<10}{a.rate:>12.1f}{b.rate:>12.1f}{a.rate / b.rate:>8.2f}"
            f"{a.calls / a.updates:>16.2f}{b.calls / b.updates:>6.2f}"
        )
    print(f"  {'all':<10}{ours.rate:>12.1f}{bare.rate:>12.1f}{ratio:>8.2f}   goal >= {GOAL_RATIO}")
    for kind in ours.latencies:
        print(
            f"  latency {kind:<9} p50 {1000 * ours.percentile(0.5, kind):6.1f} ms  "
            f"p99 {1000 * ours.percentile(0.99, kind):6.1f} ms  "
            f"(bare p50 {1000 * bare.percentile(0.5, kind):5.1f}, "
            f"p99 {1000 * bare.percentile(0.99, kind):5.1f})"
        )
    print(f"  latency all       p99 {1000 * p99:6.1f} ms   goal < {1000 * GOAL_P99:.0f} ms")
    if ours.missing or bare.missing:
        print(f"  NOT HANDLED in time: ours {ours.missing}, bare {bare.missing}")
    return {
        "updates_per_second": round(ours.rate, 1),
        "bare_updates_per_second": round(bare.rate, 1),
        "ratio": round(ratio, 3),
        "goal_ratio": GOAL_RATIO,
        "p50_ms": round(1000 * ours.percentile(0.5), 1),
        "p99_ms": round(1000 * p99, 1),
        "goal_p99_ms": 1000 * GOAL_P99,
        "rounds": {
            r.kind: {"ours": round(r.rate, 1), "bare": round(b.rate, 1)}
            for r, b in zip(ours.rounds, bare.rounds, strict=True)
        },
        "unhandled": ours.missing,
    }


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--update-residents",
        type=int,
        default=env_int("BENCH_UPDATE_RESIDENTS", 1000),
        help="distinct residents sending updates (BENCH_UPDATE_RESIDENTS)",
    )
    parser.add_argument(
        "--update-runs",
        type=int,
        default=env_int("BENCH_UPDATE_RUNS", 3),
        help="runs of the updates benchmark (BENCH_UPDATE_RUNS, default 3)",
    )
    parser.add_argument(
        "--paced-rate",
        type=float,
        default=float(os.environ.get("BENCH_PACED_RATE", "40")),
        help="updates a second in the latency pass (BENCH_PACED_RATE)",
    )


async def _main(args: argparse.Namespace) -> dict:
    ours = await our_bot(args.update_residents, args.paced_rate)
    bare = await bare_bot(args.update_residents, args.paced_rate)
    return report(ours, bare)


def main(args: argparse.Namespace) -> dict:
    figures = asyncio.run(_main(args))
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m benchmarks.updates")
    add_arguments(parser)
    main(parser.parse_args())
