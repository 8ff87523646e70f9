"""The bot token never leaves the process: not in any log line (tracebacks of network errors
carry request URLs, and every Bot API URL holds the token), not in what a user is told, not
in /mydata's export, and not in the database (the audit log included)."""

from __future__ import annotations

import io
import json
import logging

import httpx
import pytest
from telegram.error import NetworkError

from bot.logs import setup_logging
from tests.support import ADMIN_ID, plain, sign_up, tr


@pytest.fixture
def log_stream():
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    stream = io.StringIO()
    yield stream
    root.handlers[:] = handlers
    root.setLevel(level)


async def every_stored_text(services) -> str:
    tables = await services.db.fetch_all("SELECT name FROM sqlite_master WHERE type = 'table'")
    out = []
    for (table,) in tables:
        for row in await services.db.fetch_all(f'SELECT * FROM "{table}"'):  # sql-ok: own name
            out.append(" ".join(str(v) for v in tuple(row)))
    return "\n".join(out)


async def test_the_token_is_in_no_log_reply_export_or_table(harness, resident, log_stream):
    token = harness.api.token
    services = harness.app.bot_data["services"]
    setup_logging(logging.DEBUG, token, stream=log_stream)
    url = f"https://api.telegram.org/bot{token}/sendDocument"

    async def network_down(*args, **kwargs):
        try:
            raise httpx.ConnectError(f"All connection attempts failed: {url}")
        except httpx.ConnectError as exc:
            raise NetworkError(f"httpx.ConnectError: {url}") from exc

    await harness.send(resident, "/start")
    building = await services.buildings.add(ADMIN_ID, "Maple Court")
    await sign_up(services, resident, building.id)
    original = services.privacy.export
    services.privacy.export = network_down
    told = await harness.send(resident, "/mydata")
    services.privacy.export = original
    assert [plain(m["text"]) for m in told] == [
        tr("en", "Sorry, something went wrong on our side. Please try again in a moment.")
    ]
    # a resident pasting the token into a message changes nothing either
    await harness.send(resident, f"my token is {token}")
    _summary, document = await harness.send(resident, "/mydata")
    _name, content = harness.api.files()[document["document"]["file_id"]]
    logged = log_stream.getvalue()
    assert "Update" in logged and "caused an error" in logged  # the traceback was logged...
    assert "ConnectError" in logged
    assert token not in logged  # ...without the token
    assert token.split(":")[1] not in logged
    for message in harness.api.bot_messages(resident["id"]):
        assert token not in json.dumps(message)
    text = content.decode() if isinstance(content, bytes) else content
    assert json.loads(text)  # the real export
    assert token not in text
    assert token not in await every_stored_text(services)
