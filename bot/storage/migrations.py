"""Apply ``migrations/NNNN_name.sql`` in order, each in one transaction, recording the version."""

from __future__ import annotations

import logging
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from bot.storage.db import Database

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent.parent / "migrations"
_NAME_RE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


class MigrationError(Exception):
    """A migration could not be applied; the database is left at the previous version."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Path


def discover(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    found: dict[int, Migration] = {}
    for path in sorted(directory.glob("*.sql")):
        match = _NAME_RE.match(path.name)
        if not match:
            raise MigrationError(f"{path.name}: migration files must be named NNNN_name.sql")
        version = int(match.group(1))
        if version in found:
            raise MigrationError(f"{path.name}: version {version} is used twice")
        found[version] = Migration(version, match.group(2), path)
    return [found[v] for v in sorted(found)]


async def current_version(db: Database) -> int:
    exists = await db.fetch_value(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
    )
    if not exists:
        return 0
    return await db.fetch_value("SELECT coalesce(max(version), 0) FROM schema_migrations") or 0


async def migrate(db: Database, directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """Bring the schema up to date; returns the migrations applied now."""
    await db.executescript_atomic(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY,"
        " name TEXT NOT NULL,"
        " applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')));"
    )
    migrations = discover(directory)
    version = await current_version(db)
    known = {m.version for m in migrations}
    if version and version not in known:
        raise MigrationError(
            f"the database is at version {version}, newer than this code knows "
            f"(latest {max(known, default=0)}): refusing to run an older bot on it"
        )
    done = {r[0] for r in await db.fetch_all("SELECT version FROM schema_migrations")}
    applied = []
    for migration in migrations:
        # every migration not recorded yet, in order: also one numbered below the latest
        # applied (two branches merged in the other order must not skip one)
        if migration.version in done:
            continue
        sql = migration.path.read_text(encoding="utf-8")
        script = (
            f"{sql}\n;INSERT INTO schema_migrations (version, name) "
            f"VALUES ({migration.version}, '{migration.name}');"
        )
        try:
            await db.executescript_atomic(script)
        except sqlite3.Error as exc:
            raise MigrationError(
                f"{migration.path.name} failed: {exc}; the database is unchanged "
                f"at version {version}"
            ) from exc
        log.info("Applied migration %s", migration.path.name)
        version = migration.version
        applied.append(migration)
    return applied
