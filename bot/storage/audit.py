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

    async def recent(self, building_id: int | None = None, limit: int = 20) -> list[dict]:
        where, params = ("WHERE building_id = ?", (building_id,)) if building_id else ("", ())
        rows = await self.db.fetch_all(
            f"SELECT id, at, actor_id, action, subject_id, building_id, reason, details "
            f"FROM audit_log {where} ORDER BY id DESC LIMIT ?",
            (*params, limit),
        )
        return [dict(r) for r in rows]
