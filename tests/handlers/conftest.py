import asyncio
import contextlib

import pytest

from bot.app import build_application
from bot.config import Config
from bot.sandbox.core import FakeBotApi
from bot.sandbox.request import SandboxRequest
from tests.support import ADMIN_ID, Harness


@pytest.fixture
async def harness(tmp_path, request):
    """The Application on the sandbox; ``@pytest.mark.parametrize("harness", [{...}],
    indirect=True)`` sets other Config fields (webhook mode, for example)."""
    api = FakeBotApi()
    config = Config(
        token=api.token,
        db_path=tmp_path / "bot.sqlite3",
        admin_ids=frozenset({ADMIN_ID}),
        send_rate=None,  # the outbox is drained after each update, without pacing
        **getattr(request, "param", {}),
    )
    app = build_application(config, request=SandboxRequest(api))
    await app.initialize()
    await app.post_init(app)
    # Tests drive the outbox sender themselves (sender.run_once()), so its rounds are known.
    sender_task = app.bot_data.pop("sender_task")
    sender_task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await sender_task
    yield Harness(api, app)
    await app.post_shutdown(app)
    await app.shutdown()


@pytest.fixture
def resident(harness):
    return harness.api.make_user(2000, "Amina", language_code="en")


@pytest.fixture
def admin(harness):
    return harness.api.make_user(ADMIN_ID, "Sam", language_code="en")
