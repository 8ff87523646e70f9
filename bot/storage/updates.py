"""``processed_updates``: the updates already handled, so a re-delivered one is skipped."""

from __future__ import annotations

from bot.storage.db import Database
from bot.storage.users import UsersRepository

KEEP = "-2 days"  # Telegram keeps undelivered updates for 24 hours


class UpdatesRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def claim(self, update_id: int, user_id: int | None, username: str | None) -> bool:
        """Record ``update_id`` as handled, and keep the sender's @username current: one quick
        statement each (every update pays for this). False when the update was handled
        before. Raises ``Busy`` when the database cannot be had at once."""
        fresh = await self.db.try_execute(
            "INSERT OR IGNORE INTO processed_updates (update_id) VALUES (?)", (update_id,)
        )
        if (
            fresh
            and user_id is not None
            and await self.db.try_execute(
                "UPDATE users SET username = NULL WHERE id = ? AND username IS NOT ?",
                (user_id, username),
            )
        ):  # it changed: whoever had the new one loses it, then it is theirs
            async with self.db.try_transaction() as tx:
                await UsersRepository.note_username(tx, user_id, username)
        return fresh > 0

    async def prune(self) -> int:
        return await self.db.execute(
            "DELETE FROM processed_updates WHERE at < strftime('%Y-%m-%dT%H:%M:%SZ', 'now', ?)",
            (KEEP,),
        )
