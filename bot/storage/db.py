"""One aiosqlite connection, configured for a long-running bot.

WAL journal (readers never block the writer, and a ``kill -9`` loses no committed row),
foreign keys on, a busy timeout, and an :class:`asyncio.Lock` so statements from concurrent
handlers never interleave inside each other's transactions.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

BUSY_TIMEOUT_MS = 5000
# SQL for "now" as stored everywhere: UTC, ISO 8601, to the second ("2026-11-25T09:30:00Z").
NOW = "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"


class Database:
    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self._conn = conn
        self._lock = asyncio.Lock()
        self.path = path

    @classmethod
    async def open(cls, path: Path | str) -> Database:
        path = Path(path)
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(path, isolation_level=None)  # we manage transactions
        conn.row_factory = aiosqlite.Row
        await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        await conn.execute("PRAGMA journal_mode = WAL")
        await conn.execute("PRAGMA synchronous = NORMAL")
        await conn.execute("PRAGMA foreign_keys = ON")
        return cls(conn, path)

    async def close(self) -> None:
        async with self._lock:
            await self._conn.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT``; rolled back if the block raises."""
        async with self._lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
            else:
                await self._conn.execute("COMMIT")

    async def fetch_all(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        async with self._lock, self._conn.execute(sql, tuple(params)) as cursor:
            return list(await cursor.fetchall())

    async def fetch_one(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Row | None:
        async with self._lock, self._conn.execute(sql, tuple(params)) as cursor:
            return await cursor.fetchone()

    async def fetch_value(self, sql: str, params: Iterable[Any] = ()) -> Any:
        row = await self.fetch_one(sql, params)
        return None if row is None else row[0]

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one writing statement in its own transaction; returns the changed row count."""
        async with self.transaction() as conn, conn.execute(sql, tuple(params)) as cursor:
            return cursor.rowcount

    async def executescript_atomic(self, script: str) -> None:
        """Run a whole SQL script as one transaction: all of it, or none of it.

        ``executescript`` commits any open transaction first, so the BEGIN/COMMIT pair
        travels inside the script itself.
        """
        async with self._lock:
            try:
                await self._conn.executescript(f"BEGIN IMMEDIATE;\n{script}\n;COMMIT;")
            except BaseException:
                if self._conn.in_transaction:
                    await self._conn.execute("ROLLBACK")
                raise

    async def backup_to(self, target: Path) -> int:
        """Copy the live database to ``target`` with SQLite's online backup API.

        Returns the number of pages copied.
        """
        target.parent.mkdir(parents=True, exist_ok=True)
        dest = sqlite3.connect(target)
        try:
            async with self._lock:
                await self._conn.backup(dest)
            return dest.execute("PRAGMA page_count").fetchone()[0]
        finally:
            dest.close()
