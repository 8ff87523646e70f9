"""``processed_updates``: the updates already handled, so a re-delivered one is skipped."""

from __future__ import annotations

from bot.storage.db import Database
from bot.storage.users import UsersRepository

KEEP = "-2 days"  # Telegram keeps undelivered updates for 24 hours


class UpdatesRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def claim(self, update_id: int, user_id: int | None, username: str | None) -> bool:
        """Record ``update_id`` as handled, and keep the sender's @username current, in one
        quick transaction. False when the update was handled before. Raises ``Busy`` when
        the database cannot be had at once."""
        async with self.db.try_transaction() as tx:
            fresh = await tx.execute(
                "INSERT OR IGNORE INTO processed_updates (update_id) VALUES (?)", (update_id,)
            )
            if fresh and user_id is not None:
                await UsersRepository.note_username(tx, user_id, username)
        return fresh > 0

    async def prune(self) -> int:
        return await self.db.execute(
            "DELETE FROM processed_updates WHERE at < strftime('%Y-%m-%dT%H:%M:%SZ', 'now', ?)",
            (KEEP,),
        )
