"""The SQLite connections, configured for a long-running bot.

WAL journal (readers never block the writer, and a ``kill -9`` loses no committed row),
foreign keys on. Two connections to the same file:

- the **writer**, used on the event loop's own thread, behind an :class:`asyncio.Lock` so
  statements from concurrent handlers never interleave inside each other's transactions.
  :meth:`Database.transaction` yields a :class:`Tx` whose reads and writes all happen in one
  ``BEGIN IMMEDIATE`` transaction: a decision checks its precondition and writes its change
  there, so two racing presses cannot both act. A write transaction is a few statements of
  tens of microseconds each (WAL with ``synchronous = NORMAL`` does not wait for the disk on
  commit), so they run straight through: a trip to a worker thread per statement would cost
  a turn of a busy event loop each, while holding the lock every other write waits for.
  SQLite's own busy handler would sleep the whole loop, so the writer does not wait for
  another process's lock there: :meth:`Database._begin` retries with ``asyncio.sleep`` for up
  to ``BUSY_TIMEOUT_MS``. WAL checkpoints (copying the log into the database, with an fsync)
  run on the reader's thread, after every ``CHECKPOINT_EVERY`` commits.
- the **reader** (``aiosqlite``: its own thread), for plain reads outside a transaction. In
  WAL mode it sees every committed write and never waits for a writer; a long read (an
  export, a report) never holds the loop.

:meth:`Database.try_transaction` is for best-effort book-keeping on every update: it gives up
(:class:`Busy`) when another process holds the database for more than
``QUICK_BUSY_TIMEOUT_MS``, or this process's own writes keep it longer than
``QUICK_WAIT_SECONDS``, instead of holding the update up.

Repository methods take an optional ``q`` (a :class:`Tx`) so a service can run several of them
in one transaction; without it they use the database directly.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import sqlite3
import time
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Protocol

import aiosqlite

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
QUICK_BUSY_TIMEOUT_MS = 250
QUICK_WAIT_SECONDS = 0.5  # for this process's own writes ahead in the queue
CHECKPOINT_EVERY = 500  # commits between two WAL checkpoints (on the reader's thread)
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


PRAGMAS = (
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = NORMAL",
    "PRAGMA foreign_keys = ON",
    # a deleted row's bytes are overwritten, not left in free pages (or in backups of them)
    "PRAGMA secure_delete = ON",
)


def is_busy(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and (
        "locked" in str(exc) or "busy" in str(exc)
    )


def _open_writer(path: Path | str) -> sqlite3.Connection:
    """The writer, for the event loop's thread: SQLite never sleeps in it (``busy_timeout``
    0: :meth:`Database._retry` waits instead) and never checkpoints on commit."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA busy_timeout = 0")
        for pragma in PRAGMAS:
            conn.execute(pragma)  # sql-ok: the constant PRAGMAS
        conn.execute("PRAGMA wal_autocheckpoint = 0")
        conn.create_function("cg_pseudonym", 2, pseudonym, deterministic=True)
    except BaseException:
        conn.close()
        raise
    return conn


async def _open_reader(path: Path | str) -> aiosqlite.Connection:
    conn = await aiosqlite.connect(path, isolation_level=None)  # we manage transactions
    try:
        conn.row_factory = aiosqlite.Row
        await conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_MS)}")  # sql-ok: an int
        for pragma in PRAGMAS:
            await conn.execute(pragma)  # sql-ok: the constant PRAGMAS
        await conn.create_function("cg_pseudonym", 2, pseudonym, deterministic=True)
    except BaseException:
        await conn.close()  # else its thread keeps the process alive
        raise
    return conn


class Tx:
    """One open write transaction on the writer: every statement runs inside it, at once."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    async def fetch_all(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        return self.conn.execute(sql, tuple(params)).fetchall()

    async def fetch_one(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Row | None:
        return self.conn.execute(sql, tuple(params)).fetchone()

    async def fetch_value(self, sql: str, params: Iterable[Any] = ()) -> Any:
        row = await self.fetch_one(sql, params)
        return None if row is None else row[0]

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one statement; returns the changed row count."""
        return self.conn.execute(sql, tuple(params)).rowcount

    async def once(self, sql: str, params: Iterable[Any], write_audit_entry) -> bool:
        """Run a change that may happen once (``UPDATE ... WHERE <not done yet>``); when it
        changed something, call ``write_audit_entry(self)`` in the same transaction."""
        if not await self.execute(sql, params):
            return False
        await write_audit_entry(self)
        return True

    async def execute_many(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        """Run one statement for each of ``rows``."""
        self.conn.executemany(sql, (tuple(r) for r in rows))

    async def insert(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one INSERT; returns the new row's id."""
        return self.conn.execute(sql, tuple(params)).lastrowid


class Reads:
    """Plain reads on the reader connection (its own thread: one trip per statement)."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    async def fetch_all(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        return list(await self.conn.execute_fetchall(sql, tuple(params)))

    async def fetch_one(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Row | None:
        rows = await self.conn.execute_fetchall(sql, tuple(params))
        return rows[0] if rows else None


class Database:
    def __init__(
        self, writer: sqlite3.Connection, path: Path, reader: aiosqlite.Connection | None = None
    ) -> None:
        self._conn = writer
        self._lock = asyncio.Lock()
        self._reader = reader
        self.path = path
        self._commits = 0
        self._checkpoint: asyncio.Task | None = None

    @classmethod
    async def open(cls, path: Path | str) -> Database:
        path = Path(path)
        if str(path) == ":memory:":  # one connection: a second one would be another database
            return cls(_open_writer(path), path)
        path.parent.mkdir(parents=True, exist_ok=True)
        writer = await cls._retry(lambda: _open_writer(path), BUSY_TIMEOUT_MS)
        try:
            reader = await _open_reader(path)
        except BaseException:
            writer.close()
            raise
        return cls(writer, path, reader)

    async def close(self) -> None:
        async with self._lock:
            if self._checkpoint is not None:
                with contextlib.suppress(Exception):
                    await self._checkpoint
            if self._reader is not None:
                await self._reader.close()
            self._conn.close()

    @staticmethod
    async def _retry(attempt, budget_ms: int):
        """``attempt()`` until SQLite stops answering "database is locked" (another process
        holds it), sleeping the coroutine, not the loop, for at most ``budget_ms``."""
        deadline = time.monotonic() + budget_ms / 1000
        delay = 0.002
        while True:
            try:
                return attempt()
            except sqlite3.OperationalError as exc:
                if not is_busy(exc) or time.monotonic() >= deadline:
                    raise
            await asyncio.sleep(delay)
            delay = min(2 * delay, 0.1)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT``; rolled back if the block raises."""
        await asyncio.sleep(0)  # a loop of writes still lets the loop's other tasks run
        async with self._lock, self._begin(BUSY_TIMEOUT_MS) as tx:
            yield tx

    @asynccontextmanager
    async def try_transaction(self) -> AsyncIterator[Tx]:
        """Like :meth:`transaction`; raises :class:`Busy` when another writer (in this process
        or another) keeps the database for longer than a moment."""
        await asyncio.sleep(0)
        async with self.try_transaction_lock():
            try:
                async with self._begin(QUICK_BUSY_TIMEOUT_MS) as tx:
                    yield tx
            except sqlite3.OperationalError as exc:
                if is_busy(exc):
                    raise Busy from exc
                raise

    async def try_execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        """One statement in its own (implicit) transaction, for the book-keeping every update
        does. Raises ``Busy`` like :meth:`try_transaction`."""
        async with self.try_transaction_lock():
            try:
                changed = await self._retry(
                    lambda: self._conn.execute(sql, tuple(params)).rowcount,
                    QUICK_BUSY_TIMEOUT_MS,
                )
            except sqlite3.OperationalError as exc:
                if is_busy(exc):
                    raise Busy from exc
                raise
            self._committed()
            return changed

    @asynccontextmanager
    async def try_transaction_lock(self) -> AsyncIterator[None]:
        if self._lock.locked():  # wait a little for this process's own writes
            try:
                await asyncio.wait_for(self._lock.acquire(), QUICK_WAIT_SECONDS)
            except TimeoutError:
                raise Busy from None
        else:
            await self._lock.acquire()
        try:
            yield
        finally:
            self._lock.release()

    @asynccontextmanager
    async def _begin(self, budget_ms: int) -> AsyncIterator[Tx]:
        conn = self._conn
        await self._retry(lambda: conn.execute("BEGIN IMMEDIATE"), budget_ms)
        try:
            yield Tx(conn)
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        else:
            try:
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:  # e.g. the disk is full: nothing half-written stays
                    conn.execute("ROLLBACK")
                raise
            self._committed()

    def _committed(self) -> None:
        """Every ``CHECKPOINT_EVERY`` commits, copy the WAL into the database on the
        reader's thread (the loop never waits for that fsync)."""
        self._commits += 1
        if self._reader is None or self._commits % CHECKPOINT_EVERY:
            return
        if self._checkpoint is None or self._checkpoint.done():
            self._checkpoint = asyncio.get_running_loop().create_task(self._run_checkpoint())

    async def _run_checkpoint(self) -> None:
        try:
            await self._reader.execute_fetchall("PRAGMA wal_checkpoint(PASSIVE)")
        except Exception:  # the next one tries again
            log.warning("A WAL checkpoint failed", exc_info=True)

    async def fetch_all(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        if self._reader is None:
            async with self._lock:
                return await Tx(self._conn).fetch_all(sql, params)
        return await Reads(self._reader).fetch_all(sql, params)

    async def fetch_one(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Row | None:
        if self._reader is None:
            async with self._lock:
                return await Tx(self._conn).fetch_one(sql, params)
        return await Reads(self._reader).fetch_one(sql, params)

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
        travels inside the script itself. (Migrations, before the bot takes updates.)
        """
        async with self._lock:
            try:
                self._conn.executescript(f"BEGIN IMMEDIATE;\n{script}\n;COMMIT;")
            except BaseException:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise

    async def backup_to(self, target: Path) -> int:
        """Copy the live database to ``target`` with SQLite's online backup API, from the
        reader (one read snapshot, on its thread: writes go on meanwhile).

        Returns the number of pages copied.
        """
        target.parent.mkdir(parents=True, exist_ok=True)
        dest = sqlite3.connect(target)
        try:
            if self._reader is not None:
                await self._reader.backup(dest)
            else:
                async with self._lock:
                    self._conn.backup(dest)
            return dest.execute("PRAGMA page_count").fetchone()[0]
        finally:
            dest.close()
