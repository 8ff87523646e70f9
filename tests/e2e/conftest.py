"""End-to-end: the real ``python -m bot`` process against the sandbox Bot API on loopback."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bot.sandbox.core import FakeBotApi
from bot.sandbox.server import SandboxServer
from tests.support import ADMIN_ID, SENDING, button_data

ROOT = Path(__file__).resolve().parents[2]
READY_TIMEOUT = 30.0


class BotProcess:
    """One running bot process, its log, and the sandbox it talks to."""

    def __init__(self, api: FakeBotApi, server: SandboxServer, workdir: Path, **env: str):
        self.api = api
        self.server = server
        self.workdir = workdir
        self.log_path = workdir / "bot.log"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("BOT_")},
            # this checkout's code, not the one an editable install of another worktree names
            "PYTHONPATH": str(ROOT),
            "BOT_TOKEN": api.token,
            "BOT_API_BASE_URL": server.base_url,
            "BOT_DB_PATH": str(workdir / "bot.sqlite3"),
            "BOT_ADMIN_IDS": str(ADMIN_ID),
            "BOT_LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
            **env,
        }
        self.proc: subprocess.Popen | None = None

    async def start(self, *, wait: bool = True) -> None:
        polls = self.api.polls_started
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(  # noqa: ASYNC220 (starting is instant)
                [sys.executable, "-m", "bot", "run"],
                cwd=self.workdir,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        # Ready once it is long-polling (a getUpdates call is recorded only when it returns).
        if wait and not await self.api.wait_until(
            lambda: self.api.polls_started > polls or not self.alive(), timeout=READY_TIMEOUT
        ):
            raise AssertionError(f"the bot did not start polling:\n{self.log[-3000:]}")
        if wait and not self.alive():
            raise AssertionError(f"the bot exited at start-up:\n{self.log[-3000:]}")

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    async def wait_exit(self, timeout: float = 15.0) -> int:
        assert self.proc is not None
        for _ in range(int(timeout * 20)):
            if self.proc.poll() is not None:
                return self.proc.returncode
            await asyncio.sleep(0.05)
        self.proc.kill()
        raise AssertionError(f"the bot did not stop within {timeout}s:\n{self.log[-3000:]}")

    async def stop(self, sig: int = signal.SIGTERM, timeout: float = 15.0) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        return await self.wait_exit(timeout)

    async def press(self, user: dict, message: dict, data: str, timeout: float = 10.0) -> dict:
        """The user presses a button; returns the bot's next message or edit in that chat."""
        start = len(self.api.calls)
        self.api.press_button(user, message, data)
        return await self.api.wait_for_message(user["id"], start=start, timeout=timeout)

    async def press_label(
        self, user: dict, message: dict, label: str, *, contains: bool = False
    ) -> dict:
        """The user presses the button of ``message`` that reads ``label`` (see
        :func:`tests.support.button_data`); returns the bot's next message or edit."""
        return await self.press(user, message, button_data(message, label, contains=contains))

    async def reply_to(self, user: dict, text: str, timeout: float = 10.0) -> dict:
        """The user sends ``text``; returns the bot's first message back to them."""
        start = len(self.api.calls)
        self.api.send_message(user, text)
        call = await self.api.wait_for_call(
            lambda c: (
                c.method.lower() in SENDING
                and c.status == 200
                and c.params.get("chat_id") == user["id"]
            ),
            start=start,
            timeout=timeout,
        )
        return call.response["result"]


@pytest.fixture
async def sandbox():
    api = FakeBotApi()
    async with SandboxServer(api) as server:
        yield api, server


@pytest.fixture
async def bot_process(sandbox, tmp_path):
    api, server = sandbox
    process = BotProcess(api, server, tmp_path)
    await process.start()
    yield process
    if process.alive():
        await process.stop()
