"""Logging set-up that never lets the bot token reach a log line.

PTB's and httpx's loggers print request URLs, and every Bot API URL contains the token
(``https://api.telegram.org/bot<token>/getUpdates``). A filter on our handler rewrites any
token-shaped text before a record is written, whatever logger produced it.
"""

from __future__ import annotations

import logging
import re
import sys

_TOKEN_PATTERN = re.compile(r"\d{3,}:[A-Za-z0-9_-]{20,}")
REDACTED = "[REDACTED-TOKEN]"


def redact(text: str, token: str | None = None) -> str:
    if token:
        text = text.replace(token, REDACTED)
    return _TOKEN_PATTERN.sub(REDACTED, text)


class RedactingFilter(logging.Filter):
    def __init__(self, token: str | None = None) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message, self.token)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            # Format the traceback now so it can be redacted too.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.token)
        return True


def setup_logging(level: int, token: str | None = None, stream=None) -> None:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter(token))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # httpx logs every request URL (with the token) at INFO; keep it to warnings.
    logging.getLogger("httpx").setLevel(max(level, logging.WARNING))
    logging.getLogger("httpcore").setLevel(max(level, logging.WARNING))
    logging.getLogger("apscheduler").setLevel(max(level, logging.WARNING))
    logging.getLogger("aiosqlite").setLevel(max(level, logging.INFO))
