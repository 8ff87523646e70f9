"""The append-only ``audit_log``: who did what, to whom, where, why and when.

Entries are written inside the same transaction as the change they describe, so a change is
never made without its audit entry (and triggers in the schema refuse updates and deletes).
"""

from __future__ import annotations

import json

import aiosqlite

from bot.storage.db import Database


async def write_audit(
    conn: aiosqlite.Connection,
    actor_id: int,
    action: str,
    *,
    building_id: int | None = None,
    subject_id: int | None = None,
    reason: str | None = None,
    details: dict | None = None,
) -> None:
    await conn.execute(
        "INSERT INTO audit_log (actor_id, action, subject_id, building_id, reason, details) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (
            actor_id,
            action,
            subject_id,
            building_id,
            reason,
            json.dumps(details, ensure_ascii=False) if details else None,
        ),
    )


class AuditRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def recent(self, building_ids: set[int] | None = None, limit: int = 20) -> list[dict]:
        """The newest entries (in ``building_ids`` only, unless None), with the names the
        actor and the subject go by: resident display name, else @username, else None."""
        where, params = "", []
        if building_ids is not None:
            if not building_ids:
                return []
            where = f"WHERE a.building_id IN ({', '.join('?' * len(building_ids))})"
            params = sorted(building_ids)
        rows = await self.db.fetch_all(
            "SELECT a.id, a.at, a.actor_id, a.action, a.subject_id, a.building_id, a.reason, "
            "a.details, "
            f"{_NAME.format(who='a.actor_id')} AS actor_name, "
            f"{_NAME.format(who='a.subject_id')} AS subject_name "
            f"FROM audit_log a {where} ORDER BY a.id DESC LIMIT ?",
            (*params, limit),
        )
        return [dict(r) for r in rows]


_NAME = (
    "(SELECT coalesce(r.display_name, '@' || u.username) FROM users u "
    "LEFT JOIN residents r ON r.user_id = u.id WHERE u.id = {who})"
)
