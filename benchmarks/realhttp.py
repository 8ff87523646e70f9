"""The real-HTTP stage shared by the broadcast benchmark and ``tests/e2e/test_broadcast.py``:
residents seeded straight into the bot's database (and known to the sandbox), a broadcast
started (through ``/announce`` or, before the command exists, as an outbox job written to the
database), the real ``python -m bot`` process, and what the outbox says about a job.

Nothing here imports ``telegram``: the bot runs in its own process, over loopback HTTP.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

from bot.sandbox.core import FakeBotApi
from bot.sandbox.server import SandboxServer

ROOT = Path(__file__).resolve().parents[1]
READY_TIMEOUT = 30.0
BULK_PRIORITY = 1
LOCALES = ["en", "es", "fr", "ar", "zh_Hans", "vi"]
PHONE_LANGUAGES = {"zh_Hans": "zh-CN"}
UNSETTLED = ("queued", "sending")


def bot_env(api: FakeBotApi, server: SandboxServer, workdir: Path, **env: str) -> dict[str, str]:
    """The environment of a bot process talking to ``server``, its database in ``workdir``."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("BOT_")},
        # this checkout's code, not whatever an editable install points at
        "PYTHONPATH": str(ROOT),
        "BOT_TOKEN": api.token,
        "BOT_API_BASE_URL": server.base_url,
        "BOT_DB_PATH": str(workdir / "bot.sqlite3"),
        "BOT_LOG_LEVEL": "INFO",
        "BOT_APPROVAL_THRESHOLD": "0",  # no second person for a large audience
        "BOT_QUIET_HOURS": "",  # never held for the morning
        "PYTHONUNBUFFERED": "1",
        **env,
    }


def migrate(env: dict[str, str], workdir: Path) -> None:
    """``python -m bot migrate``: the schema, before seeding."""
    done = subprocess.run(
        [sys.executable, "-m", "bot", "migrate"],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"migrate failed ({done.returncode}): {done.stderr}")


def connect(db_path: Path | str) -> sqlite3.Connection:
    db = sqlite3.connect(db_path, timeout=30)
    db.execute("PRAGMA busy_timeout = 30000")
    return db


def seed_residents(
    db_path: Path | str,
    user_ids: Iterable[int],
    *,
    building: str = "Maple Court",
    locale_of=lambda user_id: LOCALES[user_id % len(LOCALES)],
) -> int:
    """Approved residents of one building (created if new); returns the building's id."""
    db = connect(db_path)
    try:
        with db:
            row = db.execute(
                "SELECT id FROM buildings WHERE name = ? AND archived_at IS NULL", (building,)
            ).fetchone()
            building_id = (
                row[0]
                if row
                else db.execute("INSERT INTO buildings (name) VALUES (?)", (building,)).lastrowid
            )
            ids = list(user_ids)
            db.executemany(
                "INSERT OR IGNORE INTO users (id, locale) VALUES (?, ?)",
                [(uid, locale_of(uid)) for uid in ids],
            )
            db.executemany(
                "INSERT OR REPLACE INTO residents (user_id, building_id, display_name, unit, "
                "tenure, status, consent_version, consent_at) "
                "VALUES (?, ?, ?, ?, 'renter', 'approved', '1', "
                "strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))",
                [(uid, building_id, f"Resident {uid}", str(100 + uid % 900)) for uid in ids],
            )
    finally:
        db.close()
    return building_id


def register_chats(api: FakeBotApi, user_ids: Iterable[int]) -> None:
    """Every recipient has a private chat with the bot (they pressed Start once)."""
    for uid in user_ids:
        locale = LOCALES[uid % len(LOCALES)]
        user = api.make_user(
            uid, f"Resident {uid}", language_code=PHONE_LANGUAGES.get(locale, locale)
        )
        api.world.register_user(user)


def queue_outbox_job(
    db_path: Path | str,
    chat_ids: Iterable[int],
    text: str,
    *,
    kind: str = "announcement",
    reason: str = "benchmark",
) -> int:
    """A bulk job written straight into the outbox (what a feature's ``start_job`` writes):
    the running bot's sender finds it within a second. Returns the job's id."""
    db = connect(db_path)
    payload = json.dumps({"text": text, "keyboard": None})
    try:
        with db:
            job_id = db.execute(
                "INSERT INTO outbox_jobs (kind, reason) VALUES (?, ?)", (kind, reason)
            ).lastrowid
            db.executemany(
                "INSERT INTO outbox (job_id, chat_id, user_id, payload, priority) "
                "VALUES (?, ?, ?, ?, ?)",
                [
                    (job_id, cid, cid if cid > 0 else None, payload, BULK_PRIORITY)
                    for cid in chat_ids
                ],
            )
    finally:
        db.close()
    return job_id


def job_states(db_path: Path | str, job_id: int) -> dict[str, int]:
    """How many of the job's rows are in each state."""
    db = connect(db_path)
    try:
        rows = db.execute(
            "SELECT state, count(*) FROM outbox WHERE job_id = ? GROUP BY state", (job_id,)
        ).fetchall()
    finally:
        db.close()
    return dict(rows)


def latest_job(db_path: Path | str, kind: str = "announcement") -> int | None:
    db = connect(db_path)
    try:
        row = db.execute("SELECT max(id) FROM outbox_jobs WHERE kind = ?", (kind,)).fetchone()
    finally:
        db.close()
    return row[0]


async def wait_settled(
    db_path: Path | str, job_id: int, *, timeout: float, every: float = 0.5
) -> dict[str, int]:
    """Wait until no row of the job is queued or being sent; returns its states."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        states = await asyncio.to_thread(job_states, db_path, job_id)
        if states and not any(states.get(s) for s in UNSETTLED):
            return states
        if loop.time() > deadline:
            raise TimeoutError(f"job {job_id} not settled within {timeout:.0f}s: {states}")
        await asyncio.sleep(every)


def text_sends(api: FakeBotApi, text: str, start: int = 0) -> dict[int, int]:
    """Per chat, how many times the bot delivered a message containing ``text``."""
    counts: dict[int, int] = {}
    for call in api.calls[start:]:
        if call.method.lower() != "sendmessage" or call.status != 200:
            continue
        if text in str(call.params.get("text", "")):
            chat = call.params.get("chat_id")
            counts[chat] = counts.get(chat, 0) + 1
    return counts


def has_announce() -> bool:
    """Whether this checkout's bot has the ``/announce`` command."""
    from bot.services import commands

    return commands.get("announce") is not None


def send_now_data(message: dict) -> str | None:
    """The callback data of a message's "Send now" button, if it has one."""
    rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
    for row in rows:
        for button in row:
            if "Send now" in button.get("text", "") and "callback_data" in button:
                return button["callback_data"]
    return None


async def announce(api: FakeBotApi, admin: dict, text: str) -> tuple[dict, dict]:
    """The admin writes ``/announce all | text``: (that update, the bot's preview)."""
    start = len(api.calls)
    message = api.send_message(admin, f"/announce all | {text}")
    update = {"update_id": api.last_update_id, "message": message}

    def preview(call) -> bool:
        result = call.result
        return (
            call.ok
            and isinstance(result, dict)
            and result.get("chat", {}).get("id") == admin["id"]
            and send_now_data(result) is not None
        )

    call = await api.wait_for_call(preview, start=start, timeout=60)
    return update, call.result


async def start_broadcast(
    api: FakeBotApi,
    db_path: Path | str,
    recipients: list[int],
    text: str,
    mode: str,
    admin_id: int,
) -> int:
    """Start a broadcast to ``recipients`` (``mode`` "outbox": written into the outbox;
    "announce": ``/announce all`` and "Send now", as an organiser does, where the recipients
    are every approved resident); returns its outbox job's id."""
    if mode == "outbox":
        return await asyncio.to_thread(queue_outbox_job, db_path, recipients, text)
    admin = api.make_user(admin_id, "Admin", language_code="en")
    before = await asyncio.to_thread(latest_job, db_path)
    _, preview = await announce(api, admin, text)
    api.press_button(admin, preview, send_now_data(preview))
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 60
    while loop.time() < deadline:
        job = await asyncio.to_thread(latest_job, db_path)
        if job is not None and job != before:
            return job
        await asyncio.sleep(0.1)
    raise TimeoutError("pressing Send now created no outbox job")


def _profiled() -> list[str]:
    """``BENCH_PROFILE=FILE``: run the bot under cProfile, the statistics written to FILE."""
    target = os.environ.get("BENCH_PROFILE", "").strip()
    return ["-m", "cProfile", "-o", target] if target else []


class BotRun:
    """One ``python -m bot run`` process against the sandbox, its output in ``bot.log``."""

    def __init__(self, api: FakeBotApi, env: dict[str, str], workdir: Path) -> None:
        self.api = api
        self.env = env
        self.workdir = workdir
        self.log_path = workdir / "bot.log"
        self.proc: subprocess.Popen | None = None

    async def start(self) -> None:
        polls = self.api.polls_started
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(  # noqa: ASYNC220 (starting is instant)
                [sys.executable, *_profiled(), "-m", "bot", "run"],
                cwd=self.workdir,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        ready = await self.api.wait_until(
            lambda: self.api.polls_started > polls or not self.alive(), timeout=READY_TIMEOUT
        )
        if not ready or not self.alive():
            raise RuntimeError(f"the bot did not start polling:\n{self.log[-3000:]}")

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    async def stop(self, sig: int = signal.SIGTERM, timeout: float = 15.0) -> int | None:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.proc.poll() is None:
            if loop.time() > deadline:
                self.proc.kill()
                break
            await asyncio.sleep(0.05)
        return self.proc.wait()
