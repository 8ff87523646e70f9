"""Building groups: which Telegram group belongs to which building, and warnings given there."""

from __future__ import annotations

from bot.storage.audit import write_audit
from bot.storage.db import Database


class GroupsRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def building_of(self, chat_id: int) -> tuple[int, str] | None:
        row = await self.db.fetch_one(
            "SELECT id, name FROM buildings WHERE group_chat_id = ? AND archived_at IS NULL",
            (chat_id,),
        )
        return None if row is None else (row[0], row[1])

    async def link(self, actor_id: int, building_id: int, chat_id: int) -> None:
        """Make ``chat_id`` the building's group (a group belongs to one building)."""
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE buildings SET group_chat_id = NULL WHERE group_chat_id = ?", (chat_id,)
            )
            await tx.execute(
                "UPDATE buildings SET group_chat_id = ? WHERE id = ?", (chat_id, building_id)
            )
            await write_audit(
                tx,
                actor_id,
                "group.link",
                building_id=building_id,
                details={"chat_id": chat_id},
            )

    async def add_warning(
        self,
        actor_id: int,
        building_id: int,
        chat_id: int,
        user_id: int,
        reason: str | None,
        message_id: int | None = None,
    ) -> tuple[int, bool]:
        """Record a warning (and its audit entry), once per /warn message. Returns the
        member's warning count, and whether this call added one."""
        async with self.db.transaction() as tx:
            added = await tx.execute(
                "INSERT OR IGNORE INTO warnings (chat_id, user_id, given_by, reason, message_id) "
                "VALUES (?, ?, ?, ?, ?)",
                (chat_id, user_id, actor_id, reason, message_id),
            )
            if added:
                await write_audit(
                    tx,
                    actor_id,
                    "group.warn",
                    subject_id=user_id,
                    building_id=building_id,
                    reason=reason,
                )
            count = await tx.fetch_value(
                "SELECT count(*) FROM warnings WHERE chat_id = ? AND user_id = ?",
                (chat_id, user_id),
            )
        return count, added > 0

    async def record(
        self,
        actor_id: int,
        action: str,
        building_id: int,
        user_id: int,
        reason: str | None,
        details: dict | None = None,
    ) -> None:
        async with self.db.transaction() as tx:
            await write_audit(
                tx,
                actor_id,
                action,
                subject_id=user_id,
                building_id=building_id,
                reason=reason,
                details=details,
            )

    async def group_of(self, building_id: int) -> int | None:
        return await self.db.fetch_value(
            "SELECT group_chat_id FROM buildings WHERE id = ?", (building_id,)
        )

    async def warnings_of(self, user_id: int) -> list[dict]:
        rows = await self.db.fetch_all(
            "SELECT w.reason, w.at, b.name AS building FROM warnings w "
            "LEFT JOIN buildings b ON b.group_chat_id = w.chat_id "
            "WHERE w.user_id = ? ORDER BY w.id",
            (user_id,),
        )
        return [dict(r) for r in rows]
