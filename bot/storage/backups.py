"""Backups: the daily online copy with retention, the copy taken before an upgrade, and restore.

Every copy is made with SQLite's online backup API (:meth:`Database.backup_to`), written under
a temporary name and renamed when complete, so a file named like a backup is always a whole
one. Daily copies are named ``<db stem>-YYYY-MM-DD.sqlite3`` (the community's date) and only
the newest ``keep`` of them stay; copies taken before migrations are named
``<db stem>-YYYY-MM-DDTHHMMSS-before-vN.sqlite3`` and are never removed by the rotation.

Restore checks the copy (``PRAGMA integrity_check``, a schema this code knows), copies it
next to the database, moves the current database (and its ``-wal``/``-shm``) aside as
``<db>.before-restore-<time>``, and puts the copy in its place. The caller makes sure no bot
runs on the database (``bot.health.RunLock``).
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
from datetime import date
from pathlib import Path

from bot.storage.db import Database
from bot.storage.migrations import current_version, discover

SIDE_FILES = ("-wal", "-shm")


class BackupProblem(Exception):
    """A backup cannot be used (damaged, not ours, or newer than this code)."""


def daily_path(backup_dir: Path, db_path: Path, day: date) -> Path:
    return backup_dir / f"{db_path.stem}-{day.isoformat()}.sqlite3"


def _daily_pattern(db_path: Path) -> re.Pattern:
    return re.compile(rf"^{re.escape(db_path.stem)}-\d{{4}}-\d{{2}}-\d{{2}}\.sqlite3$")


def daily_backups(backup_dir: Path, db_path: Path) -> list[Path]:
    """The daily copies of ``db_path`` in ``backup_dir``, newest first."""
    if not backup_dir.is_dir():
        return []
    pattern = _daily_pattern(db_path)
    return sorted(
        (p for p in backup_dir.iterdir() if pattern.match(p.name)),
        key=lambda p: p.name,
        reverse=True,
    )


async def write_backup(db: Database, target: Path) -> int:
    """An online copy of ``db`` at ``target`` (replaced if there); returns its page count."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    with contextlib.suppress(FileNotFoundError):
        partial.unlink()
    try:
        pages = await db.backup_to(partial)
        os.replace(partial, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
        raise
    return pages


def prune(backup_dir: Path, db_path: Path, keep: int) -> list[Path]:
    """Remove all but the newest ``keep`` daily copies; returns what was removed."""
    removed = daily_backups(backup_dir, db_path)[keep:]
    for path in removed:
        path.unlink()
    return removed


async def daily(db: Database, backup_dir: Path, day: date, keep: int) -> tuple[Path, list[Path]]:
    """Today's copy (taken again if the job runs twice in a day), then the rotation."""
    target = daily_path(backup_dir, db.path, day)
    await write_backup(db, target)
    return target, prune(backup_dir, db.path, keep)


async def before_upgrade(db: Database, backup_dir: Path, stamp: str) -> Path | None:
    """A copy of ``db`` when it holds data and migrations are pending; else None."""
    version = await current_version(db)
    latest = max((m.version for m in discover()), default=0)
    if version == 0 or version >= latest:
        return None
    target = backup_dir / f"{db.path.stem}-{stamp}-before-v{latest}.sqlite3"
    await write_backup(db, target)
    return target


def _open_copy(path: Path) -> sqlite3.Connection:
    # immutable: nothing writes a backup, and no -wal/-shm appears beside it
    return sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)


def verify(path: Path, latest: int) -> int:
    """The copy's schema version, after checking it is whole and ours."""
    if not path.is_file():
        raise BackupProblem(f"{path} is not a file")
    try:
        conn = _open_copy(path)
        try:
            result = conn.execute("PRAGMA integrity_check").fetchone()[0]
            if result != "ok":
                raise BackupProblem(f"{path} is damaged: {result}")
            version = conn.execute(
                "SELECT coalesce(max(version), 0) FROM schema_migrations"
            ).fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise BackupProblem(f"{path} is not a Common Ground database: {exc}") from None
    if not version:
        raise BackupProblem(f"{path} has no schema (not a Common Ground database?)")
    if version > latest:
        raise BackupProblem(
            f"{path} is at schema version {version}, newer than this code knows ({latest})"
        )
    return version


def restore(backup: Path, db_path: Path, stamp: str) -> tuple[int, Path | None]:
    """Put ``backup`` in place of ``db_path``; returns (its schema version, where the
    database it replaced now is, or None when there was none)."""
    latest = max((m.version for m in discover()), default=0)
    version = verify(backup, latest)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    incoming = db_path.with_name(db_path.name + ".restoring")
    with contextlib.suppress(FileNotFoundError):
        incoming.unlink()
    source, dest = _open_copy(backup), sqlite3.connect(incoming)
    try:
        source.backup(dest)
    finally:
        dest.close()
        source.close()

    aside = None
    if any(Path(f"{db_path}{suffix}").exists() for suffix in ("", *SIDE_FILES)):
        with contextlib.suppress(sqlite3.Error):  # fold the WAL in, when the file allows it
            conn = sqlite3.connect(db_path)
            try:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                conn.close()
        aside = db_path.with_name(f"{db_path.name}.before-restore-{stamp}")
        for suffix in ("", *SIDE_FILES):
            current = Path(f"{db_path}{suffix}")
            if current.exists():
                os.replace(current, Path(f"{aside}{suffix}"))
    os.replace(incoming, db_path)
    return version, aside
