"""Health figures for admins: uptime, schema version and how many people use the bot."""

from __future__ import annotations

import time
from dataclasses import dataclass

from bot import __version__
from bot.services.smallgroups import hide_small
from bot.services.users import UserService
from bot.storage.db import Database
from bot.storage.migrations import current_version


@dataclass(frozen=True)
class StatusSnapshot:
    version: str
    uptime_seconds: float
    schema_version: int
    users_total: int
    users_by_locale: dict[str, int | None]  # "" = follows Telegram's language; None: small
    min_group: int = 5


class StatusService:
    def __init__(self, db: Database, users: UserService, min_group: int = 5) -> None:
        self.min_group = min_group
        self.db = db
        self.users = users
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
        )
