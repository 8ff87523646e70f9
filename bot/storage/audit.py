"""The append-only ``audit_log``: who did what, to whom, where, why and when.

Entries are written inside the same transaction as the change they describe, so a change is
never made without its audit entry (and triggers in the schema refuse updates and deletes,
except /forget erasing the free text of entries about the person).
"""

from __future__ import annotations

import json

from bot.storage.db import NOW, Database, Queries
from bot.storage.sql import placeholders


async def write_audit(
    q: Queries,
    actor_id: int,
    action: str,
    building_id: int | None = None,
    *,
    subject_id: int | None = None,
    reason: str | None = None,
    details: dict | None = None,
) -> None:
    await q.execute(
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


async def erase_text_about(q: Queries, user_id: int) -> int:
    """/forget: the reasons and details of every entry about ``user_id`` go (the entry, its
    action and its date stay, so stewards remain accountable)."""
    return await q.execute(
        f"UPDATE audit_log SET reason = NULL, details = NULL, erased_at = {NOW} "
        "WHERE subject_id = ? AND (reason IS NOT NULL OR details IS NOT NULL)",
        (user_id,),
    )


_COLUMNS = (
    "a.id, a.at, a.actor_id, a.action, a.subject_id, a.building_id, a.reason, a.details, "
    "a.erased_at"
)


class AuditRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def recent(
        self, building_ids: set[int] | None = None, limit: int = 20, offset: int = 0
    ) -> list[dict]:
        """The newest entries (in ``building_ids`` only, unless None), with the names the
        actor and the subject go by: resident display name, else @username, else None."""
        where, params = "", []
        if building_ids is not None:
            if not building_ids:
                return []
            where = f"WHERE a.building_id IN ({placeholders(building_ids)})"
            params = sorted(building_ids)
        rows = await self.db.fetch_all(
            f"SELECT {_COLUMNS}, "
            f"{_NAME.format(who='a.actor_id')} AS actor_name, "
            f"{_NAME.format(who='a.subject_id')} AS subject_name, b.name AS building "
            "FROM audit_log a LEFT JOIN buildings b ON b.id = a.building_id "
            f"{where} ORDER BY a.id DESC LIMIT ? OFFSET ?",
            (*params, limit, offset),
        )
        return [dict(r) for r in rows]

    async def last_decider(self, subject_id: int, q: Queries | None = None) -> str | None:
        """The name of whoever last decided about ``subject_id``'s sign-up or membership."""
        return await (q or self.db).fetch_value(
            f"SELECT coalesce({_NAME.format(who='a.actor_id')}, a.actor_id) FROM audit_log a "
            "WHERE a.subject_id = ? AND a.action LIKE 'resident.%' ORDER BY a.id DESC LIMIT 1",
            (subject_id,),
        )

    async def about(self, user_id: int) -> list[dict]:
        """Entries about ``user_id`` and entries of their own actions (for /mydata)."""
        rows = await self.db.fetch_all(
            f"SELECT {_COLUMNS}, b.name AS building FROM audit_log a "
            "LEFT JOIN buildings b ON b.id = a.building_id "
            "WHERE a.subject_id = ? OR a.actor_id = ? ORDER BY a.id",
            (user_id, user_id),
        )
        return [dict(r) for r in rows]


_NAME = (
    "(SELECT coalesce(r.display_name, '@' || u.username) FROM users u "
    "LEFT JOIN residents r ON r.user_id = u.id WHERE u.id = {who})"
)
