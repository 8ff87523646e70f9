"""Fixtures for the sandbox tests."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # make `bot` importable however pytest was started
    sys.path.insert(0, str(ROOT))

from bot.sandbox.core import FakeBotApi  # noqa: E402
from bot.sandbox.request import SandboxRequest  # noqa: E402


@pytest.fixture
def api() -> FakeBotApi:
    return FakeBotApi()


@pytest.fixture
async def tg_bot(api: FakeBotApi):
    from telegram import Bot

    bot = Bot(api.token, request=SandboxRequest(api), get_updates_request=SandboxRequest(api))
    async with bot:
        yield bot
