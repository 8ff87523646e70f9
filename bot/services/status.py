"""Health figures for admins: version, uptime, schema, what waits in the outbox (and, in
webhook mode, in the inbox), the last error, and how many people use the bot."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot import __version__, logs
from bot.health import INBOX_STALE_SECONDS
from bot.services.smallgroups import hide_small
from bot.services.users import UserService
from bot.storage.db import Database
from bot.storage.inbox import InboxRepository
from bot.storage.migrations import current_version
from bot.storage.outbox import OutboxRepository


@dataclass(frozen=True)
class LastError:
    at: datetime  # UTC
    what: str  # the log message's template and the exception's class: no personal data


@dataclass(frozen=True)
class InboxDepth:
    """Webhook mode: updates stored but not processed yet (or in hand now)."""

    pending: int
    oldest_seconds: float | None  # how long the oldest has waited; None: nothing waits

    @property
    def stuck(self) -> bool:
        """Waiting so long that the worker is not taking updates (as the healthcheck says)."""
        return self.oldest_seconds is not None and self.oldest_seconds > INBOX_STALE_SECONDS


@dataclass(frozen=True)
class StatusSnapshot:
    version: str
    uptime_seconds: float
    schema_version: int
    users_total: int
    users_by_locale: dict[str, int | None]  # "" = follows Telegram's language; None: small
    min_group: int = 5
    # outbox rows not settled yet, by kind of job: kind -> {"queued": n, "sending": n}
    waiting: dict[str, dict[str, int]] = field(default_factory=dict)
    last_error: LastError | None = None
    inbox: InboxDepth | None = None  # webhook mode only


def logged_error() -> LastError | None:
    """The newest ERROR this process logged (see ``bot.logs.last_error``)."""
    last = logs.last_error.last
    if last is None:
        return None
    return LastError(datetime.fromtimestamp(last.at, UTC), f"{last.logger}: {last.what}")


class StatusService:
    def __init__(
        self,
        db: Database,
        users: UserService,
        min_group: int = 5,
        last_error: Callable[[], LastError | None] = logged_error,
        webhook: bool = False,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.webhook = webhook
        self.now = now
        self.inbox = InboxRepository(db)
        self.min_group = min_group
        self.db = db
        self.users = users
        self.outbox = OutboxRepository(db)
        self.last_error = last_error
        self.started = time.monotonic()

    async def snapshot(self) -> StatusSnapshot:
        counts = await self.users.count_by_locale()
        return StatusSnapshot(
            version=__version__,
            uptime_seconds=time.monotonic() - self.started,
            schema_version=await current_version(self.db),
            users_total=sum(counts.values()),
            users_by_locale=hide_small({(k or ""): v for k, v in counts.items()}, self.min_group),
            min_group=self.min_group,
            waiting=await self.outbox.waiting(),
            last_error=self.last_error(),
            inbox=await self.inbox_depth() if self.webhook else None,
        )

    async def inbox_depth(self) -> InboxDepth:
        depth = await self.inbox.depth()
        if depth.oldest is None:
            return InboxDepth(depth.pending, None)
        waited = (self.now() - depth.oldest).total_seconds()
        return InboxDepth(depth.pending, max(waited, 0.0))
