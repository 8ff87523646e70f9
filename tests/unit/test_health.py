"""`python -m bot healthcheck`'s verdict: the database read-only, then the heartbeat of the
bot's loop and of its outbox sender; and the lock that keeps one bot per database."""

import sqlite3
import time

import pytest

from bot import health
from bot.health import Beat, RunLock, check, heartbeat_path, write_beat
from bot.storage.db import Database
from bot.storage.migrations import discover, migrate

LATEST = max(m.version for m in discover())
PREVIOUS = sorted(m.version for m in discover())[-2]  # numbers may skip one


@pytest.fixture
async def db_path(tmp_path):
    path = tmp_path / "bot.sqlite3"
    db = await Database.open(path)
    await migrate(db)
    await db.close()
    return path


def beat(db_path, *, loop_age: float, sender_age: float | None, now: float) -> None:
    sender = None if sender_age is None else now - sender_age
    write_beat(heartbeat_path(db_path), Beat(pid=1, loop=now - loop_age, sender=sender))


def test_a_fresh_heartbeat_on_a_sound_database_is_healthy(db_path):
    now = time.time()
    beat(db_path, loop_age=3, sender_age=1, now=now)
    result = check(db_path, LATEST, now=now)
    assert result.ok, result.line
    assert result.line == f"ok: database schema {LATEST}, loop 3 s ago, sender 1 s ago"


@pytest.mark.parametrize(
    ("loop_age", "sender_age", "says"),
    [
        (health.STALE_SECONDS + 5, 1, "the bot's loop last ran 125 s ago"),
        (2, health.STALE_SECONDS + 30, "the outbox sender last ran 150 s ago"),
        (2, None, "the outbox sender has not started"),
    ],
)
def test_a_stale_loop_or_sender_is_unhealthy(db_path, loop_age, sender_age, says):
    now = time.time()
    beat(db_path, loop_age=loop_age, sender_age=sender_age, now=now)
    result = check(db_path, LATEST, now=now)
    assert not result.ok
    assert result.line == f"unhealthy: {says}"


def wait_in_inbox(db_path, *ages: float, now: float) -> None:
    """Updates stored by the webhook server ``ages`` seconds before ``now``, not processed."""
    from datetime import UTC, datetime

    from bot.clock import to_db

    with sqlite3.connect(db_path) as conn:
        for update_id, age in enumerate(ages, start=1):
            conn.execute(
                "INSERT INTO inbox (update_id, body, received_at) VALUES (?, '{}', ?)",
                (update_id, to_db(datetime.fromtimestamp(now - age, UTC))),
            )


def test_webhook_mode_reports_what_waits_in_the_inbox(db_path):
    now = float(int(time.time()))
    beat(db_path, loop_age=3, sender_age=1, now=now)
    healthy = f"ok: database schema {LATEST}, loop 3 s ago, sender 1 s ago"
    assert check(db_path, LATEST, now=now, webhook=True).line == f"{healthy}, inbox empty"
    wait_in_inbox(db_path, 40, 2, now=now)
    result = check(db_path, LATEST, now=now, webhook=True)
    assert result.ok, result.line
    assert result.line == f"{healthy}, inbox 2 waiting, the oldest 40 s"
    assert check(db_path, LATEST, now=now).line == healthy  # polling: no inbox to look at


def test_an_update_waiting_in_the_inbox_for_minutes_means_a_stuck_worker(db_path):
    now = float(int(time.time()))
    beat(db_path, loop_age=3, sender_age=1, now=now)  # the loop still beats
    wait_in_inbox(db_path, health.INBOX_STALE_SECONDS + 100, 30, 1, now=now)
    result = check(db_path, LATEST, now=now, webhook=True)
    assert not result.ok
    assert result.line == (
        "unhealthy: the oldest update in the webhook inbox has waited 400 s (3 waiting): "
        "updates are not being processed"
    )


def test_the_healthcheck_command_fails_on_a_stuck_inbox_in_webhook_mode(db_path, capsys):
    from bot.__main__ import cmd_healthcheck
    from bot.config import Config

    now = time.time()
    beat(db_path, loop_age=1, sender_age=1, now=now)
    wait_in_inbox(db_path, health.INBOX_STALE_SECONDS + 60, now=now)
    webhook = Config(
        token="1:x",
        db_path=db_path,
        webhook_url="https://bot.example.org/telegram/maple",
        webhook_secret="s3cret",
    )
    assert cmd_healthcheck(webhook) == 1
    assert "the oldest update in the webhook inbox has waited" in capsys.readouterr().out
    polling = Config(token="1:x", db_path=db_path)  # rows there are not the poller's to take
    assert cmd_healthcheck(polling) == 0


def test_no_heartbeat_means_no_bot(db_path):
    result = check(db_path, LATEST)
    assert (result.ok, result.line) == (False, "unhealthy: no heartbeat (is the bot running?)")


def test_a_damaged_database_is_unhealthy_even_with_a_fresh_heartbeat(db_path):
    now = time.time()
    beat(db_path, loop_age=1, sender_age=1, now=now)
    data = bytearray(db_path.read_bytes())
    data[4096 : 4096 * 3] = b"\xff" * (4096 * 2)  # scribble over pages after the header
    db_path.write_bytes(bytes(data))
    result = check(db_path, LATEST, now=now)
    assert not result.ok
    assert result.line.startswith(f"unhealthy: database {db_path}")


def test_a_file_that_is_no_database_is_unhealthy(tmp_path):
    path = tmp_path / "bot.sqlite3"
    path.write_bytes(b"not a database at all" * 300)
    beat(path, loop_age=1, sender_age=1, now=time.time())
    assert not check(path, LATEST).ok


def test_a_schema_behind_the_code_is_unhealthy(db_path):
    conn = sqlite3.connect(db_path)
    conn.execute("DELETE FROM schema_migrations WHERE version = ?", (LATEST,))
    conn.commit()
    conn.close()
    now = time.time()
    beat(db_path, loop_age=1, sender_age=1, now=now)
    result = check(db_path, LATEST, now=now)
    assert result.line == (
        f"unhealthy: database schema is at version {PREVIOUS}, this code expects {LATEST}"
    )


def test_the_check_never_creates_a_database(tmp_path):
    path = tmp_path / "missing.sqlite3"
    assert check(path, LATEST).line == f"unhealthy: no database at {path}"
    assert not path.exists()


async def test_the_heartbeat_task_writes_and_removes_its_file(tmp_path, monkeypatch):
    import asyncio

    monkeypatch.setattr(health, "BEAT_SECONDS", 0.01)
    path = tmp_path / "bot.sqlite3.heartbeat"
    task = asyncio.create_task(health.beat_forever(path, lambda: 1234.5, "9.9"))
    for _ in range(200):
        await asyncio.sleep(0.01)
        if path.exists():
            break
    written = health.read_beat(path)
    assert written is not None and written.sender == 1234.5 and written.version == "9.9"
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not path.exists()


def test_one_lock_holder_per_database(tmp_path):
    db_path = tmp_path / "bot.sqlite3"
    first, second = RunLock(db_path), RunLock(db_path)
    assert first.acquire()
    assert health.bot_running(db_path)
    assert not second.acquire()
    first.release()
    assert not health.bot_running(db_path)
    assert second.acquire()
    second.release()
