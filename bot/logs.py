"""Logging set-up that never lets the bot token reach a log line.

PTB's and httpx's loggers print request URLs, and every Bot API URL contains the token
(``https://api.telegram.org/bot<token>/getUpdates``). A filter on our handler rewrites any
token-shaped text before a record is written, whatever logger produced it.
"""

from __future__ import annotations

import logging
import re
import sys
import time

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


class QuietRepeats(logging.Filter):
    """One line a minute for the same trouble, without its traceback: when Telegram (or a
    proxy in front of it) answers every request with an HTML error page, PTB logs an ERROR
    with a traceback per request, hundreds a minute. The first of a kind in each minute is
    kept, shortened, and says how many were left out since."""

    def __init__(
        self, prefix: str = "telegram.request", every: float = 60.0, clock=time.monotonic
    ) -> None:
        super().__init__()
        self.prefix = prefix
        self.every = every
        self.clock = clock
        self.last: dict[tuple[str, str], float] = {}
        self.dropped: dict[tuple[str, str], int] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith(self.prefix) or record.levelno < logging.WARNING:
            return True
        key = (record.name, str(record.msg)[:40])
        now = self.clock()
        if now - self.last.get(key, -self.every) < self.every:
            self.dropped[key] = self.dropped.get(key, 0) + 1
            return False
        self.last[key] = now
        dropped = self.dropped.pop(key, 0)
        message = record.getMessage()
        if len(message) > 300:
            message = message[:300] + "…"
        if dropped:
            message += f" ({dropped} more like this in the last minute)"
        record.msg, record.args = message, None
        record.exc_info = record.exc_text = None
        return True


def setup_logging(level: int, token: str | None = None, stream=None) -> None:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(QuietRepeats())  # PTB logs each failed request with a traceback
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
