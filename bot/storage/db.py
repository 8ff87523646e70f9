"""The SQLite connections, configured for a long-running bot.

WAL journal (readers never block the writer, and a ``kill -9`` loses no committed row),
foreign keys on, a busy timeout, ``secure_delete`` (a deleted row is zeroed, not left in the
file's free space). Three connections to the same file:

- the **writer**, behind an :class:`asyncio.Lock`, so statements from concurrent handlers never
  interleave inside each other's transactions. :meth:`Database.transaction` yields a :class:`Tx`
  whose reads and writes all happen in one ``BEGIN IMMEDIATE`` transaction: a decision checks
  its precondition and writes its change there, so two racing presses cannot both act.
- the **reader**, for plain reads outside a transaction. In WAL mode it sees every committed
  write and never waits for a writer, so a ``/help`` is not queued behind a write that is
  waiting for another process's lock.
- a **quick** writer with a short busy timeout, for best-effort book-keeping on every update
  (:meth:`Database.try_transaction`): when another process holds the database, or this
  process's own writes keep it longer than ``QUICK_WAIT_SECONDS``, it gives up instead of
  holding the update up.

Repository methods take an optional ``q`` (a :class:`Tx`) so a service can run several of them
in one transaction; without it they use the database directly.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import sqlite3
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Protocol

import aiosqlite

BUSY_TIMEOUT_MS = 5000
QUICK_BUSY_TIMEOUT_MS = 250
QUICK_WAIT_SECONDS = 0.5  # for this process's own writes ahead in the queue
# SQL for "now" as stored everywhere: UTC, ISO 8601, to the second ("2026-11-25T09:30:00Z").
NOW = "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"


class Busy(Exception):
    """The quick writer could not get the database at once (another writer holds it)."""


class Queries(Protocol):
    """What repositories call: a :class:`Database` (each call on its own) or a :class:`Tx`."""

    async def fetch_all(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]: ...
    async def fetch_one(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Row | None: ...
    async def fetch_value(self, sql: str, params: Iterable[Any] = ()) -> Any: ...
    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int: ...


def pseudonym(key: bytes, user_id: int) -> int:
    """The audit log's name for a person: HMAC-SHA256 of their id under their own key (in
    ``person_keys``, deleted by /forget), as a negative number (never a Telegram id)."""
    digest = hmac.new(bytes(key), str(int(user_id)).encode(), hashlib.sha256).digest()
    return -(int.from_bytes(digest[:6], "big") + 1)


async def _open(path: Path | str, busy_ms: int) -> aiosqlite.Connection:
    conn = await aiosqlite.connect(path, isolation_level=None)  # we manage transactions
    try:
        conn.row_factory = aiosqlite.Row
        await conn.execute(f"PRAGMA busy_timeout = {int(busy_ms)}")  # sql-ok: an int
        await conn.execute("PRAGMA journal_mode = WAL")
        await conn.execute("PRAGMA synchronous = NORMAL")
        await conn.execute("PRAGMA foreign_keys = ON")
        # A deleted row is overwritten with zeros, not left in the file's free space (and so in
        # every backup): what /forget erases, and each webhook update once it is processed.
        await conn.execute("PRAGMA secure_delete = ON")
        await conn.create_function("cg_pseudonym", 2, pseudonym, deterministic=True)
    except BaseException:
        await conn.close()  # else its thread keeps the process alive
        raise
    return conn


class Tx:
    """One open write transaction: every statement runs inside it.

    Each statement is one trip to the connection's SQLite thread (a trip waits for a turn of
    the event loop, which is what a busy bot pays for, not SQLite): rows come back with the
    statement (``execute_fetchall``), and a write's row count or new id is read off its
    finished cursor, which is never fetched from again (closing it would be a second trip).
    """

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    async def fetch_all(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        return list(await self.conn.execute_fetchall(sql, tuple(params)))

    async def fetch_one(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Row | None:
        rows = await self.conn.execute_fetchall(sql, tuple(params))
        return rows[0] if rows else None

    async def fetch_value(self, sql: str, params: Iterable[Any] = ()) -> Any:
        row = await self.fetch_one(sql, params)
        return None if row is None else row[0]

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one statement; returns the changed row count."""
        cursor = await self.conn.execute(sql, tuple(params))
        return cursor.rowcount

    async def once(self, sql: str, params: Iterable[Any], write_audit_entry) -> bool:
        """Run a change that may happen once (``UPDATE ... WHERE <not done yet>``); when it
        changed something, call ``write_audit_entry(self)`` in the same transaction."""
        if not await self.execute(sql, params):
            return False
        await write_audit_entry(self)
        return True

    async def execute_many(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        """Run one statement for each of ``rows`` (one trip to SQLite's thread)."""
        await self.conn.executemany(sql, [tuple(r) for r in rows])

    async def insert(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one INSERT; returns the new row's id."""
        cursor = await self.conn.execute(sql, tuple(params))
        return cursor.lastrowid


class Database:
    def __init__(
        self,
        writer: aiosqlite.Connection,
        path: Path,
        reader: aiosqlite.Connection | None = None,
        quick: aiosqlite.Connection | None = None,
    ) -> None:
        self._conn = writer
        self._lock = asyncio.Lock()
        self._reader = reader
        self._quick = quick
        # The quick writer waits its turn behind this process's own writes, in order, like
        # every other writer here: two connections of one process competing for SQLite's
        # file lock would sleep in SQLite's busy handler (1, 2, 5, 10... ms) on every clash.
        # Its short busy timeout is for other processes only.
        self._quick_lock = self._lock
        self.path = path

    @classmethod
    async def open(cls, path: Path | str) -> Database:
        path = Path(path)
        if str(path) == ":memory:":  # one connection: a second one would be another database
            return cls(await _open(path, BUSY_TIMEOUT_MS), path)
        path.parent.mkdir(parents=True, exist_ok=True)
        writer = await _open(path, BUSY_TIMEOUT_MS)
        try:
            reader = await _open(path, BUSY_TIMEOUT_MS)
            quick = await _open(path, QUICK_BUSY_TIMEOUT_MS)
        except BaseException:
            await writer.close()
            raise
        return cls(writer, path, reader, quick)

    async def close(self) -> None:
        async with self._lock:
            for conn in {self._conn, self._reader, self._quick} - {None}:
                await conn.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT``; rolled back if the block raises."""
        async with self._lock, self._begin(self._conn) as tx:
            yield tx

    @asynccontextmanager
    async def try_transaction(self) -> AsyncIterator[Tx]:
        """Like :meth:`transaction` on the quick writer; raises :class:`Busy` at once when
        another writer (in this process or another) holds the database."""
        async with self.try_transaction_lock():
            try:
                async with self._begin(self._quick or self._conn) as tx:
                    yield tx
            except sqlite3.OperationalError as exc:
                if "locked" in str(exc) or "busy" in str(exc):
                    raise Busy from exc
                raise

    async def try_execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        """One statement on the quick writer, in its own (implicit) transaction: one trip to
        SQLite, for the book-keeping every update does. Raises :class:`Busy` like
        :meth:`try_transaction`."""
        async with self.try_transaction_lock():
            try:
                return await Tx(self._quick or self._conn).execute(sql, params)
            except sqlite3.OperationalError as exc:
                if "locked" in str(exc) or "busy" in str(exc):
                    raise Busy from exc
                raise

    @asynccontextmanager
    async def try_transaction_lock(self) -> AsyncIterator[None]:
        if self._quick_lock.locked():  # wait a little for this process's own writes
            try:
                await asyncio.wait_for(self._quick_lock.acquire(), QUICK_WAIT_SECONDS)
            except TimeoutError:
                raise Busy from None
        else:
            await self._quick_lock.acquire()
        try:
            yield
        finally:
            self._quick_lock.release()

    @staticmethod
    @asynccontextmanager
    async def _begin(conn: aiosqlite.Connection) -> AsyncIterator[Tx]:
        try:
            await conn.execute("BEGIN IMMEDIATE")
            yield Tx(conn)
        except BaseException:
            # Also when cancelled while BEGIN was still on its way: the connection's thread
            # runs statements in order, so this ROLLBACK comes after it, whatever happened.
            with contextlib.suppress(sqlite3.OperationalError):  # nothing was begun
                await conn.execute("ROLLBACK")
            raise
        else:
            await conn.execute("COMMIT")

    async def fetch_all(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        if self._reader is None:
            async with self._lock:
                return await Tx(self._conn).fetch_all(sql, params)
        return await Tx(self._reader).fetch_all(sql, params)

    async def fetch_one(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Row | None:
        if self._reader is None:
            async with self._lock:
                return await Tx(self._conn).fetch_one(sql, params)
        return await Tx(self._reader).fetch_one(sql, params)

    async def fetch_value(self, sql: str, params: Iterable[Any] = ()) -> Any:
        row = await self.fetch_one(sql, params)
        return None if row is None else row[0]

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one writing statement in its own transaction; returns the changed row count."""
        async with self.transaction() as tx:
            return await tx.execute(sql, params)

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
