"""Time as time, in one place.

- Python code works with *aware* datetimes in UTC, from a :data:`Clock` (a function returning
  now) that services take as a parameter, so tests pass a :class:`FixedClock`.
- The database stores one format, ``2026-11-25T09:30:00Z`` (UTC, ISO 8601, to the second):
  :func:`to_db` and :func:`from_db` convert, and ``storage.db.NOW`` writes it in SQL.
- People read times in the community's time zone and their own language: :func:`local`,
  through Babel.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_time

DB_FORMAT = "%Y-%m-%dT%H:%M:%SZ"

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


class FixedClock:
    """A clock for tests: it says what it is told, and moves when told to."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("a FixedClock needs an aware datetime")
        self.now = start.astimezone(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


def to_db(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("only aware datetimes are stored")
    return moment.astimezone(UTC).strftime(DB_FORMAT)


def from_db(value: str) -> datetime:
    return datetime.strptime(value, DB_FORMAT).replace(tzinfo=UTC)


def local(moment: datetime | str, timezone: ZoneInfo, locale: str, fmt: str = "medium") -> str:
    """A moment as a reader sees it: in the community's zone, formatted for their language."""
    if isinstance(moment, str):
        moment = from_db(moment)
    return format_datetime(moment, format=fmt, tzinfo=timezone, locale=locale)


def local_long(moment: datetime | str, timezone: ZoneInfo, locale: str) -> str:
    """A day and time spelled out for a reader ("sábado, 5 de diciembre de 2026, 18:30"): the
    full date and the short time in their language, in the community's zone."""
    if isinstance(moment, str):
        moment = from_db(moment)
    day = format_date(moment.astimezone(timezone), format="full", locale=locale)
    hour = format_time(moment, format="short", tzinfo=timezone, locale=locale)
    return f"{day}, {hour}"
