"""The ``awaiting`` table: what a person's next typed message answers."""

from __future__ import annotations

from dataclasses import dataclass

from bot.storage.db import Database, Queries


@dataclass(frozen=True)
class Awaiting:
    user_id: int
    kind: str
    about: str | None
    since: str
    expires_at: str | None


class AwaitingRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, user_id: int, now: str) -> Awaiting | None:
        row = await self.db.fetch_one(
            "SELECT user_id, kind, about, since, expires_at FROM awaiting "
            "WHERE user_id = ? AND (expires_at IS NULL OR expires_at > ?)",
            (user_id, now),
        )
        return None if row is None else Awaiting(**dict(row))

    async def set(
        self,
        user_id: int,
        kind: str,
        about: str | None,
        expires_at: str | None,
        q: Queries | None = None,
    ) -> None:
        """Ask: the next typed message answers ``kind`` (replacing any other open question).
        Someone who never used /start (an admin) gets their account row first."""
        await (q or self.db).execute("INSERT OR IGNORE INTO users (id) VALUES (?)", (user_id,))
        await (q or self.db).execute(
            "INSERT OR REPLACE INTO awaiting (user_id, kind, about, expires_at) "
            "VALUES (?, ?, ?, ?)",
            (user_id, kind, about, expires_at),
        )

    async def clear(self, user_id: int, kind: str | None = None, q: Queries | None = None) -> int:
        """The question was answered or cancelled (only if it is still ``kind``, when given)."""
        if kind is None:
            return await (q or self.db).execute(
                "DELETE FROM awaiting WHERE user_id = ?", (user_id,)
            )
        return await (q or self.db).execute(
            "DELETE FROM awaiting WHERE user_id = ? AND kind = ?", (user_id, kind)
        )
