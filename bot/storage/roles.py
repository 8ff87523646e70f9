"""The ``roles`` table: stewards (per building) and organisers (everywhere)."""

from __future__ import annotations

from bot.storage.audit import write_audit
from bot.storage.db import Database, Queries


class RolesRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def roles_of(
        self, user_id: int, q: Queries | None = None
    ) -> list[tuple[str, int | None]]:
        rows = await (q or self.db).fetch_all(
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

    async def grant(
        self, actor_id: int, user_id: int, role: str, building_id: int | None, q: Queries
    ) -> bool:
        """False when the user already had that role there (in the caller's transaction)."""
        added = await q.execute(
            "INSERT OR IGNORE INTO roles (user_id, role, building_id, granted_by) "
            "VALUES (?, ?, ?, ?)",
            (user_id, role, building_id, actor_id),
        )
        if added == 0:
            return False
        await write_audit(
            q,
            actor_id,
            "role.promote",
            subject_id=user_id,
            building_id=building_id,
            details={"role": role},
        )
        return True

    async def revoke_all(self, actor_id: int, user_id: int, q: Queries | None = None) -> int:
        """Take every role away, audited (``actor_id`` is the user themself on /forget)."""
        if q is None:
            async with self.db.transaction() as tx:
                return await self.revoke_all(actor_id, user_id, tx)
        held = await self.roles_of(user_id, q)
        removed = await q.execute("DELETE FROM roles WHERE user_id = ?", (user_id,))
        if removed:
            action = "role.forget" if actor_id == user_id else "role.demote"
            await write_audit(
                q,
                actor_id,
                action,
                subject_id=user_id,
                details={"roles": [[role, building] for role, building in held]},
            )
        return removed

    async def export(self, user_id: int) -> list[dict]:
        rows = await self.db.fetch_all(
            "SELECT r.role, b.name AS building, r.granted_at FROM roles r "
            "LEFT JOIN buildings b ON b.id = r.building_id WHERE r.user_id = ? ORDER BY r.rowid",
            (user_id,),
        )
        return [dict(r) for r in rows]
