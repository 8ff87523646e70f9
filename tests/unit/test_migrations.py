"""Migrations apply in order, once, atomically; a failing one changes nothing."""

import sqlite3

import pytest

from bot.storage.db import Database
from bot.storage.migrations import MigrationError, current_version, discover, migrate


@pytest.fixture
async def db(tmp_path):
    database = await Database.open(tmp_path / "test.sqlite3")
    yield database
    await database.close()


async def test_project_migrations_apply_and_are_idempotent(db):
    applied = await migrate(db)
    assert [m.version for m in applied] == [m.version for m in discover()]
    assert await current_version(db) == applied[-1].version
    assert await migrate(db) == []


async def test_connection_uses_wal_and_foreign_keys(db):
    assert (await db.fetch_value("PRAGMA journal_mode")).lower() == "wal"
    assert await db.fetch_value("PRAGMA foreign_keys") == 1
    assert await db.fetch_value("PRAGMA busy_timeout") >= 1000


async def test_a_failing_migration_rolls_back_completely(db, tmp_path):
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "0001_first.sql").write_text("CREATE TABLE a (x INTEGER);")
    (folder / "0002_broken.sql").write_text(
        "CREATE TABLE b (y INTEGER);\nINSERT INTO a VALUES (1);\nINSERT INTO nowhere VALUES (1);"
    )
    with pytest.raises(MigrationError, match=r"0002_broken\.sql failed.*version 1"):
        await migrate(db, folder)
    assert await current_version(db) == 1
    tables = {r[0] for r in await db.fetch_all("SELECT name FROM sqlite_master")}
    assert "a" in tables
    assert "b" not in tables
    assert await db.fetch_value("SELECT count(*) FROM a") == 0
    # Fixed, it applies on the next start.
    (folder / "0002_broken.sql").write_text("CREATE TABLE b (y INTEGER);")
    assert [m.version for m in await migrate(db, folder)] == [2]


async def test_badly_named_files_are_refused(tmp_path):
    (tmp_path / "1_oops.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match="NNNN_name"):
        discover(tmp_path)


async def test_a_database_newer_than_the_code_is_refused(db, tmp_path):
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "0001_a.sql").write_text("CREATE TABLE a (x);")
    (folder / "0002_b.sql").write_text("CREATE TABLE b (x);")
    await migrate(db, folder)
    (folder / "0002_b.sql").unlink()
    with pytest.raises(MigrationError, match="newer than this code"):
        await migrate(db, folder)


async def test_transaction_rolls_back_on_error(db):
    await migrate(db)
    with pytest.raises(sqlite3.IntegrityError):
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO users (id) VALUES (1)")
            await conn.execute("INSERT INTO users (id) VALUES (1)")
    assert await db.fetch_value("SELECT count(*) FROM users") == 0


async def test_online_backup_copies_the_data(db, tmp_path):
    await migrate(db)
    await db.execute("INSERT INTO users (id, locale) VALUES (42, 'vi')")
    target = tmp_path / "backup" / "copy.sqlite3"
    assert await db.backup_to(target) > 0
    copy = sqlite3.connect(target)
    try:
        assert copy.execute("SELECT locale FROM users WHERE id = 42").fetchone() == ("vi",)
    finally:
        copy.close()


async def test_a_migration_numbered_below_the_latest_applied_is_still_applied(tmp_path):
    """Two branches merged: 0003 arrives after a database already took 0004. The runner
    applies what is missing, not only what is above the latest version."""
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "0001_a.sql").write_text("CREATE TABLE a (x INTEGER);")
    (folder / "0002_b.sql").write_text("CREATE TABLE b (x INTEGER);")
    (folder / "0004_d.sql").write_text("CREATE TABLE d (x INTEGER);")
    db = await Database.open(tmp_path / "db.sqlite3")
    try:
        await migrate(db, folder)
        (folder / "0003_c.sql").write_text("CREATE TABLE c (x INTEGER);")
        applied = await migrate(db, folder)
        assert [m.version for m in applied] == [3]
        assert await db.fetch_value("SELECT count(*) FROM sqlite_master WHERE name = 'c'") == 1
        assert await current_version(db) == 4
        assert await migrate(db, folder) == []
    finally:
        await db.close()
