"""When the database cannot take a write (another process holds it, or the disk is full), the
resident gets a translated "please try again in a minute", the trouble is logged once with its
context (not once per update), nothing half-written stays, and the bot carries on (issue 14).
"""

from __future__ import annotations

import logging
import sqlite3

import pytest

from bot.handlers import errors
from bot.storage import db as storage_db
from bot.storage.db import Tx
from bot.views import buttons as b
from tests.handlers.test_announcements import building, residents
from tests.support import tr

TRY_AGAIN = "Sorry, I couldn't save that just now. Please try again in a minute."


@pytest.fixture
def quick_timeouts(harness, monkeypatch):
    """Let the bot's connections give up on a lock at once, not after five seconds."""

    async def apply():
        db = harness.app.bot_data["services"].db
        await db._reader.execute("PRAGMA busy_timeout = 50")
        monkeypatch.setattr(storage_db, "BUSY_TIMEOUT_MS", 50)

    return apply


@pytest.fixture(autouse=True)
def fresh_log_window(monkeypatch):
    monkeypatch.setattr(errors, "STORAGE_LOG", errors._Once())


async def test_a_database_locked_by_another_process_gets_a_kind_try_again(
    harness, quick_timeouts, caplog
):
    await quick_timeouts()
    services = harness.app.bot_data["services"]
    bid = await building(harness)
    [person] = await residents(harness, bid, 1, first_id=7800, locales=("fr",))
    [chooser] = await harness.send(person, "/language")
    other = sqlite3.connect(services.db.path, timeout=0, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # a backup script, a second bot by mistake...
    try:
        with caplog.at_level(logging.ERROR, logger="bot.handlers.errors"):
            _, [alert] = await harness.press(person, chooser, b.LanguageSet("vi").pack())
            _, [again] = await harness.press(person, chooser, b.LanguageSet("vi").pack())
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert alert.params["text"] == tr("fr", TRY_AGAIN) == again.params["text"]
    assert await services.users.locale_for(person["id"]) == "fr"  # nothing changed
    reports = [r for r in caplog.records if "locked by another process" in r.getMessage()]
    assert len(reports) == 1 and "Update" in reports[0].getMessage()  # once, with the update
    # the lock is gone: the same press works
    _, [done] = await harness.press(person, chooser, b.LanguageSet("vi").pack())
    assert await services.users.locale_for(person["id"]) == "vi"
    assert done.params.get("text") != tr("fr", TRY_AGAIN)


async def test_a_full_disk_leaves_no_half_written_change(harness, admin, monkeypatch, caplog):
    """Adding a building writes the building and its audit entry in one transaction; the disk
    fills up at the second write: neither stays, and the admin is asked to try again."""
    services = harness.app.bot_data["services"]
    db = services.db
    writes = []
    real_execute, real_insert = Tx.execute, Tx.insert

    def failing(real):
        async def write(self, sql, params=()):
            if "buildings" in sql or "audit_log" in sql:  # the change itself, not book-keeping
                writes.append(sql)
                if len(writes) == 2:
                    raise sqlite3.OperationalError("database or disk is full")
            return await real(self, sql, params)

        return write

    await harness.send(admin, "/building add Maple Court")
    before = await db.fetch_all("SELECT id, action FROM audit_log")
    monkeypatch.setattr(Tx, "execute", failing(real_execute))
    monkeypatch.setattr(Tx, "insert", failing(real_insert))
    with caplog.at_level(logging.ERROR, logger="bot.handlers.errors"):
        [reply] = await harness.send(admin, "/building add Oak House")
    monkeypatch.setattr(Tx, "execute", real_execute)
    monkeypatch.setattr(Tx, "insert", real_insert)
    assert len(writes) >= 2  # the failure came in the middle of the change
    assert reply["text"] == tr("en", TRY_AGAIN)
    names = [r[0] for r in await db.fetch_all("SELECT name FROM buildings")]
    assert "Oak House" not in names and "Maple Court" in names
    assert [tuple(r) for r in await db.fetch_all("SELECT id, action FROM audit_log")] == [
        tuple(r) for r in before
    ]
    assert any("out of disk space" in r.getMessage() for r in caplog.records)
    [again] = await harness.send(admin, "/building add Oak House")  # the disk has room again
    assert "Oak House" in again["text"]


def test_storage_trouble_reads_sqlite_errors_through_their_causes():
    wrapped = RuntimeError("while saving")
    wrapped.__cause__ = sqlite3.OperationalError("database is locked")
    assert errors.storage_trouble(wrapped) == "busy"
    assert errors.storage_trouble(sqlite3.OperationalError("database or disk is full")) == "full"
    assert errors.storage_trouble(sqlite3.OperationalError("no such table: x")) is None
    assert errors.storage_trouble(ValueError("database is locked")) is None
