"""The database wrapper under stress: a transaction cancelled at any moment leaves the
connection usable (a stopping sender must not wedge every later write)."""

import asyncio
import contextlib

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
