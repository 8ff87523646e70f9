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


def test_the_webhook_secret_is_redacted_too(restore_logging):
    stream = io.StringIO()
    secret = "webhook-Secret_42"
    setup_logging(logging.DEBUG, TOKEN, stream=stream, secrets=(secret,))
    logging.getLogger("telegram.Bot").debug(
        "Calling Bot API endpoint `setWebhook` with parameters `%s`", {"secret_token": secret}
    )
    output = stream.getvalue()
    assert secret not in output
    assert "[REDACTED-SECRET]" in output


def test_httpx_request_lines_are_hidden_at_info(restore_logging):
    stream = io.StringIO()
    setup_logging(logging.INFO, TOKEN, stream=stream)
    logging.getLogger("httpx").info("HTTP Request: POST https://x/bot%s/getUpdates", TOKEN)
    assert stream.getvalue() == ""


def test_a_failing_request_is_logged_once_a_minute_without_its_traceback(restore_logging):
    """A proxy answering 502 pages to every request made PTB log hundreds of tracebacks a
    minute (seen in the outage soak test): one short line a minute now, with a count."""
    stream = io.StringIO()
    setup_logging(logging.INFO, TOKEN, stream=stream)
    request_log = logging.getLogger("telegram.request.BaseRequest")
    for _ in range(200):
        try:
            raise ValueError("Expecting value: line 1 column 1 (char 0)")
        except ValueError:
            request_log.exception('Can not load invalid JSON data: "%s"', "<html>502</html>")
    logging.getLogger("bot").error("something else entirely")
    output = stream.getvalue()
    assert output.count("Can not load invalid JSON data") == 1
    assert "Traceback" not in output
    assert "something else entirely" in output


def test_the_repeat_is_counted_when_the_next_minute_reports_it():
    from bot.logs import QuietRepeats

    now = [0.0]
    quiet = QuietRepeats(clock=lambda: now[0])

    def record():
        return logging.LogRecord(
            "telegram.request.BaseRequest", logging.ERROR, __file__, 1, "Bad %s", ("x",), None
        )

    assert quiet.filter(record())
    assert not any(quiet.filter(record()) for _ in range(5))
    now[0] = 61.0
    again = record()
    assert quiet.filter(again)
    assert "5 more like this" in again.getMessage()
