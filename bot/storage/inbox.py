"""``inbox``: updates received by webhook, stored before Telegram is told they arrived."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from bot.clock import from_db
from bot.storage.db import Database

NEWEST = 2**63 - 1  # above every update id
DEPTH = "SELECT count(*), min(received_at) FROM inbox"


@dataclass(frozen=True)
class Depth:
    """What waits in the inbox: rows not yet processed (or in hand now), and when the oldest
    of them was received (UTC; None when there is none)."""

    pending: int
    oldest: datetime | None

    @classmethod
    def of(cls, row) -> Depth:
        return cls(int(row[0]), None if row[1] is None else from_db(row[1]))


class InboxRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def store(self, update_id: int, body: str) -> bool:
        """Keep the update's JSON (committed when this returns). False when it was already
        there: Telegram re-delivered it, and the one row stands."""
        return (
            await self.db.execute(
                "INSERT OR IGNORE INTO inbox (update_id, body) VALUES (?, ?)", (update_id, body)
            )
            > 0
        )

    async def pending(self, after: int | None = None, limit: int = 100) -> list[tuple[int, str]]:
        """The stored updates in update_id order (above ``after`` when given)."""
        rows = await self.db.fetch_all(
            "SELECT update_id, body FROM inbox WHERE update_id > ? ORDER BY update_id LIMIT ?",
            (-(2**63) if after is None else after, limit),
        )
        return [(row[0], row[1]) for row in rows]

    async def remove(self, update_id: int) -> None:
        await self.db.execute("DELETE FROM inbox WHERE update_id = ?", (update_id,))

    async def count(self) -> int:
        return await self.db.fetch_value("SELECT count(*) FROM inbox")

    async def depth(self) -> Depth:
        return Depth.of(await self.db.fetch_one(DEPTH))

    async def forget(self, user_id: int, up_to: int | None = None) -> int:
        """Delete the stored updates ``user_id`` sent (see :func:`sender`) with an id up to
        ``up_to`` (every one without it); returns how many. Another person's update that
        quotes them (a reply) is theirs to have processed, and goes when it is."""
        async with self.db.transaction() as tx:
            rows = await tx.fetch_all(
                "SELECT update_id, body FROM inbox WHERE update_id <= ?",
                (NEWEST if up_to is None else up_to,),
            )
            theirs = [(row[0],) for row in rows if sender(row[1]) == user_id]
            await tx.execute_many("DELETE FROM inbox WHERE update_id = ?", theirs)
        return len(theirs)


def sender(body: str) -> int | None:
    """Who sent a stored update: the ``from`` (or, for poll answers and reactions, the
    ``user``) of the one object it carries besides its id; None when it names nobody."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    for key, part in data.items():
        if key == "update_id" or not isinstance(part, dict):
            continue
        who = part.get("from") or part.get("user")
        if isinstance(who, dict) and type(who.get("id")) is int:
            return who["id"]
    return None
