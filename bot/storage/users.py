"""The ``users`` table: who has talked to the bot and which language they chose."""

from __future__ import annotations

from dataclasses import dataclass

from bot.storage.db import NOW, Database, Queries


@dataclass(frozen=True)
class UserRecord:
    id: int
    locale: str | None
    created_at: str
    last_seen_at: str
    paused: bool
    unreachable_since: str | None
    username: str | None
    telegram_language: str | None


class UsersRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, user_id: int) -> UserRecord | None:
        row = await self.db.fetch_one(
            "SELECT id, locale, created_at, last_seen_at, paused, unreachable_since, username, "
            "telegram_language FROM users WHERE id = ?",
            (user_id,),
        )
        return None if row is None else UserRecord(**{**dict(row), "paused": bool(row[4])})

    async def get_locale(self, user_id: int) -> tuple[str | None, str | None]:
        """(chosen locale, Telegram app language as last seen)."""
        row = await self.db.fetch_one(
            "SELECT locale, telegram_language FROM users WHERE id = ?", (user_id,)
        )
        return (None, None) if row is None else (row[0], row[1])

    async def seen(self, user_id: int, telegram_language: str | None) -> str | None:
        """The stored locale. Also notes a changed app language, and that a formerly
        unreachable user is reachable again (writing only when something changed)."""
        row = await self.db.fetch_one(
            "SELECT locale, unreachable_since, telegram_language FROM users WHERE id = ?",
            (user_id,),
        )
        if row is None:
            return None
        if row[1] is not None or (telegram_language and row[2] != telegram_language):
            await self.db.execute(
                "UPDATE users SET unreachable_since = NULL, "
                "telegram_language = coalesce(?, telegram_language) WHERE id = ?",
                (telegram_language, user_id),
            )
        return row[0]

    async def set_unreachable(self, user_id: int, q: Queries | None = None) -> None:
        await (q or self.db).execute(
            f"UPDATE users SET unreachable_since = {NOW} "
            "WHERE id = ? AND unreachable_since IS NULL",
            (user_id,),
        )

    async def set_paused(self, user_id: int, paused: bool) -> bool:
        """True when this changed something."""
        changed = await self.db.execute(
            "UPDATE users SET paused = ? WHERE id = ? AND paused != ?",
            (int(paused), user_id, int(paused)),
        )
        return changed > 0

    async def touch(
        self, user_id: int, username: str | None = None, telegram_language: str | None = None
    ) -> None:
        """Create the user if new, and record that they were seen now (with their @username
        and app language)."""
        async with self.db.transaction() as tx:
            await _release_username(tx, user_id, username)
            await tx.execute(
                "INSERT INTO users (id, username, telegram_language) VALUES (?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET username = excluded.username, "
                "telegram_language = coalesce(excluded.telegram_language, telegram_language), "
                f"last_seen_at = {NOW}",
                (user_id, username, telegram_language),
            )

    @staticmethod
    async def note_username(q: Queries, user_id: int, username: str | None) -> None:
        """Keep a known user's @username current (it changes without telling us); one
        @username names one person, so whoever had it before loses it."""
        if await q.execute(
            "UPDATE users SET username = NULL WHERE id = ? AND username IS NOT ?",
            (user_id, username),
        ):
            await _release_username(q, user_id, username)
            await q.execute("UPDATE users SET username = ? WHERE id = ?", (username, user_id))

    async def find_by_username(self, username: str) -> int | None:
        return await self.db.fetch_value(
            "SELECT id FROM users WHERE username = ? COLLATE NOCASE", (username,)
        )

    async def exists(self, user_id: int) -> bool:
        return bool(await self.db.fetch_value("SELECT 1 FROM users WHERE id = ?", (user_id,)))

    async def set_locale(self, user_id: int, locale: str) -> None:
        await self.db.execute(
            "INSERT INTO users (id, locale) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET "
            f"locale = excluded.locale, last_seen_at = {NOW}",
            (user_id, locale),
        )

    async def count_by_locale(self) -> dict[str | None, int]:
        rows = await self.db.fetch_all("SELECT locale, count(*) FROM users GROUP BY locale")
        return {row[0]: row[1] for row in rows}


async def _release_username(q: Queries, user_id: int, username: str | None) -> None:
    if username:
        await q.execute(
            "UPDATE users SET username = NULL WHERE username = ? COLLATE NOCASE AND id != ?",
            (username, user_id),
        )
