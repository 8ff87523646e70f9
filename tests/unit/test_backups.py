"""Backups: the daily copy and its rotation, the copy before an upgrade, and restore (the
data comes back; a damaged or too-new copy is refused and the database left alone)."""

import sqlite3
from datetime import date, timedelta

import pytest

from bot.storage import backups
from bot.storage.backups import BackupProblem
from bot.storage.db import Database
from bot.storage.migrations import discover, migrate

LATEST = max(m.version for m in discover())


@pytest.fixture
async def db(tmp_path):
    database = await Database.open(tmp_path / "live" / "bot.sqlite3")
    await migrate(database)
    await database.execute("INSERT INTO users (id, locale) VALUES (7, 'fr')")
    yield database
    await database.close()


def locales(path) -> dict[int, str]:
    conn = sqlite3.connect(path)
    try:
        return dict(conn.execute("SELECT id, locale FROM users").fetchall())
    finally:
        conn.close()


async def test_daily_copies_are_dated_and_only_the_newest_are_kept(db, tmp_path):
    folder = tmp_path / "backups"
    (folder).mkdir()
    (folder / "notes.txt").write_text("kept")  # not ours: never touched
    first = date(2026, 11, 1)
    for n in range(5):
        path, removed = await backups.daily(db, folder, first + timedelta(days=n), keep=3)
    assert path == folder / "bot-2026-11-05.sqlite3"
    assert [p.name for p in removed] == ["bot-2026-11-02.sqlite3"]
    assert sorted(p.name for p in folder.iterdir()) == [
        "bot-2026-11-03.sqlite3",
        "bot-2026-11-04.sqlite3",
        "bot-2026-11-05.sqlite3",
        "notes.txt",
    ]
    assert locales(path) == {7: "fr"}


async def test_a_second_copy_on_the_same_day_replaces_the_first(db, tmp_path):
    folder = tmp_path / "backups"
    await backups.daily(db, folder, date(2026, 11, 1), keep=7)
    await db.execute("INSERT INTO users (id, locale) VALUES (8, 'es')")
    path, _ = await backups.daily(db, folder, date(2026, 11, 1), keep=7)
    assert locales(path) == {7: "fr", 8: "es"}
    assert [p.name for p in folder.iterdir()] == ["bot-2026-11-01.sqlite3"]


async def test_a_copy_is_taken_before_pending_migrations_only(db, tmp_path):
    folder = tmp_path / "backups"
    assert await backups.before_upgrade(db, folder, "2026-11-25T033000") is None  # up to date
    await db.execute("DELETE FROM schema_migrations WHERE version = ?", (LATEST,))
    copy = await backups.before_upgrade(db, folder, "2026-11-25T033000")
    assert copy == folder / f"bot-2026-11-25T033000-before-v{LATEST}.sqlite3"
    assert locales(copy) == {7: "fr"}
    # the daily rotation never removes it
    assert backups.prune(folder, db.path, keep=1) == []


async def test_a_brand_new_database_needs_no_copy(tmp_path):
    fresh = await Database.open(tmp_path / "new.sqlite3")
    try:
        assert await backups.before_upgrade(fresh, tmp_path / "backups", "x") is None
    finally:
        await fresh.close()


async def test_restore_brings_the_data_back_and_keeps_the_replaced_database(db, tmp_path):
    copy = tmp_path / "copy.sqlite3"
    await backups.write_backup(db, copy)
    await db.execute("UPDATE users SET locale = 'ar' WHERE id = 7")
    await db.execute("INSERT INTO users (id, locale) VALUES (9, 'vi')")
    await db.close()

    version, aside = backups.restore(copy, db.path, "2026-11-25T120000")
    assert version == LATEST
    assert locales(db.path) == {7: "fr"}
    assert aside == db.path.with_name("bot.sqlite3.before-restore-2026-11-25T120000")
    assert locales(aside) == {7: "ar", 9: "vi"}  # nothing was lost by restoring
    assert not (tmp_path / "copy.sqlite3-wal").exists()


async def test_a_damaged_copy_is_refused_and_the_database_left_alone(db, tmp_path):
    copy = tmp_path / "copy.sqlite3"
    await backups.write_backup(db, copy)
    data = bytearray(copy.read_bytes())
    data[4096 * 2 : 4096 * 4] = b"\x00\xff" * 4096
    copy.write_bytes(bytes(data))
    await db.close()
    with pytest.raises(BackupProblem):
        backups.restore(copy, db.path, "x")
    assert locales(db.path) == {7: "fr"}
    assert [p.name for p in db.path.parent.iterdir() if "before-restore" in p.name] == []


async def test_a_copy_from_newer_code_is_refused(db, tmp_path):
    copy = tmp_path / "copy.sqlite3"
    await backups.write_backup(db, copy)
    conn = sqlite3.connect(copy)
    conn.execute("INSERT INTO schema_migrations (version, name) VALUES (9999, 'future')")
    conn.commit()
    conn.close()
    with pytest.raises(BackupProblem, match="newer than this code"):
        backups.restore(copy, db.path, "x")


def test_something_that_is_not_a_database_is_refused(tmp_path):
    junk = tmp_path / "junk.sqlite3"
    junk.write_text("hello")
    with pytest.raises(BackupProblem):
        backups.verify(junk, LATEST)
