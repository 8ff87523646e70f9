"""A look at a database file without writing to it (``python -m bot healthcheck``)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.storage.inbox import DEPTH, Depth


def check_read_only(db_path: Path, latest: int) -> tuple[str | None, int]:
    """(the problem, or None; the schema version): read-only, never creates the file."""
    if not db_path.is_file():
        return f"no database at {db_path}", 0
    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error as exc:
        return f"database {db_path} cannot be opened: {exc}", 0
    try:
        result = conn.execute("PRAGMA quick_check").fetchone()[0]
        if result != "ok":
            return f"database {db_path} is damaged: {result}", 0
        version = conn.execute(
            "SELECT coalesce(max(version), 0) FROM schema_migrations"
        ).fetchone()[0]
    except sqlite3.Error as exc:
        return f"database {db_path}: {exc}", 0
    finally:
        conn.close()
    if version != latest:
        return f"database schema is at version {version}, this code expects {latest}", version
    return None, version


def inbox_depth(db_path: Path) -> tuple[str | None, Depth]:
    """(the problem, or None; what waits in the webhook inbox), read-only."""
    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error as exc:
        return f"database {db_path} cannot be opened: {exc}", Depth(0, None)
    try:
        return None, Depth.of(conn.execute(DEPTH).fetchone())
    except sqlite3.Error as exc:
        return f"database {db_path}: {exc}", Depth(0, None)
    finally:
        conn.close()
