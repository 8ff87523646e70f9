"""The ``invites`` table: one row per printed or shared invite link."""

from __future__ import annotations

from dataclasses import dataclass

from bot.storage.audit import write_audit
from bot.storage.db import NOW, Database
from bot.storage.sql import placeholders

_COLUMNS = (
    "i.code, i.building_id, b.name AS building_name, i.created_by, i.created_at, "
    "i.expires_at, i.revoked_at, i.uses, b.archived_at AS building_archived_at"
)


@dataclass(frozen=True)
class Invite:
    code: str
    building_id: int
    building_name: str
    created_by: int
    created_at: str
    expires_at: str | None
    revoked_at: str | None
    uses: int
    building_archived_at: str | None


class InvitesRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(
        self, actor_id: int, code: str, building_id: int, expires_at: str | None
    ) -> Invite:
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO invites (code, building_id, created_by, expires_at) "
                "VALUES (?, ?, ?, ?)",
                (code, building_id, actor_id, expires_at),
            )
            made = {"code": code, "expires_at": expires_at}
            await write_audit(tx, actor_id, "invite.create", building_id, details=made)
        invite = await self.get(code)
        assert invite is not None
        return invite

    async def get(self, code: str) -> Invite | None:
        row = await self.db.fetch_one(
            f"SELECT {_COLUMNS} FROM invites i JOIN buildings b ON b.id = i.building_id "
            "WHERE i.code = ?",
            (code,),
        )
        return None if row is None else Invite(**dict(row))

    async def list_active(self, now: str, building_ids: set[int] | None = None) -> list[Invite]:
        """Invites that still work, in ``building_ids`` only unless None."""
        sql = (
            f"SELECT {_COLUMNS} FROM invites i JOIN buildings b ON b.id = i.building_id "
            "WHERE i.revoked_at IS NULL AND (i.expires_at IS NULL OR i.expires_at > ?) "
            "AND b.archived_at IS NULL"
        )
        params: list = [now]
        if building_ids is not None:
            if not building_ids:
                return []
            sql += f" AND i.building_id IN ({placeholders(building_ids)})"
            params += sorted(building_ids)
        rows = await self.db.fetch_all(
            sql + " ORDER BY b.name COLLATE NOCASE, i.created_at", params
        )
        return [Invite(**dict(r)) for r in rows]

    async def created_by(self, user_id: int) -> list[dict]:
        """The invites this person made (for /mydata)."""
        rows = await self.db.fetch_all(
            "SELECT i.code, b.name AS building, i.created_at, i.expires_at, i.revoked_at, i.uses "
            "FROM invites i JOIN buildings b ON b.id = i.building_id WHERE i.created_by = ? "
            "ORDER BY i.created_at",
            (user_id,),
        )
        return [dict(r) for r in rows]

    async def revoke(self, actor_id: int, code: str, building_id: int) -> bool:
        async with self.db.transaction() as tx:
            return await tx.once(
                f"UPDATE invites SET revoked_at = {NOW} WHERE code = ? AND revoked_at IS NULL",
                (code,),
                lambda q: write_audit(
                    q, actor_id, "invite.revoke", building_id=building_id, details={"code": code}
                ),
            )
