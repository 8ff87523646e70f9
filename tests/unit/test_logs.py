"""The bot token never reaches a log line, whoever logs it."""

import io
import logging

import pytest

from bot.logs import REDACTED, setup_logging

TOKEN = "123456789:AAE_abcdefghijklmnopqrstuvwxyz01234"


@pytest.fixture
def restore_logging():
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_token_is_redacted_from_every_logger_and_traceback(restore_logging):
    stream = io.StringIO()
    setup_logging(logging.DEBUG, TOKEN, stream=stream)
    logging.getLogger("httpx").warning("POST https://api.telegram.org/bot%s/getMe", TOKEN)
    logging.getLogger("telegram.ext").info("token %s", TOKEN)
    try:
        raise RuntimeError(f"failed https://api.telegram.org/bot{TOKEN}/sendMessage")
    except RuntimeError:
        logging.getLogger("bot").exception("boom")
    output = stream.getvalue()
    assert TOKEN not in output
    assert "123456789:" not in output
    assert output.count(REDACTED) == 3


def test_httpx_request_lines_are_hidden_at_info(restore_logging):
    stream = io.StringIO()
    setup_logging(logging.INFO, TOKEN, stream=stream)
    logging.getLogger("httpx").info("HTTP Request: POST https://x/bot%s/getUpdates", TOKEN)
    assert stream.getvalue() == ""
