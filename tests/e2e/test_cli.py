"""The command line: clear one-line errors with the documented exit codes, migrate, backup."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import sys

import pytest

from tests.e2e.conftest import BotProcess

pytestmark = pytest.mark.e2e


def run_cli(*args: str, cwd, **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({}, "BOT_TOKEN"),
        ({"BOT_TOKEN": "nonsense"}, "BOT_TOKEN"),
        ({"BOT_TIMEZONE": "Mars/Base"}, "BOT_TIMEZONE"),
        ({"BOT_ADMIN_IDS": "12,bob"}, "BOT_ADMIN_IDS"),
        ({"BOT_DEFAULT_LOCALE": "de"}, "BOT_DEFAULT_LOCALE"),
        ({"BOT_API_BASE_URL": "telegram"}, "BOT_API_BASE_URL"),
    ],
)
def test_bad_configuration_stops_with_one_clear_line(tmp_path, env, variable):
    token = {"BOT_TOKEN": "123456789:AAE_abcdefghijklmnopqrstuvwxyz01234"}
    result = run_cli("run", cwd=tmp_path, **({} if variable == "BOT_TOKEN" else token), **env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: {variable} ")
    assert "Traceback" not in result.stderr


def test_env_file_is_read(tmp_path):
    (tmp_path / ".env").write_text("BOT_TIMEZONE=Nowhere/Land\n")
    result = run_cli("migrate", cwd=tmp_path)
    assert result.returncode == 2
    assert "BOT_TIMEZONE" in result.stderr


def test_migrate_then_backup(tmp_path):
    db_path = tmp_path / "live.sqlite3"
    result = run_cli("migrate", cwd=tmp_path, BOT_DB_PATH=str(db_path))
    assert result.returncode == 0, result.stderr
    assert "0001_users.sql" in result.stdout
    assert "already up to date" in run_cli("migrate", cwd=tmp_path, BOT_DB_PATH=str(db_path)).stdout

    live = sqlite3.connect(db_path)
    live.execute("INSERT INTO users (id, locale) VALUES (9, 'fr')")
    live.commit()
    target = tmp_path / "backups" / "copy.sqlite3"
    result = run_cli("backup", str(target), cwd=tmp_path, BOT_DB_PATH=str(db_path))
    live.close()
    assert result.returncode == 0, result.stderr
    copy = sqlite3.connect(target)
    assert copy.execute("SELECT locale FROM users WHERE id = 9").fetchone() == ("fr",)
    copy.close()

    again = run_cli("backup", str(target), cwd=tmp_path, BOT_DB_PATH=str(db_path))
    assert again.returncode == 3
    assert "--force" in again.stderr
    forced = run_cli("backup", str(target), "--force", cwd=tmp_path, BOT_DB_PATH=str(db_path))
    assert forced.returncode == 0


def test_backup_without_a_database_says_so(tmp_path):
    result = run_cli("backup", "x.sqlite3", cwd=tmp_path, BOT_DB_PATH=str(tmp_path / "no.db"))
    assert result.returncode == 3
    assert "no database" in result.stderr


async def test_a_rejected_token_stops_with_a_clear_line(sandbox, tmp_path):
    api, server = sandbox
    process = BotProcess(
        api, server, tmp_path, BOT_TOKEN="987654321:WRONG-wrong-wrong-wrong-wrong-00000"
    )
    await process.start(wait=False)
    status = await process.wait_exit(timeout=30)
    assert status == 2, process.log
    assert "rejected BOT_TOKEN" in process.log
    assert "WRONG-wrong" not in process.log


@pytest.mark.parametrize("command", ["migrate", "run"])
def test_a_locked_database_stops_with_one_line_and_status_3(tmp_path, command):
    db_path = tmp_path / "live.sqlite3"
    assert run_cli("migrate", cwd=tmp_path, BOT_DB_PATH=str(db_path)).returncode == 0
    other = sqlite3.connect(db_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        token = {"BOT_TOKEN": "123456789:AAE_abcdefghijklmnopqrstuvwxyz01234"}
        result = run_cli(command, cwd=tmp_path, BOT_DB_PATH=str(db_path), **token)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert result.returncode == 3, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: database"), result.stderr
    assert "Traceback" not in result.stderr


def users_of(path) -> dict[int, str]:
    db = sqlite3.connect(path)
    try:
        return dict(db.execute("SELECT id, locale FROM users").fetchall())
    finally:
        db.close()


async def test_healthcheck_and_restore_follow_the_running_bot(bot_process, tmp_path):
    env = {"BOT_DB_PATH": str(tmp_path / "bot.sqlite3")}
    healthy = await asyncio.to_thread(run_cli, "healthcheck", cwd=tmp_path, **env)
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    assert healthy.stdout.startswith("ok: database schema ")
    assert len(healthy.stdout.strip().splitlines()) == 1

    copy = tmp_path / "copy.sqlite3"
    backed_up = await asyncio.to_thread(run_cli, "backup", str(copy), cwd=tmp_path, **env)
    assert backed_up.returncode == 0
    refused = await asyncio.to_thread(run_cli, "restore", str(copy), cwd=tmp_path, **env)
    assert refused.returncode == 3
    assert "a bot is running" in refused.stderr and "stop it first" in refused.stderr
    second = await asyncio.to_thread(
        run_cli, "run", cwd=tmp_path, BOT_TOKEN=bot_process.api.token, **env
    )
    assert second.returncode == 3
    assert "another bot is running" in second.stderr

    assert await bot_process.stop() == 0
    stopped = await asyncio.to_thread(run_cli, "healthcheck", cwd=tmp_path, **env)
    assert stopped.returncode == 1
    assert stopped.stdout.strip() == "unhealthy: no heartbeat (is the bot running?)"


def test_backup_change_restore_brings_the_data_back(tmp_path):
    db_path = tmp_path / "data" / "live.sqlite3"
    env = {"BOT_DB_PATH": str(db_path)}
    assert run_cli("migrate", cwd=tmp_path, **env).returncode == 0
    live = sqlite3.connect(db_path)
    live.execute("INSERT INTO users (id, locale) VALUES (9, 'fr')")
    live.commit()
    copy = tmp_path / "copy.sqlite3"
    assert run_cli("backup", str(copy), cwd=tmp_path, **env).returncode == 0
    live.execute("UPDATE users SET locale = 'zh_Hans' WHERE id = 9")
    live.execute("INSERT INTO users (id, locale) VALUES (10, 'ar')")
    live.commit()
    live.close()

    result = run_cli("restore", str(copy), cwd=tmp_path, **env)
    assert result.returncode == 0, result.stderr
    assert users_of(db_path) == {9: "fr"}
    [aside] = [p for p in db_path.parent.iterdir() if p.name.startswith("live.sqlite3.before")]
    assert f"kept as {aside}" in result.stdout
    assert users_of(aside) == {9: "zh_Hans", 10: "ar"}

    junk = tmp_path / "junk.sqlite3"
    junk.write_text("not a backup")
    refused = run_cli("restore", str(junk), cwd=tmp_path, **env)
    assert refused.returncode == 3 and refused.stderr.startswith("error: not restored: ")
    assert users_of(db_path) == {9: "fr"}


async def test_an_upgrade_backs_up_the_database_first(tmp_path):
    from bot.storage.db import Database
    from bot.storage.migrations import MIGRATIONS_DIR, migrate

    older = tmp_path / "older-migrations"
    older.mkdir()
    *earlier, newest = sorted(MIGRATIONS_DIR.glob("*.sql"))
    for path in earlier:
        (older / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    db_path = tmp_path / "live.sqlite3"
    db = await Database.open(db_path)
    await migrate(db, older)  # the database as the previous release left it
    await db.execute("INSERT INTO users (id, locale) VALUES (9, 'vi')")
    await db.close()

    result = await asyncio.to_thread(run_cli, "migrate", cwd=tmp_path, BOT_DB_PATH=str(db_path))
    assert result.returncode == 0, result.stderr
    assert newest.name in result.stdout
    [copy] = (tmp_path / "backups").iterdir()
    assert copy.name.endswith(f"-before-v{int(newest.name[:4])}.sqlite3")
    assert f"Backed up {db_path} to {copy} before upgrading it" in result.stdout
    assert users_of(copy) == {9: "vi"}
    conn = sqlite3.connect(copy)
    try:
        version = conn.execute("SELECT max(version) FROM schema_migrations").fetchone()
    finally:
        conn.close()
    assert version == (int(earlier[-1].name[:4]),)


def test_export_and_stats_from_the_command_line(tmp_path):
    db_path = tmp_path / "live.sqlite3"
    env = {"BOT_DB_PATH": str(db_path)}
    missing = run_cli("stats", cwd=tmp_path, **env)
    assert missing.returncode == 3 and "no database" in missing.stderr
    assert run_cli("migrate", cwd=tmp_path, **env).returncode == 0

    result = run_cli("export", "--format", "json", "--out", "out", cwd=tmp_path, **env)
    assert result.returncode == 0, result.stderr
    assert "Wrote out/export.json" in result.stdout
    assert "left blank" in result.stdout
    data = json.loads((tmp_path / "out" / "export.json").read_text(encoding="utf-8"))
    assert sorted(data) == ["announcements", "events", "residents", "surveys"]

    stats = run_cli("stats", cwd=tmp_path, **env)
    assert stats.returncode == 0, stats.stderr
    assert "people who use the bot  0" in stats.stdout
    assert str(db_path) in stats.stdout


def test_healthcheck_answers_only_0_or_1(tmp_path):
    bad = run_cli("healthcheck", cwd=tmp_path, BOT_TIMEZONE="Mars/Base")
    assert bad.returncode == 1 and "BOT_TIMEZONE" in bad.stderr
    none = run_cli("healthcheck", cwd=tmp_path, BOT_DB_PATH=str(tmp_path / "no.sqlite3"))
    assert none.returncode == 1
    assert none.stdout.strip() == f"unhealthy: no database at {tmp_path / 'no.sqlite3'}"
    assert not (tmp_path / "no.sqlite3").exists()
