"""The append-only ``audit_log``: who did what, to whom, where, why and when.

Entries are written inside the same transaction as the change they describe, so a change is
never made without its audit entry (and triggers in the schema refuse updates and deletes,
except /forget erasing the free text of entries about the person). People are named by a
pseudonym, HMAC(their own key, their id), never by their Telegram id: the key is in
``person_keys``, and /forget deletes it (``forget_person``), so their entries stay but lead to
no one (migration 0023).
"""

from __future__ import annotations

import json
import secrets

from bot.storage.db import NOW, Database, Queries, pseudonym
from bot.storage.sql import placeholders


async def person_key(q: Queries, user_id: int | None) -> int | None:
    """The pseudonym the audit log uses for ``user_id`` (made, with a new random key, the first
    time they appear). None stays None."""
    if user_id is None:
        return None
    key = secrets.token_bytes(32)
    await q.execute(
        "INSERT INTO person_keys (user_id, key, pseudonym) VALUES (?, ?, ?) "
        "ON CONFLICT (user_id) DO NOTHING",
        (user_id, key, pseudonym(key, user_id)),
    )
    return await q.fetch_value("SELECT pseudonym FROM person_keys WHERE user_id = ?", (user_id,))


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
    """One entry; the actor and the subject are written as their pseudonyms."""
    await q.execute(
        "INSERT INTO audit_log (actor_id, action, subject_id, building_id, reason, details) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (
            await person_key(q, actor_id),
            action,
            await person_key(q, subject_id),
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
        f"WHERE subject_id = {_PSEUDONYM} AND (reason IS NOT NULL OR details IS NOT NULL)",
        (user_id,),
    )


async def forget_person(q: Queries, user_id: int) -> None:
    """/forget, last step: the key goes, so the pseudonym of their entries leads to nobody."""
    await q.execute("DELETE FROM person_keys WHERE user_id = ?", (user_id,))


# the person behind a pseudonym, while their key exists (None after /forget)
_PSEUDONYM = "(SELECT pseudonym FROM person_keys WHERE user_id = ?)"
_ACTOR = "(SELECT user_id FROM person_keys WHERE pseudonym = a.actor_id)"
_SUBJECT = "(SELECT user_id FROM person_keys WHERE pseudonym = a.subject_id)"
_COLUMNS = (
    f"a.id, a.at, {_ACTOR} AS actor_id, a.action, {_SUBJECT} AS subject_id, a.building_id, "
    "a.reason, a.details, a.erased_at"
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
            f"{_NAME.format(who=_ACTOR)} AS actor_name, "
            f"{_NAME.format(who=_SUBJECT)} AS subject_name, b.name AS building "
            "FROM audit_log a LEFT JOIN buildings b ON b.id = a.building_id "
            f"{where} ORDER BY a.id DESC LIMIT ? OFFSET ?",
            (*params, limit, offset),
        )
        return [dict(r) for r in rows]

    async def last_decider(self, subject_id: int, q: Queries | None = None) -> str | None:
        """The name of whoever last decided about ``subject_id``'s sign-up or membership."""
        return await (q or self.db).fetch_value(
            f"SELECT coalesce({_NAME.format(who=_ACTOR)}, {_ACTOR}) FROM audit_log a "
            f"WHERE a.subject_id = {_PSEUDONYM} AND a.action LIKE 'resident.%' "
            "ORDER BY a.id DESC LIMIT 1",
            (subject_id,),
        )

    async def about(self, user_id: int) -> list[dict]:
        """Entries about ``user_id`` and entries of their own actions (for /mydata)."""
        rows = await self.db.fetch_all(
            f"SELECT {_COLUMNS}, b.name AS building FROM audit_log a "
            "LEFT JOIN buildings b ON b.id = a.building_id "
            f"WHERE a.subject_id = {_PSEUDONYM} OR a.actor_id = {_PSEUDONYM} ORDER BY a.id",
            (user_id, user_id),
        )
        return [dict(r) for r in rows]


_NAME = (
    "(SELECT coalesce(r.display_name, '@' || u.username) FROM users u "
    "LEFT JOIN residents r ON r.user_id = u.id WHERE u.id = {who})"
)
