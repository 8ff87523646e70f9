"""Residents, sign-ups in progress, and the consent log."""

from __future__ import annotations

from dataclasses import dataclass

from bot.storage.audit import write_audit
from bot.storage.db import NOW, Database


@dataclass(frozen=True)
class Signup:
    user_id: int
    building_id: int
    building_name: str
    invite_code: str | None
    step: str
    display_name: str | None
    unit: str | None
    consent_version: str | None
    consent_at: str | None


@dataclass(frozen=True)
class Resident:
    user_id: int
    building_id: int
    building_name: str
    display_name: str
    unit: str
    tenure: str | None
    status: str
    consent_version: str
    consent_at: str
    created_at: str
    auto_approve: bool = False


_SIGNUP = (
    "s.user_id, s.building_id, b.name AS building_name, s.invite_code, s.step, "
    "s.display_name, s.unit, s.consent_version, s.consent_at"
)
_RESIDENT = (
    "r.user_id, r.building_id, b.name AS building_name, r.display_name, r.unit, r.tenure, "
    "r.status, r.consent_version, r.consent_at, r.created_at, b.auto_approve"
)


def _resident(row) -> Resident:
    return Resident(**{**dict(row), "auto_approve": bool(row["auto_approve"])})


class ResidentsRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    # --- sign-ups in progress ---------------------------------------------------------------
    async def get_signup(self, user_id: int) -> Signup | None:
        row = await self.db.fetch_one(
            f"SELECT {_SIGNUP} FROM signups s JOIN buildings b ON b.id = s.building_id "
            "WHERE s.user_id = ?",
            (user_id,),
        )
        return None if row is None else Signup(**dict(row))

    async def start_signup(
        self, user_id: int, building_id: int, step: str, invite_code: str | None
    ) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO users (id) VALUES (?) ON CONFLICT (id) DO NOTHING", (user_id,)
            )
            await conn.execute(
                "INSERT OR REPLACE INTO signups (user_id, building_id, invite_code, step) "
                "VALUES (?, ?, ?, ?)",
                (user_id, building_id, invite_code, step),
            )
            if invite_code:
                await conn.execute(
                    "UPDATE invites SET uses = uses + 1 WHERE code = ?", (invite_code,)
                )

    async def update_signup(self, user_id: int, **fields: str | None) -> None:
        allowed = {"step", "display_name", "unit", "consent_version", "consent_at"}
        assert fields and set(fields) <= allowed, fields
        assignments = ", ".join(f"{name} = ?" for name in fields)
        await self.db.execute(
            f"UPDATE signups SET {assignments}, updated_at = {NOW} WHERE user_id = ?",
            (*fields.values(), user_id),
        )

    async def unreminded_before(self, cutoff: str, limit: int = 200) -> list[Signup]:
        """Sign-ups untouched since ``cutoff``, not yet reminded, of people we may message
        (announcements not paused, not known to have blocked the bot)."""
        rows = await self.db.fetch_all(
            f"SELECT {_SIGNUP} FROM signups s JOIN buildings b ON b.id = s.building_id "
            "JOIN users u ON u.id = s.user_id "
            "WHERE s.updated_at < ? AND s.reminded_at IS NULL AND u.paused = 0 "
            "AND u.unreachable_since IS NULL AND b.archived_at IS NULL "
            "ORDER BY s.updated_at LIMIT ?",
            (cutoff, limit),
        )
        return [Signup(**dict(r)) for r in rows]

    async def mark_reminded(self, user_id: int) -> None:
        await self.db.execute(
            f"UPDATE signups SET reminded_at = {NOW} WHERE user_id = ?", (user_id,)
        )

    async def refuse_consent(self, user_id: int, version: str) -> None:
        """Keep only the refusal: the sign-up and the user record go."""
        async with self.db.transaction() as conn:
            await conn.execute("DELETE FROM users WHERE id = ?", (user_id,))
            await conn.execute(
                "INSERT INTO consent_log (user_id, version, decision) VALUES (?, ?, 'refused')",
                (user_id, version),
            )

    async def finish_signup(self, signup: Signup, tenure: str | None, status: str) -> None:
        """Turn the sign-up into a resident, in one transaction."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT OR REPLACE INTO residents (user_id, building_id, display_name, unit, "
                "tenure, status, consent_version, consent_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    signup.user_id,
                    signup.building_id,
                    signup.display_name,
                    signup.unit,
                    tenure,
                    status,
                    signup.consent_version,
                    signup.consent_at,
                ),
            )
            await conn.execute(
                "INSERT INTO consent_log (user_id, version, decision, at) "
                "VALUES (?, ?, 'given', ?)",
                (signup.user_id, signup.consent_version, signup.consent_at),
            )
            await conn.execute("DELETE FROM signups WHERE user_id = ?", (signup.user_id,))

    # --- residents --------------------------------------------------------------------------
    async def get_resident(self, user_id: int) -> Resident | None:
        row = await self.db.fetch_one(
            f"SELECT {_RESIDENT} FROM residents r JOIN buildings b ON b.id = r.building_id "
            "WHERE r.user_id = ?",
            (user_id,),
        )
        return None if row is None else _resident(row)

    async def count_in_unit(self, building_id: int, unit: str) -> int:
        return await self.db.fetch_value(
            "SELECT count(*) FROM residents WHERE building_id = ? AND unit = ? "
            "AND status IN ('pending', 'approved')",
            (building_id, unit),
        )

    async def building_settings(self, building_id: int) -> tuple[bool, int]:
        row = await self.db.fetch_one(
            "SELECT auto_approve, unit_limit FROM buildings WHERE id = ?", (building_id,)
        )
        return (bool(row[0]), int(row[1])) if row else (False, 8)

    async def consent_records(self, user_id: int) -> list[dict]:
        rows = await self.db.fetch_all(
            "SELECT version, decision, at FROM consent_log WHERE user_id = ? ORDER BY id",
            (user_id,),
        )
        return [dict(r) for r in rows]

    async def erase(self, user_id: int) -> None:
        """Everything about the user: the user row (which cascades to residents, sign-ups and
        roles), consent records and group warnings. The append-only audit log keeps the bare
        account number of entries about them, and nothing else."""
        async with self.db.transaction() as conn:
            await conn.execute("DELETE FROM users WHERE id = ?", (user_id,))
            await conn.execute("DELETE FROM consent_log WHERE user_id = ?", (user_id,))
            await conn.execute("DELETE FROM warnings WHERE user_id = ?", (user_id,))

    async def list_residents(
        self, building_ids: set[int] | None, statuses: tuple[str, ...], limit: int = 50
    ) -> list[Resident]:
        """Residents with one of ``statuses`` in ``building_ids`` (None: every building)."""
        sql = (
            f"SELECT {_RESIDENT} FROM residents r JOIN buildings b ON b.id = r.building_id "
            f"WHERE r.status IN ({', '.join('?' * len(statuses))})"
        )
        params: list = list(statuses)
        if building_ids is not None:
            if not building_ids:
                return []
            sql += f" AND r.building_id IN ({', '.join('?' * len(building_ids))})"
            params += sorted(building_ids)
        sql += " ORDER BY r.created_at, r.user_id LIMIT ?"
        rows = await self.db.fetch_all(sql, (*params, limit))
        return [_resident(r) for r in rows]

    async def set_status(
        self, actor_id: int, resident: Resident, status: str, action: str, reason: str | None
    ) -> None:
        """Change a resident's status and write the audit entry, together."""
        async with self.db.transaction() as conn:
            await conn.execute(
                f"UPDATE residents SET status = ?, updated_at = {NOW} WHERE user_id = ?",
                (status, resident.user_id),
            )
            await write_audit(
                conn,
                actor_id,
                action,
                subject_id=resident.user_id,
                building_id=resident.building_id,
                reason=reason,
            )

    async def editing(self, user_id: int) -> str | None:
        return await self.db.fetch_value(
            "SELECT editing FROM residents WHERE user_id = ?", (user_id,)
        )

    async def set_editing(self, user_id: int, field: str | None) -> None:
        await self.db.execute(
            "UPDATE residents SET editing = ? WHERE user_id = ?", (field, user_id)
        )

    async def update_profile(self, user_id: int, **fields: str) -> None:
        """Change answers given at sign-up; also ends any edit in progress."""
        allowed = {"display_name", "unit", "tenure"}
        assert fields and set(fields) <= allowed, fields
        assignments = ", ".join(f"{name} = ?" for name in fields)
        await self.db.execute(
            f"UPDATE residents SET {assignments}, editing = NULL, updated_at = {NOW} "
            "WHERE user_id = ?",
            (*fields.values(), user_id),
        )
