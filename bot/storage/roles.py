"""The ``roles`` table: stewards (per building) and organisers (everywhere)."""

from __future__ import annotations

from bot.storage.audit import write_audit
from bot.storage.db import Database


class RolesRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def roles_of(self, user_id: int) -> list[tuple[str, int | None]]:
        rows = await self.db.fetch_all(
            "SELECT role, building_id FROM roles WHERE user_id = ?", (user_id,)
        )
        return [(r[0], r[1]) for r in rows]

    async def holders(self, role: str, building_id: int | None = None) -> list[int]:
        """Who holds ``role`` (stewards: of ``building_id``)."""
        if building_id is None:
            rows = await self.db.fetch_all(
                "SELECT DISTINCT user_id FROM roles WHERE role = ? ORDER BY user_id", (role,)
            )
        else:
            rows = await self.db.fetch_all(
                "SELECT DISTINCT user_id FROM roles WHERE role = ? AND building_id = ? "
                "ORDER BY user_id",
                (role, building_id),
            )
        return [r[0] for r in rows]

    async def grant(self, actor_id: int, user_id: int, role: str, building_id: int | None) -> bool:
        """False when the user already had that role there."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT OR IGNORE INTO roles (user_id, role, building_id, granted_by) "
                "VALUES (?, ?, ?, ?)",
                (user_id, role, building_id, actor_id),
            )
            if cursor.rowcount == 0:
                return False
            await write_audit(
                conn,
                actor_id,
                "role.promote",
                subject_id=user_id,
                building_id=building_id,
                details={"role": role},
            )
        return True

    async def revoke_all(self, actor_id: int, user_id: int) -> int:
        async with self.db.transaction() as conn:
            cursor = await conn.execute("DELETE FROM roles WHERE user_id = ?", (user_id,))
            removed = cursor.rowcount
            if removed:
                await write_audit(conn, actor_id, "role.demote", subject_id=user_id)
        return removed
