"""``inbox``: updates received by webhook, stored before Telegram is told they arrived."""

from __future__ import annotations

from bot.storage.db import Database


class InboxRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def store(self, update_id: int, body: str) -> bool:
        """Keep the update's JSON (committed when this returns). False when it was already
        there: Telegram re-delivered it, and the one row stands."""
        return (
            await self.db.execute(
                "INSERT OR IGNORE INTO inbox (update_id, body) VALUES (?, ?)", (update_id, body)
            )
            > 0
        )

    async def pending(self, after: int | None = None, limit: int = 100) -> list[tuple[int, str]]:
        """The stored updates in update_id order (above ``after`` when given)."""
        rows = await self.db.fetch_all(
            "SELECT update_id, body FROM inbox WHERE update_id > ? ORDER BY update_id LIMIT ?",
            (-(2**63) if after is None else after, limit),
        )
        return [(row[0], row[1]) for row in rows]

    async def remove(self, update_id: int) -> None:
        await self.db.execute("DELETE FROM inbox WHERE update_id = ?", (update_id,))

    async def count(self) -> int:
        return await self.db.fetch_value("SELECT count(*) FROM inbox")
