"""The ``settings`` table: values the database itself holds (the per-database secret)."""

from __future__ import annotations

from bot.storage.db import Database


class SettingsRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, key: str) -> str | None:
        return await self.db.fetch_value("SELECT value FROM settings WHERE key = ?", (key,))
