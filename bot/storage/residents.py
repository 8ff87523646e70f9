"""Residents, sign-ups in progress, and the consent log."""

from __future__ import annotations

import sqlite3
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from enum import StrEnum

from bot.storage.announcements import AnnouncementsRepository
from bot.storage.audit import erase_text_about, forget_person, write_audit
from bot.storage.db import NOW, Database, Queries, Tx
from bot.storage.event_attendance import AttendanceRepository
from bot.storage.events import EventsRepository
from bot.storage.roles import RolesRepository
from bot.storage.sql import assignments, placeholders


class ResidentStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    BANNED = "banned"


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
    tenure: str | None = None  # answered at the tenure step, kept until the sign-up finishes


@dataclass(frozen=True)
class Resident:
    user_id: int
    building_id: int
    building_name: str
    display_name: str
    unit: str
    tenure: str | None
    affordability: str | None
    status: str
    consent_version: str
    consent_at: str
    created_at: str
    auto_approve: bool = False
    group_chat_id: int | None = None


_SIGNUP = (
    "s.user_id, s.building_id, b.name AS building_name, s.invite_code, s.step, "
    "s.display_name, s.unit, s.consent_version, s.consent_at, s.tenure"
)
_RESIDENT = (
    "r.user_id, r.building_id, b.name AS building_name, r.display_name, r.unit, r.tenure, "
    "r.affordability, r.status, r.consent_version, r.consent_at, r.created_at, b.auto_approve, "
    "b.group_chat_id"
)


def _resident(row) -> Resident:
    return Resident(**{**dict(row), "auto_approve": bool(row["auto_approve"])})


class ResidentsRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    def transaction(self) -> AbstractAsyncContextManager[Tx]:
        return self.db.transaction()

    # --- sign-ups in progress ---------------------------------------------------------------
    async def get_signup(self, user_id: int, q: Queries | None = None) -> Signup | None:
        row = await (q or self.db).fetch_one(
            f"SELECT {_SIGNUP} FROM signups s JOIN buildings b ON b.id = s.building_id "
            "WHERE s.user_id = ?",
            (user_id,),
        )
        return None if row is None else Signup(**dict(row))

    async def start_signup(
        self, tx: Tx, user_id: int, building_id: int, step: str, invite_code: str | None
    ) -> None:
        """Begin a sign-up for ``building_id``. One already under way for the same building
        is kept as it is (a second press of the same invite resumes it); an invite counts
        one use per sign-up it starts."""
        await tx.execute(
            "INSERT INTO users (id) VALUES (?) ON CONFLICT (id) DO NOTHING", (user_id,)
        )
        current = await self.get_signup(user_id, tx)
        if current is not None and current.building_id == building_id:
            if invite_code and current.invite_code is None:
                await tx.execute(
                    "UPDATE signups SET invite_code = ? WHERE user_id = ?", (invite_code, user_id)
                )
                await _count_use(tx, invite_code)
            return
        await tx.execute(
            "INSERT OR REPLACE INTO signups (user_id, building_id, invite_code, step) "
            "VALUES (?, ?, ?, ?)",
            (user_id, building_id, invite_code, step),
        )
        if invite_code:
            await _count_use(tx, invite_code)

    async def update_signup(self, user_id: int, from_step: str, **fields: str | None) -> bool:
        """Move a sign-up on, only if it is still at ``from_step`` (a double press moves it
        once); False when it was not."""
        allowed = {"step", "display_name", "unit", "consent_version", "consent_at", "tenure"}
        assert fields and set(fields) <= allowed, fields
        sets = assignments(fields)
        changed = await self.db.execute(
            f"UPDATE signups SET {sets}, updated_at = {NOW} WHERE user_id = ? AND step = ?",
            (*fields.values(), user_id, from_step),
        )
        return changed > 0

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

    async def refuse_consent(self, user_id: int, version: str) -> bool | None:
        """Keep only the refusal: the sign-up goes, and so does the user record unless they
        hold a role or a membership (a steward who says no keeps their role). Returns whether
        the user record was kept; None when no sign-up was waiting for consent."""
        async with self.db.transaction() as tx:
            if not await tx.execute(
                "DELETE FROM signups WHERE user_id = ? AND step = 'consent'", (user_id,)
            ):
                return None
            removed = await tx.execute(
                "DELETE FROM users WHERE id = ? "
                "AND NOT EXISTS (SELECT 1 FROM roles WHERE user_id = users.id) "
                "AND NOT EXISTS (SELECT 1 FROM residents WHERE user_id = users.id)",
                (user_id,),
            )
            await tx.execute(
                "INSERT INTO consent_log (user_id, version, decision) VALUES (?, ?, 'refused')",
                (user_id, version),
            )
        return removed == 0

    async def finish_signup(
        self, tx: Tx, signup: Signup, affordability: str | None, status: str
    ) -> bool:
        """Turn the sign-up into a resident. Only a person with no membership, or a rejected
        one, becomes a resident again: a ban (or any other decision made meanwhile) is never
        overwritten. False when that is what stopped it."""
        written = await tx.execute(
            "INSERT INTO residents (user_id, building_id, display_name, unit, tenure, "
            "affordability, status, consent_version, consent_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (user_id) DO UPDATE SET building_id = excluded.building_id, "
            "display_name = excluded.display_name, unit = excluded.unit, "
            "tenure = excluded.tenure, affordability = excluded.affordability, "
            "status = excluded.status, "
            "consent_version = excluded.consent_version, consent_at = excluded.consent_at, "
            f"created_at = {NOW}, updated_at = {NOW} WHERE residents.status = 'rejected'",
            (
                signup.user_id,
                signup.building_id,
                signup.display_name,
                signup.unit,
                signup.tenure,
                affordability,
                status,
                signup.consent_version,
                signup.consent_at,
            ),
        )
        if not written:
            return False
        await tx.execute(
            "INSERT INTO consent_log (user_id, version, decision, at) VALUES (?, ?, 'given', ?)",
            (signup.user_id, signup.consent_version, signup.consent_at),
        )
        await tx.execute("DELETE FROM signups WHERE user_id = ?", (signup.user_id,))
        return True

    async def invite_still_valid(
        self, code: str | None, building_id: int, now: str, q: Queries
    ) -> bool:
        """The invite a sign-up came from still works, for that very building."""
        if not code:
            return False
        return bool(
            await q.fetch_value(
                "SELECT 1 FROM invites WHERE code = ? AND building_id = ? "
                "AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)",
                (code, building_id, now),
            )
        )

    # --- residents --------------------------------------------------------------------------
    async def get_resident(self, user_id: int, q: Queries | None = None) -> Resident | None:
        row = await (q or self.db).fetch_one(
            f"SELECT {_RESIDENT} FROM residents r JOIN buildings b ON b.id = r.building_id "
            "WHERE r.user_id = ?",
            (user_id,),
        )
        return None if row is None else _resident(row)

    async def count_in_unit(self, building_id: int, unit: str, q: Queries | None = None) -> int:
        return await (q or self.db).fetch_value(
            "SELECT count(*) FROM residents WHERE building_id = ? AND unit = ? "
            "AND status IN ('pending', 'approved')",
            (building_id, unit),
        )

    async def building_settings(
        self, building_id: int, q: Queries | None = None
    ) -> tuple[bool, int]:
        row = await (q or self.db).fetch_one(
            "SELECT auto_approve, unit_limit FROM buildings WHERE id = ?", (building_id,)
        )
        return (bool(row[0]), int(row[1])) if row else (False, 8)

    async def consent_records(self, user_id: int) -> list[dict]:
        rows = await self.db.fetch_all(
            "SELECT version, decision, at FROM consent_log WHERE user_id = ? ORDER BY id",
            (user_id,),
        )
        return [dict(r) for r in rows]

    # --- bans that outlive /forget ----------------------------------------------------------
    async def has_ban_trace(self, trace: str, q: Queries | None = None) -> bool:
        return bool(
            await (q or self.db).fetch_value("SELECT 1 FROM ban_traces WHERE hash = ?", (trace,))
        )

    async def trace_buildings(self, q: Queries) -> list[tuple[int, str, int | None]]:
        """The buildings that have ban traces: (id, name, group chat)."""
        rows = await q.fetch_all(
            "SELECT DISTINCT b.id, b.name, b.group_chat_id FROM ban_traces t "
            "JOIN buildings b ON b.id = t.building_id ORDER BY b.id"
        )
        return [(r[0], r[1], r[2]) for r in rows]

    async def lift_ban_trace(self, tx: Tx, actor_id: int, trace: str, user_id: int) -> bool:
        """/unban of someone who erased their data while banned; audited."""
        building_id = await tx.fetch_value(
            "SELECT building_id FROM ban_traces WHERE hash = ?", (trace,)
        )
        if building_id is None:
            return False
        await tx.execute("DELETE FROM ban_traces WHERE hash = ?", (trace,))
        await write_audit(
            tx, actor_id, "resident.unban", subject_id=user_id, building_id=building_id
        )
        return True

    async def erase(self, tx: Tx, user_id: int, ban_trace: tuple[str, int] | None) -> None:
        """Everything about the user: the user row (which cascades to residents and
        sign-ups), roles (audited), consent records, group warnings, and the free text of
        audit entries about them. A ban is kept as a bare keyed hash (``ban_trace``: hash,
        building). The append-only audit log keeps its entries, under a pseudonym whose key
        goes here."""
        if ban_trace is not None:
            await tx.execute(
                "INSERT OR IGNORE INTO ban_traces (hash, building_id) VALUES (?, ?)", ban_trace
            )
        await RolesRepository(self.db).revoke_all(user_id, user_id, tx)
        await erase_text_about(tx, user_id)
        # what they did as a steward stays, but no longer names them (0: someone erased)
        await tx.execute("UPDATE invites SET created_by = 0 WHERE created_by = ?", (user_id,))
        await tx.execute("UPDATE warnings SET given_by = 0 WHERE given_by = ?", (user_id,))
        await tx.execute("UPDATE roles SET granted_by = 0 WHERE granted_by = ?", (user_id,))
        await tx.execute(
            "DELETE FROM outbox WHERE user_id = ? OR about_user_id = ?", (user_id, user_id)
        )
        await AnnouncementsRepository(self.db).forget(tx, user_id)
        await EventsRepository(self.db).forget(tx, user_id)
        await AttendanceRepository(self.db).forget(tx, user_id)
        await tx.execute("DELETE FROM users WHERE id = ?", (user_id,))
        await tx.execute("DELETE FROM consent_log WHERE user_id = ?", (user_id,))
        await tx.execute("DELETE FROM warnings WHERE user_id = ?", (user_id,))
        await forget_person(tx, user_id)  # last: the entries above no longer lead to them

    async def list_residents(
        self,
        building_ids: set[int] | None,
        statuses: tuple[str, ...],
        limit: int = 50,
        offset: int = 0,
    ) -> list[Resident]:
        """Residents with one of ``statuses`` in ``building_ids`` (None: every building)."""
        sql = (
            f"SELECT {_RESIDENT} FROM residents r JOIN buildings b ON b.id = r.building_id "
            f"WHERE r.status IN ({placeholders(statuses)})"
        )
        params: list = list(statuses)
        if building_ids is not None:
            if not building_ids:
                return []
            sql += f" AND r.building_id IN ({placeholders(building_ids)})"
            params += sorted(building_ids)
        sql += " ORDER BY r.created_at, r.user_id LIMIT ? OFFSET ?"
        rows = await self.db.fetch_all(sql, (*params, limit, offset))
        return [_resident(r) for r in rows]

    async def count_residents(
        self, building_ids: set[int] | None, statuses: tuple[str, ...]
    ) -> int:
        sql = f"SELECT count(*) FROM residents WHERE status IN ({placeholders(statuses)})"
        params: list = list(statuses)
        if building_ids is not None:
            if not building_ids:
                return 0
            sql += f" AND building_id IN ({placeholders(building_ids)})"
            params += sorted(building_ids)
        return await self.db.fetch_value(sql, params)

    async def approved_by(self) -> list[sqlite3.Row]:
        """Approved residents counted by building, tenure, affordability and language
        (``users.locale``; NULL follows Telegram's): one row per combination, for marginals."""
        return await self.db.fetch_all(
            "SELECT r.building_id, r.tenure, r.affordability, u.locale, count(*) AS n "
            "FROM residents r JOIN users u ON u.id = r.user_id WHERE r.status = 'approved' "
            "GROUP BY r.building_id, r.tenure, r.affordability, u.locale"
        )

    async def count_by_status(self) -> dict[str, int]:
        rows = await self.db.fetch_all("SELECT status, count(*) FROM residents GROUP BY status")
        return {r[0]: r[1] for r in rows}

    async def set_status(
        self,
        tx: Tx,
        actor_id: int,
        resident: Resident,
        status: str,
        action: str,
        reason: str | None,
        from_statuses: tuple[str, ...],
    ) -> bool:
        """Change a resident's status, only from one of ``from_statuses``, and write the audit
        entry, in the caller's transaction. False (nothing written) when the status was not
        one of those any more."""
        changed = await tx.execute(
            f"UPDATE residents SET status = ?, updated_at = {NOW} WHERE user_id = ? "
            f"AND status IN ({placeholders(from_statuses)})",
            (status, resident.user_id, *from_statuses),
        )
        if not changed:
            return False
        await write_audit(
            tx,
            actor_id,
            action,
            subject_id=resident.user_id,
            building_id=resident.building_id,
            reason=reason,
        )
        return True

    async def update_profile(self, user_id: int, **fields: str) -> None:
        """Change answers given at sign-up."""
        allowed = {"display_name", "unit", "tenure", "affordability"}
        assert fields and set(fields) <= allowed, fields
        sets = assignments(fields)
        await self.db.execute(
            f"UPDATE residents SET {sets}, updated_at = {NOW} WHERE user_id = ?",
            (*fields.values(), user_id),
        )


async def _count_use(tx: Tx, code: str) -> None:
    await tx.execute("UPDATE invites SET uses = uses + 1 WHERE code = ?", (code,))
