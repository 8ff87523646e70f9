"""Logging set-up: one line per event, text (the default) or JSON, never the bot token.

PTB's and httpx's loggers print request URLs, and every Bot API URL contains the token
(``https://api.telegram.org/bot<token>/getUpdates``). A filter on our handler rewrites any
token-shaped text before a record is written, whatever logger produced it.

``BOT_LOG_FORMAT=json`` writes one JSON object a line (``time``, ``level``, ``logger``,
``message``, ``update_id`` while an update is handled, ``exception`` with the traceback).
The update id comes from :data:`current_update`, set by ``@localized`` for each update.

At INFO and above our own log lines name updates, ids and counts, never what a resident wrote
or their name (``tests/handlers/test_logging.py`` checks a handled sign-up).

:data:`last_error` remembers the newest ERROR (its time, logger, the message's template
without its arguments, and the exception's class): ``/status`` shows it with no personal data.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import sys
import time
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime

_TOKEN_PATTERN = re.compile(r"\d{3,}:[A-Za-z0-9_-]{20,}")
REDACTED = "[REDACTED-TOKEN]"
REDACTED_SECRET = "[REDACTED-SECRET]"


def redact(text: str, token: str | None = None, secrets: tuple[str, ...] = ()) -> str:
    if token:
        text = text.replace(token, REDACTED)
    for secret in secrets:  # the webhook's secret token (PTB logs setWebhook's parameters)
        text = text.replace(secret, REDACTED_SECRET)
    return _TOKEN_PATTERN.sub(REDACTED, text)


class RedactingFilter(logging.Filter):
    def __init__(self, token: str | None = None, secrets: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.token = token
        self.secrets = tuple(s for s in secrets if s)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message, self.token, self.secrets)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            # Format the traceback now so it can be redacted too.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.token, self.secrets)
        return True


# The Telegram update being handled in this task (None outside one).
current_update: ContextVar[int | None] = ContextVar("current_update", default=None)


@contextlib.contextmanager
def for_update(update_id: int | None) -> Iterator[None]:
    """Log lines written inside carry ``update_id``."""
    token = current_update.set(update_id)
    try:
        yield
    finally:
        current_update.reset(token)


class UpdateIdFilter(logging.Filter):
    """Stamp each record with the update being handled (``record.update_id``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "update_id"):
            record.update_id = current_update.get()
        return True


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def formatMessage(self, record: logging.LogRecord) -> str:
        line = super().formatMessage(record)
        update_id = getattr(record, "update_id", None)
        return line if update_id is None else f"{line} [update {update_id}]"


class JsonFormatter(logging.Formatter):
    """One JSON object a line; a traceback goes inside it (``exception``), never on lines of
    its own."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        update_id = getattr(record, "update_id", None)
        if update_id is not None:
            entry["update_id"] = update_id
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


@dataclass(frozen=True)
class LastError:
    at: float  # time.time()
    logger: str
    what: str  # the message's template (never its arguments) and the exception's class


class LastErrorHandler(logging.Handler):
    """Remembers the newest ERROR record, reduced to what carries no personal data."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.last: LastError | None = None

    def emit(self, record: logging.LogRecord) -> None:
        what = str(record.msg)[:120]
        if record.exc_info and record.exc_info[0] is not None:
            what += f" ({record.exc_info[0].__name__})"
        self.last = LastError(record.created or time.time(), record.name, what)


last_error = LastErrorHandler()


def watch_errors() -> None:
    """Let :data:`last_error` see every ERROR (idempotent)."""
    root = logging.getLogger()
    if last_error not in root.handlers:
        root.addHandler(last_error)


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


def setup_logging(
    level: int,
    token: str | None = None,
    stream=None,
    log_format: str = "text",
    secrets: tuple[str, ...] = (),
) -> None:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    handler.addFilter(QuietRepeats())  # PTB logs each failed request with a traceback
    handler.addFilter(RedactingFilter(token, secrets))
    handler.addFilter(UpdateIdFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.addHandler(last_error)
    root.setLevel(level)
    # httpx logs every request URL (with the token) at INFO; keep it to warnings.
    logging.getLogger("httpx").setLevel(max(level, logging.WARNING))
    logging.getLogger("httpcore").setLevel(max(level, logging.WARNING))
    logging.getLogger("apscheduler").setLevel(max(level, logging.WARNING))
    logging.getLogger("aiosqlite").setLevel(max(level, logging.INFO))
