"""The command line: clear one-line errors with the documented exit codes, migrate, backup."""

from __future__ import annotations

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
