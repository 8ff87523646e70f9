"""The command line: ``python -m bot [run|demo|migrate|backup PATH|restore PATH|healthcheck|
export|stats|sandbox]``.

With no command the bot runs for real when ``BOT_TOKEN`` is set, and otherwise starts the
offline demo (the local sandbox plus a terminal chat) when a person is at the keyboard.

Exit status: 0 fine, 1 the bot stopped on an unexpected error (or ``healthcheck``: unhealthy),
2 configuration problem, 3 database problem (a migration failed, a backup could not be
written or restored, another bot holds the database).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sqlite3
import sys
from pathlib import Path

from bot.config import Config, ConfigError, load_config, logging_level
from bot.health import RunLock
from bot.logs import setup_logging

EXIT_OK, EXIT_ERROR, EXIT_CONFIG, EXIT_DATABASE = 0, 1, 2, 3
DEMO_DB = Path("data/demo.sqlite3")
DEMO_LOG = Path("data/demo-bot.log")

log = logging.getLogger("bot")


def fail(message: str, status: int) -> int:
    print(f"error: {message}", file=sys.stderr)
    return status


def upgrade_backup_dir(config: Config) -> Path:
    """Where the copy taken before migrations goes (even with daily backups off)."""
    return config.backup_dir or config.db_path.parent / "backups"


async def _migrate(config: Config) -> tuple[list, Path | None]:
    """Migrate, after an online copy when the database holds data and migrations are due."""
    from datetime import datetime

    from bot.storage import backups
    from bot.storage.db import Database
    from bot.storage.migrations import migrate

    db = await Database.open(config.db_path)
    try:
        stamp = datetime.now(config.timezone).strftime("%Y-%m-%dT%H%M%S")
        try:
            copy = await backups.before_upgrade(db, upgrade_backup_dir(config), stamp)
        except (sqlite3.Error, OSError) as exc:
            raise UpgradeBackupFailed(str(exc)) from exc
        return await migrate(db), copy
    finally:
        await db.close()


class UpgradeBackupFailed(Exception):
    """The copy before migrating could not be written: nothing was migrated."""


async def _backup(config: Config, target: Path) -> int:
    from bot.storage.db import Database

    db = await Database.open(config.db_path)
    try:
        return await db.backup_to(target)
    finally:
        await db.close()


def database_problem(exc: BaseException) -> str:
    """One clear line for a database error (no traceback)."""
    text = str(exc)
    if "locked" in text or "busy" in text:
        return f"{text}: another process is writing to it (is another bot running?)"
    return text


def cmd_migrate(config: Config, *, quiet: bool = False) -> int:
    from bot.storage.migrations import MigrationError

    try:
        applied, copy = asyncio.run(_migrate(config))
    except UpgradeBackupFailed as exc:
        return fail(
            f"could not back up {config.db_path} before upgrading it, so nothing was changed: "
            f"{exc}",
            EXIT_DATABASE,
        )
    except MigrationError as exc:
        return fail(f"database migration stopped: {exc}", EXIT_DATABASE)
    except (sqlite3.Error, OSError) as exc:
        return fail(f"database {config.db_path}: {database_problem(exc)}", EXIT_DATABASE)
    names = ", ".join(m.path.name for m in applied) or "none (already up to date)"
    if quiet:
        if copy is not None:
            log.info("Backed up the database before upgrading it, to %s", copy)
        log.info("Migrations applied: %s", names)
    else:
        if copy is not None:
            print(f"Backed up {config.db_path} to {copy} before upgrading it")
        print(f"{config.db_path}: applied {names}")
    return EXIT_OK


def cmd_backup(config: Config, target: Path, force: bool) -> int:
    if not config.db_path.is_file():
        return fail(f"there is no database at {config.db_path} to back up", EXIT_DATABASE)
    if target.exists() and not force:
        return fail(f"{target} already exists (add --force to overwrite it)", EXIT_DATABASE)
    if target.exists():
        target.unlink()
    try:
        pages = asyncio.run(_backup(config, target))
    except (sqlite3.Error, OSError) as exc:
        return fail(f"backup to {target} failed: {exc}", EXIT_DATABASE)
    print(f"Backed up {config.db_path} to {target} ({pages} pages)")
    return EXIT_OK


def cmd_run(config: Config) -> int:
    from telegram.error import InvalidToken, NetworkError

    from bot import app
    from bot.storage.migrations import MigrationError

    token = config.require_token()
    setup_logging(
        logging_level(config),
        token,
        log_format=config.log_format,
        secrets=(config.webhook_secret,) if config.webhook_secret else (),
    )
    lock = RunLock(config.db_path)
    if str(config.db_path) != ":memory:" and not lock.acquire():
        return fail(
            f"another bot is running on {config.db_path} (it holds {lock.path}); "
            "one process per database",
            EXIT_DATABASE,
        )
    with lock:  # held until the bot stops; the kernel lets go of it if the process dies
        status = cmd_migrate(config, quiet=True)
        if status != EXIT_OK:
            return status
        try:
            app.run(config)
        except InvalidToken:
            return fail(f"the Bot API at {config.api_host} rejected BOT_TOKEN", EXIT_CONFIG)
        except NetworkError as exc:
            return fail(f"could not reach the Bot API at {config.api_host}: {exc}", EXIT_ERROR)
        except (sqlite3.Error, MigrationError) as exc:
            return fail(f"database {config.db_path}: {database_problem(exc)}", EXIT_DATABASE)
    return EXIT_OK


def latest_schema() -> int:
    from bot.storage.migrations import discover

    return max((m.version for m in discover()), default=0)


def cmd_healthcheck(config: Config) -> int:
    """One line; 0 healthy, 1 not (Docker's HEALTHCHECK reads the status)."""
    from bot.health import check

    result = check(config.db_path, latest_schema(), webhook=config.webhook_url is not None)
    print(result.line)
    return EXIT_OK if result.ok else EXIT_ERROR


def cmd_restore(config: Config, backup: Path) -> int:
    """Put a backup in place of the database, keeping the current one aside."""
    from datetime import datetime

    from bot.storage import backups

    lock = RunLock(config.db_path)
    if not lock.acquire():
        return fail(
            f"a bot is running on {config.db_path}: stop it first (systemctl stop, "
            "docker compose stop), then restore",
            EXIT_DATABASE,
        )
    with lock:
        stamp = datetime.now(config.timezone).strftime("%Y-%m-%dT%H%M%S")
        try:
            version, aside = backups.restore(backup, config.db_path, stamp)
        except backups.BackupProblem as exc:
            return fail(f"not restored: {exc}", EXIT_DATABASE)
        except (sqlite3.Error, OSError) as exc:
            return fail(f"not restored: {exc}", EXIT_DATABASE)
    print(f"Restored {backup} (schema version {version}) as {config.db_path}")
    if aside is not None:
        print(f"The database it replaced is kept as {aside}")
    if version < latest_schema():
        print("The next start applies the newer migrations to it.")
    return EXIT_OK


async def _with_services(config: Config, work):
    """Run ``work(services)`` on the database (reads only), with this code's schema."""
    from bot.services import Services
    from bot.storage.db import Database
    from bot.storage.migrations import current_version

    db = await Database.open(config.db_path)
    try:
        version = await current_version(db)
        if version != latest_schema():
            raise sqlite3.DatabaseError(
                f"schema version {version}, this code needs {latest_schema()}: "
                "start the bot (or run `python -m bot migrate`) first"
            )
        return await work(Services.build(config, db))
    finally:
        await db.close()


def cmd_export(config: Config, fmt: str, out: Path) -> int:
    """Organisers' aggregate tables, the small-group rule applied, into ``out``."""
    from bot.services import export

    if not config.db_path.is_file():
        return fail(f"there is no database at {config.db_path}", EXIT_DATABASE)

    async def work(services):
        return await export.ExportService(services).tables()

    try:
        tables = asyncio.run(_with_services(config, work))
        written = export.write(tables, out, fmt)
    except (sqlite3.Error, OSError) as exc:
        return fail(f"export from {config.db_path} failed: {exc}", EXIT_DATABASE)
    for path in written:
        print(f"Wrote {path}")
    print(
        f"Counts of fewer than {config.min_group} people (BOT_MIN_GROUP), and any that would "
        "give one away, are left blank, like empty ones."
    )
    return EXIT_OK


def cmd_stats(config: Config) -> int:
    from bot.services import export

    if not config.db_path.is_file():
        return fail(f"there is no database at {config.db_path}", EXIT_DATABASE)

    async def work(services):
        return await export.ExportService(services).stats()

    try:
        lines = asyncio.run(_with_services(config, work))
    except sqlite3.Error as exc:
        return fail(f"database {config.db_path}: {exc}", EXIT_DATABASE)
    files = (config.db_path, Path(f"{config.db_path}-wal"))
    size = sum(p.stat().st_size for p in files if p.exists())
    lines.append(("database", f"{config.db_path} ({size / 1_048_576:.1f} MiB)"))
    width = max(len(label) for label, _v in lines)
    for label, value in lines:
        print(f"{label:<{width}}  {value}")
    return EXIT_OK


def cmd_demo(config: Config, db_path: Path) -> int:
    from bot.sandbox.demo import run_demo

    admin_ids = tuple(sorted(config.admin_ids)) or (1000,)
    return run_demo(db_path=db_path, admin_ids=admin_ids, log_path=DEMO_LOG)


def cmd_sandbox(host: str, port: int) -> int:
    from bot.sandbox.server import run_sandbox

    return run_sandbox(host=host, port=port)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bot", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command")
    sub.add_parser("run", help="run the bot (needs BOT_TOKEN)")
    demo = sub.add_parser("demo", help="try the bot offline in this terminal")
    demo.add_argument("--db", type=Path, default=DEMO_DB, help=f"demo database ({DEMO_DB})")
    sub.add_parser("migrate", help="apply database migrations and exit")
    backup = sub.add_parser("backup", help="copy the live database to PATH (online)")
    backup.add_argument("path", type=Path)
    backup.add_argument("--force", action="store_true", help="overwrite PATH if it exists")
    restore = sub.add_parser(
        "restore", help="put a backup in place of the database (the bot must be stopped)"
    )
    restore.add_argument("path", type=Path)
    sub.add_parser(
        "healthcheck", help="exit 0 when the database and the running bot are healthy, else 1"
    )
    exporter = sub.add_parser(
        "export", help="write organisers' aggregate tables (small groups left blank)"
    )
    exporter.add_argument("--format", choices=("csv", "json"), default="csv")
    exporter.add_argument("--out", type=Path, default=Path("export"), help="folder (export)")
    sub.add_parser("stats", help="print a short overview of the community's numbers")
    sandbox = sub.add_parser("sandbox", help="run the local fake Bot API server")
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--port", type=int, default=8081)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "sandbox":
        return cmd_sandbox(args.host, args.port)
    try:
        config = load_config()
        if args.command == "run":
            return cmd_run(config)
        if args.command == "migrate":
            return cmd_migrate(config)
        if args.command == "backup":
            return cmd_backup(config, args.path, args.force)
        if args.command == "restore":
            return cmd_restore(config, args.path)
        if args.command == "healthcheck":
            return cmd_healthcheck(config)
        if args.command == "export":
            return cmd_export(config, args.format, args.out)
        if args.command == "stats":
            return cmd_stats(config)
        if args.command == "demo":
            return cmd_demo(config, args.db)
        # No command: real bot with a token, else the offline demo for a person at a terminal.
        if config.token:
            return cmd_run(config)
        if sys.stdin.isatty():
            print("No BOT_TOKEN set: starting the offline demo (sandbox Bot API).\n")
            return cmd_demo(config, DEMO_DB)
        config.require_token()
        return EXIT_OK
    except ConfigError as exc:
        # a health check answers 0 or 1 only (Docker reserves 2)
        status = EXIT_ERROR if args.command == "healthcheck" else EXIT_CONFIG
        return fail(f"{exc.variable} {exc.problem}", status)
    except KeyboardInterrupt:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
