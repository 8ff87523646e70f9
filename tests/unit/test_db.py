"""The database wrapper under stress: a transaction cancelled at any moment leaves the
connection usable (a stopping sender must not wedge every later write); and a deleted row
leaves no trace in the file, whatever SQLite build the machine has."""

import asyncio
import contextlib
import sqlite3

import aiosqlite

from bot.storage import db as db_module
from bot.storage.db import Database


async def test_a_cancelled_transaction_never_leaves_one_open(tmp_path):
    db = await Database.open(tmp_path / "c.sqlite3")
    await db.execute("CREATE TABLE t (x INTEGER)")

    async def write_forever():
        while True:
            async with db.transaction() as tx:
                await tx.execute("INSERT INTO t (x) VALUES (1)")

    for ticks in range(12):  # cancel at many different points of BEGIN / INSERT / COMMIT
        task = asyncio.create_task(write_forever())
        for _ in range(ticks):
            await asyncio.sleep(0)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        assert await db.execute("INSERT INTO t (x) VALUES (2)") == 1
    await db.close()


async def test_a_deleted_row_is_zeroed_even_where_sqlite_keeps_deleted_bytes(tmp_path, monkeypatch):
    """Debian's SQLite zeroes deleted content by default; python.org's and others' builds
    leave it in the page's free space, where a backup copies it. The bot asks for it."""
    connect = aiosqlite.connect

    async def build_without_secure_delete(*args, **kwargs):
        conn = await connect(*args, **kwargs)
        await conn.execute("PRAGMA secure_delete = OFF")  # such a build's default
        return conn

    monkeypatch.setattr(db_module.aiosqlite, "connect", build_without_secure_delete)
    path = tmp_path / "d.sqlite3"
    db = await Database.open(path)
    await db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)")
    words = "Zephyrine in flat Q-913 about the mould"
    await db.execute("INSERT INTO t (id, body) VALUES (1, ?), (2, 'kept')", (words,))
    await db.execute("DELETE FROM t WHERE id = 1")  # a processed webhook update, a /forget
    await db.close()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert b"kept" in path.read_bytes()
    assert words.encode() not in path.read_bytes()
