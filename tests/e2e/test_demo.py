"""The newcomer's path: `python -m bot demo` with the real bot, typed into from a pipe."""

from __future__ import annotations

import asyncio
import os
import re
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
        line = _("{command} — {description}")
        assert line.format(command="/forget", description=_("Erase your data")) in out
    latest = discover()[-1].version
    assert f"Database schema version: {latest}" in out  # the admin's /status
    assert (tmp_path / "data" / "demo-bot.log").is_file()


async def test_demo_walks_the_whole_resident_journey(tmp_path):
    """invite -> sign-up -> pending -> approve -> a poll answered -> /mydata -> /forget, typed
    into the demo."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "demo",
        "--db",
        str(tmp_path / "demo.sqlite3"),
        cwd=tmp_path,
        env=env,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    seen: list[str] = []

    async def expect(pattern: str, timeout: float = 30) -> re.Match:
        async def read() -> re.Match:
            while True:
                line = (await proc.stdout.readline()).decode()
                if not line:
                    raise AssertionError(f"demo ended before {pattern!r}:\n{''.join(seen)}")
                seen.append(line)
                if match := re.search(pattern, line):
                    return match

        return await asyncio.wait_for(read(), timeout)

    async def type_(line: str) -> None:
        proc.stdin.write((line + "\n").encode())
        await proc.stdin.drain()

    try:
        await expect("Ready")
        for line in (":as admin", "/start", "/building add Maple Court", "/invite 1"):
            await type_(line)
        link = (await expect(r"(https://t\.me/\S+\?start=\S+)")).group(1)
        await expect(r"saved to .*\.png")
        await type_(":as resident")
        await type_(link)  # pasting the link opens it, like tapping it
        await expect(r"invited to join Maple Court")
        await type_("1")  # keep English
        await expect(r"Before we start")
        await type_("1")  # I agree
        await expect(r"What name should")
        await type_("1")  # use my Telegram name
        await expect(r"Which unit")
        await type_("4b")
        await expect(r"do you rent or own your home")
        await type_("1")  # I rent
        await expect(r"market-rate one")
        await type_("3")  # I don't know
        await expect(r"waiting for a steward's approval")
        await type_(":as admin")
        await type_("/approve 2000")
        await expect(r"Done: Amina \(Maple Court\) is approved")
        await type_("/poll Bins on Monday? | Yes | No")  # a quick poll, answered in the demo
        await expect(r"\[5\] 📊 Send the poll")
        await type_("5")
        await expect(r"bot -> Amina: \[poll\] Bins on Monday\?")
        await type_(":as resident")
        await type_(":vote 2")
        await expect(r"you answered: No")
        await type_(":as admin")
        await type_("/results 1")
        await expect(r"1 of 1 answered")
        await type_(":as resident")
        await type_("/mydata")
        await expect(r"Unit: 4B")
        await expect(r"saved to .*common-ground-my-data\.json")
        await type_("/forget")
        await expect(r"Erase your data now\?")
        await type_("1")
        await expect(r"your data is erased")
        await type_(":quit")
        assert await asyncio.wait_for(proc.wait(), 30) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
