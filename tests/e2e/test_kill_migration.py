"""``kill -9`` in the middle of a migration, at several random moments (issue 14): each
migration is one transaction, so after the kill the database is whole (integrity check,
foreign keys) at the version before or after a migration, never between, with every resident
still there; running the migrations again finishes the job.

The base database stops before 0018, which rebuilds the residents table (thousands of rows),
so that the kill has something heavy to land in.
"""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.storage.db import Database
from bot.storage.migrations import discover, migrate

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
BEFORE = 18  # the base database has every migration below this one
RESIDENTS = 20_000
KILLS = 5
OLD_TENURES = ("renter", "owner", "assisted", "market", "undisclosed", None)


def old_migrations(folder: Path) -> Path:
    folder.mkdir()
    for m in discover():
        if m.version < BEFORE:
            shutil.copy(m.path, folder / m.path.name)
    return folder


async def base_database(path: Path, folder: Path) -> None:
    db = await Database.open(path)
    try:
        await migrate(db, folder)
    finally:
        await db.close()
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("INSERT INTO buildings (id, name) VALUES (1, 'Maple Court')")
        ids = range(1, RESIDENTS + 1)
        conn.executemany("INSERT INTO users (id) VALUES (?)", [(i,) for i in ids])
        conn.executemany(
            "INSERT INTO residents (user_id, building_id, display_name, unit, tenure, status, "
            "consent_version, consent_at) VALUES (?, 1, ?, ?, ?, 'approved', 'v1', "
            "'2026-01-01T00:00:00Z')",
            [(i, f"P{i}", str(i % 900), OLD_TENURES[i % len(OLD_TENURES)]) for i in ids],
        )
    conn.close()


def migrate_process(db_path: Path) -> subprocess.Popen:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("BOT_")},
        "PYTHONPATH": str(ROOT),
        "BOT_DB_PATH": str(db_path),
    }
    with (db_path.parent / f"{db_path.stem}.log").open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "bot", "migrate"],
            cwd=db_path.parent,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def log_of(db_path: Path) -> str:
    return (db_path.parent / f"{db_path.stem}.log").read_text(errors="replace")


def state_of(db_path: Path) -> tuple[int, int, bool]:
    """(version, residents, whether residents has the affordability column), after checking
    the file is whole."""
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        version = conn.execute("SELECT max(version) FROM schema_migrations").fetchone()[0]
        count = conn.execute("SELECT count(*) FROM residents").fetchone()[0]
        columns = {r[1] for r in conn.execute("PRAGMA table_info(residents)")}
    finally:
        conn.close()
    return version, count, "affordability" in columns


async def test_kill_9_during_a_migration_leaves_a_whole_database_at_a_version(tmp_path):
    base = tmp_path / "base.sqlite3"
    await base_database(base, old_migrations(tmp_path / "old-migrations"))
    latest = max(m.version for m in discover())
    # how long a whole run takes here: the kills land anywhere inside it
    timing = tmp_path / "timing.sqlite3"
    shutil.copy(base, timing)
    began = time.monotonic()
    proc = migrate_process(timing)
    assert await asyncio.to_thread(proc.wait) == 0, log_of(timing)
    duration = time.monotonic() - began
    assert state_of(timing) == (latest, RESIDENTS, True)

    rng = random.Random(13)
    seen_versions = set()
    for i in range(KILLS):
        db_path = tmp_path / f"kill-{i}.sqlite3"
        shutil.copy(base, db_path)
        proc = migrate_process(db_path)
        await asyncio.sleep(rng.uniform(0.2, 1.0) * duration)
        proc.send_signal(signal.SIGKILL)
        await asyncio.to_thread(proc.wait)
        version, count, split = state_of(db_path)
        seen_versions.add(version)
        assert count == RESIDENTS
        assert split == (version >= BEFORE)  # the table matches the recorded version
        proc = migrate_process(db_path)  # the restart finishes the job
        assert await asyncio.to_thread(proc.wait) == 0, log_of(db_path)
        assert state_of(db_path) == (latest, RESIDENTS, True)
        conn = sqlite3.connect(db_path)
        try:
            rows = dict(conn.execute("SELECT user_id, affordability FROM residents").fetchall())
        finally:
            conn.close()
        assert (rows[1], rows[2], rows[3]) == ("unknown", "assisted", "market")
    print(f"whole run {duration:.2f} s; versions found after the kills: {sorted(seen_versions)}")
