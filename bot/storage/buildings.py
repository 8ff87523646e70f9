"""The ``buildings`` table, and the audit entry written in the same transaction as a change."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from bot.storage.audit import write_audit
from bot.storage.db import NOW, Database
from bot.storage.sql import identifier


@dataclass(frozen=True)
class Building:
    id: int
    name: str
    created_at: str
    archived_at: str | None
    auto_approve: bool = False
    unit_limit: int = 8
    group_chat_id: int | None = None
    listed: bool = False

    @property
    def active(self) -> bool:
        return self.archived_at is None


class DuplicateName(Exception):
    pass


_COLUMNS = "id, name, created_at, archived_at, auto_approve, unit_limit, group_chat_id, listed"


def _building(row) -> Building:
    return Building(
        **{**dict(row), "auto_approve": bool(row["auto_approve"]), "listed": bool(row["listed"])}
    )


class BuildingsRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, building_id: int) -> Building | None:
        row = await self.db.fetch_one(
            f"SELECT {_COLUMNS} FROM buildings WHERE id = ?", (building_id,)
        )
        return None if row is None else _building(row)

    async def find_active_by_name(self, name: str) -> Building | None:
        row = await self.db.fetch_one(
            f"SELECT {_COLUMNS} FROM buildings WHERE name = ? COLLATE NOCASE "
            "AND archived_at IS NULL",
            (name,),
        )
        return None if row is None else _building(row)

    async def list(self, *, include_archived: bool = False) -> list[Building]:
        where = "" if include_archived else "WHERE archived_at IS NULL"
        rows = await self.db.fetch_all(
            f"SELECT {_COLUMNS} FROM buildings {where} ORDER BY name COLLATE NOCASE, id"
        )
        return [_building(r) for r in rows]

    async def add(self, actor_id: int, name: str) -> Building:
        try:
            async with self.db.transaction() as tx:
                building_id = await tx.insert("INSERT INTO buildings (name) VALUES (?)", (name,))
                await write_audit(
                    tx,
                    actor_id,
                    "building.add",
                    building_id=building_id,
                    details={"name": name},
                )
        except sqlite3.IntegrityError as exc:
            raise DuplicateName(name) from exc
        building = await self.get(building_id)
        assert building is not None
        return building

    async def rename(self, actor_id: int, building_id: int, name: str, old_name: str) -> None:
        try:
            async with self.db.transaction() as tx:
                await tx.execute("UPDATE buildings SET name = ? WHERE id = ?", (name, building_id))
                change = {"from": old_name, "to": name}
                await write_audit(tx, actor_id, "building.rename", building_id, details=change)
        except sqlite3.IntegrityError as exc:
            raise DuplicateName(name) from exc

    async def archive(self, actor_id: int, building_id: int) -> bool:
        """Archive an active building; False when it was not active any more."""
        async with self.db.transaction() as tx:
            return await tx.once(
                f"UPDATE buildings SET archived_at = {NOW} WHERE id = ? AND archived_at IS NULL",
                (building_id,),
                lambda q: write_audit(q, actor_id, "building.archive", building_id=building_id),
            )

    async def set_setting(self, actor_id: int, building_id: int, name: str, value: int) -> None:
        """Change ``auto_approve``, ``unit_limit`` or ``listed``, with its audit entry."""
        assert name in ("auto_approve", "unit_limit", "listed"), name
        async with self.db.transaction() as tx:
            await tx.execute(
                f"UPDATE buildings SET {identifier(name)} = ? WHERE id = ?", (value, building_id)
            )
            await write_audit(
                tx,
                actor_id,
                "building.settings",
                building_id=building_id,
                details={name: value},
            )
