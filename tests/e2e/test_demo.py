"""The newcomer's path: `python -m bot demo` with the real bot, typed into from a pipe."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bot import i18n
from bot.i18n import _
from bot.storage.migrations import discover

pytestmark = pytest.mark.e2e


def test_demo_chat_with_the_real_bot(tmp_path):
    script = "/start\n2\n3\n/help\n:as admin\n/status\n"
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo", "--db", str(tmp_path / "demo.sqlite3")],
        input=script,
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert "Welcome to Common Ground, Amina!" in out
    assert "[6] Tiếng Việt" in out  # pressing 2 opened the language chooser
    with i18n.use_locale("fr"):  # pressing 3 chose French; /help then answers in French
        assert _("Done! I'll write to you in {language}.").format(language="français") in out
        assert "/forget — " + _("Erase your data") in out
    latest = discover()[-1].version
    assert f"Database schema version: {latest}" in out  # the admin's /status
    assert (tmp_path / "data" / "demo-bot.log").is_file()
