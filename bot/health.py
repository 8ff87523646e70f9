"""Is the bot alive? A heartbeat file, a lock, and the check behind ``python -m bot healthcheck``.

Next to the database (``BOT_DB_PATH``) a running bot keeps two small files:

- ``<db>.heartbeat``: JSON rewritten every :data:`BEAT_SECONDS` by a task on the bot's event
  loop, with the time the loop last ran and the time the outbox sender last started a round.
  A stuck loop stops rewriting it; a dead sender stops moving its time. It is removed on a
  clean stop.
- ``<db>.lock``: held (``flock``) for the life of ``python -m bot run``. The kernel lets go of
  it when the process dies, even by ``kill -9``, so a second bot on the same database and a
  ``restore`` under a running bot are refused without guessing from times.

The healthcheck opens the database read-only (``PRAGMA quick_check``, the schema as new as this
code) and reads the heartbeat; in webhook mode it also reads the inbox (how many updates wait,
and for how long the oldest has). It never writes anything.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.storage.readonly import check_read_only, inbox_depth

BEAT_SECONDS = 10.0
# Older than this, the loop or the sender is taken for dead. Generous: a 429 from Telegram may
# hold the sender for a minute, and a Raspberry Pi under load is slow.
STALE_SECONDS = 120.0
# Webhook mode: an update waiting in the inbox longer than this means the worker is stuck (a
# handler that never returns holds every slot) even though the loop still beats. An update is
# normally processed within a second of arriving, and rows left by a crash go first at start.
INBOX_STALE_SECONDS = 300.0


def heartbeat_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".heartbeat")


def lock_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".lock")


# ---------------------------------------------------------------- the lock
class RunLock:
    """An exclusive, non-blocking ``flock`` on ``<db>.lock``: one bot (or one restore) at a
    time per database."""

    def __init__(self, db_path: Path) -> None:
        self.path = lock_path(db_path)
        self._fd: int | None = None

    def acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> RunLock:
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def bot_running(db_path: Path) -> bool:
    """Whether a bot holds the database's lock now."""
    probe = RunLock(db_path)
    if probe.acquire():
        probe.release()
        return False
    return True


# ---------------------------------------------------------------- the heartbeat
@dataclass(frozen=True)
class Beat:
    pid: int
    loop: float  # wall-clock seconds (time.time()) the event loop last wrote the file
    sender: float | None  # when the outbox sender last started a round; None: not started
    version: str = ""


def write_beat(path: Path, beat: Beat) -> None:
    """Replace the heartbeat file whole (a reader never sees half of it)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(
        json.dumps(
            {"pid": beat.pid, "loop": beat.loop, "sender": beat.sender, "version": beat.version}
        ),
        encoding="utf-8",
    )
    os.replace(tmp, path)


def read_beat(path: Path) -> Beat | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Beat(
            pid=int(data["pid"]),
            loop=float(data["loop"]),
            sender=None if data.get("sender") is None else float(data["sender"]),
            version=str(data.get("version", "")),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


async def beat_forever(
    path: Path, sender_beat: Callable[[], float | None], version: str = ""
) -> None:
    """Until cancelled: rewrite the heartbeat every :data:`BEAT_SECONDS`; removed at the end."""
    try:
        while True:
            with contextlib.suppress(OSError):  # a full disk is the database's problem to tell
                write_beat(path, Beat(os.getpid(), time.time(), sender_beat(), version))
            await asyncio.sleep(BEAT_SECONDS)
    finally:
        remove_beat(path)


def remove_beat(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


# ---------------------------------------------------------------- the check
@dataclass(frozen=True)
class Health:
    ok: bool
    line: str


def check(db_path: Path, latest: int, now: float | None = None, webhook: bool = False) -> Health:
    """The database, then the heartbeat of the loop and of the sender; in webhook mode, the
    age of the oldest update waiting in the inbox."""
    now = time.time() if now is None else now
    problem, version = check_read_only(db_path, latest)
    if problem:
        return Health(False, f"unhealthy: {problem}")
    beat = read_beat(heartbeat_path(db_path))
    if beat is None:
        return Health(False, "unhealthy: no heartbeat (is the bot running?)")
    loop_age = now - beat.loop
    if loop_age > STALE_SECONDS:
        return Health(False, f"unhealthy: the bot's loop last ran {loop_age:.0f} s ago")
    if beat.sender is None:
        return Health(False, "unhealthy: the outbox sender has not started")
    sender_age = now - beat.sender
    if sender_age > STALE_SECONDS:
        return Health(False, f"unhealthy: the outbox sender last ran {sender_age:.0f} s ago")
    line = (
        f"ok: database schema {version}, loop {max(loop_age, 0):.0f} s ago, "
        f"sender {max(sender_age, 0):.0f} s ago"
    )
    if not webhook:
        return Health(True, line)
    problem, depth = inbox_depth(db_path)
    if problem:
        return Health(False, f"unhealthy: {problem}")
    if depth.oldest is None:
        return Health(True, f"{line}, inbox empty")
    waited = max(now - depth.oldest.timestamp(), 0)
    if waited > INBOX_STALE_SECONDS:
        return Health(
            False,
            f"unhealthy: the oldest update in the webhook inbox has waited {waited:.0f} s "
            f"({depth.pending} waiting): updates are not being processed",
        )
    return Health(True, f"{line}, inbox {depth.pending} waiting, the oldest {waited:.0f} s")
