"""The ``users`` table: who has talked to the bot and which language they chose."""

from __future__ import annotations

from dataclasses import dataclass

from bot.storage.db import Database


@dataclass(frozen=True)
class UserRecord:
    id: int
    locale: str | None
    created_at: str
    last_seen_at: str


class UsersRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, user_id: int) -> UserRecord | None:
        row = await self.db.fetch_one(
            "SELECT id, locale, created_at, last_seen_at FROM users WHERE id = ?", (user_id,)
        )
        return None if row is None else UserRecord(**dict(row))

    async def get_locale(self, user_id: int) -> str | None:
        return await self.db.fetch_value("SELECT locale FROM users WHERE id = ?", (user_id,))

    async def touch(self, user_id: int) -> None:
        """Create the user if new, and record that they were seen now."""
        await self.db.execute(
            "INSERT INTO users (id) VALUES (?) ON CONFLICT (id) DO UPDATE SET "
            "last_seen_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')",
            (user_id,),
        )

    async def set_locale(self, user_id: int, locale: str) -> None:
        await self.db.execute(
            "INSERT INTO users (id, locale) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET "
            "locale = excluded.locale, last_seen_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')",
            (user_id, locale),
        )

    async def delete(self, user_id: int) -> bool:
        return await self.db.execute("DELETE FROM users WHERE id = ?", (user_id,)) > 0

    async def count_by_locale(self) -> dict[str | None, int]:
        rows = await self.db.fetch_all("SELECT locale, count(*) FROM users GROUP BY locale")
        return {row[0]: row[1] for row in rows}
