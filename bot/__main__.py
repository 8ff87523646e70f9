"""The command line: ``python -m bot [run|demo|migrate|backup PATH|sandbox]``.

With no command the bot runs for real when ``BOT_TOKEN`` is set, and otherwise starts the
offline demo (the local sandbox plus a terminal chat) when a person is at the keyboard.

Exit status: 0 fine, 1 the bot stopped on an unexpected error, 2 configuration problem,
3 database problem (a migration failed, or a backup could not be written).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from bot.config import Config, ConfigError, load_config, logging_level
from bot.logs import setup_logging

EXIT_OK, EXIT_ERROR, EXIT_CONFIG, EXIT_DATABASE = 0, 1, 2, 3
DEMO_DB = Path("data/demo.sqlite3")
DEMO_LOG = Path("data/demo-bot.log")

log = logging.getLogger("bot")


def fail(message: str, status: int) -> int:
    print(f"error: {message}", file=sys.stderr)
    return status


async def _migrate(config: Config) -> list:
    from bot.storage.db import Database
    from bot.storage.migrations import migrate

    db = await Database.open(config.db_path)
    try:
        return await migrate(db)
    finally:
        await db.close()


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
    import sqlite3

    from bot.storage.migrations import MigrationError

    try:
        applied = asyncio.run(_migrate(config))
    except MigrationError as exc:
        return fail(f"database migration stopped: {exc}", EXIT_DATABASE)
    except (sqlite3.Error, OSError) as exc:
        return fail(f"database {config.db_path}: {database_problem(exc)}", EXIT_DATABASE)
    names = ", ".join(m.path.name for m in applied) or "none (already up to date)"
    if quiet:
        log.info("Migrations applied: %s", names)
    else:
        print(f"{config.db_path}: applied {names}")
    return EXIT_OK


def cmd_backup(config: Config, target: Path, force: bool) -> int:
    import sqlite3

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
    import sqlite3

    from telegram.error import InvalidToken, NetworkError

    from bot import app
    from bot.storage.migrations import MigrationError

    token = config.require_token()
    setup_logging(logging_level(config), token)
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
        return fail(f"{exc.variable} {exc.problem}", EXIT_CONFIG)
    except KeyboardInterrupt:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
