"""Events (``events``), their answers (``event_rsvps``) and reminders (``event_reminders``).

Every method that decides takes the caller's transaction ``tx``, so a service reads its
precondition and writes its change (and the outbox job) together."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass

from bot.storage.db import NOW, Database, Queries, Tx
from bot.storage.sql import assignments, placeholders

ANSWERS = ("going", "maybe", "no", "waitlist")


@dataclass(frozen=True)
class EventRow:
    id: int
    audience: dict
    title: str
    place: str
    starts_at: str
    capacity: int | None
    description: str | None
    state: str
    sequence: int
    cancel_reason: str | None
    created_by: int | None
    job_id: int | None
    created_at: str
    # a series (0016): the first occurrence's id, what repeats, until when (local date)
    series_id: int | None = None
    repeat: str | None = None
    repeat_until: str | None = None

    @property
    def buildings(self) -> list[int] | None:
        return self.audience.get("buildings")


@dataclass(frozen=True)
class Rsvp:
    event_id: int
    user_id: int
    answer: str
    position: int | None


@dataclass(frozen=True)
class Reader:
    """Someone to tell: their language as stored, and what may stop a bulk send."""

    user_id: int
    locale: str | None
    telegram_language: str | None
    paused: bool
    unreachable: bool


def _row(r) -> EventRow:
    return EventRow(
        id=r["id"],
        audience=json.loads(r["audience"]),
        title=r["title"],
        place=r["place"],
        starts_at=r["starts_at"],
        capacity=r["capacity"],
        description=r["description"],
        state=r["state"],
        sequence=r["sequence"],
        cancel_reason=r["cancel_reason"],
        created_by=r["created_by"],
        job_id=r["job_id"],
        created_at=r["created_at"],
        **_series_fields(r),
    )


def _series_fields(r) -> dict:
    keys = r.keys()
    return {name: r[name] for name in ("series_id", "repeat", "repeat_until") if name in keys}


_FIELDS = {
    "title",
    "place",
    "starts_at",
    "capacity",
    "description",
    "state",
    "cancel_reason",
    "job_id",
    "series_id",
    "repeat",
    "repeat_until",
    "post_at",
}


_DRAFT_FIELDS = {
    "buildings",
    "title",
    "day",
    "time",
    "place",
    "capacity",
    "description",
    "repeat",
    "repeat_until",
    "step",
    "month",
}


def _draft(r) -> dict:
    found = dict(r)
    found["buildings"] = json.loads(found["buildings"]) if found["buildings"] else None
    return found


class EventsRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    def transaction(self):
        return self.db.transaction()

    # ------------------------------------------------------------------ events
    async def create(self, tx: Tx, created_by: int, update_id: int | None, **fields) -> int:
        """A draft, once per update (a replayed update finds the first one)."""
        if update_id is not None:
            existing = await tx.fetch_value(
                "SELECT id FROM events WHERE update_id = ?", (update_id,)
            )
            if existing is not None:
                return existing
        return await tx.insert(
            "INSERT INTO events (audience, title, place, starts_at, capacity, created_by, "
            "update_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                json.dumps(fields["audience"]),
                fields["title"],
                fields["place"],
                fields["starts_at"],
                fields["capacity"],
                created_by,
                update_id,
            ),
        )

    async def get(self, event_id: int, q: Queries | None = None) -> EventRow | None:
        row = await (q or self.db).fetch_one("SELECT * FROM events WHERE id = ?", (event_id,))
        return _row(row) if row else None

    async def change(
        self, tx: Tx, event_id: int, from_states: tuple[str, ...], *, bump: bool, **fields
    ) -> bool:
        """Change columns only while the state is one of ``from_states``; ``bump`` raises the
        sequence (every change residents can see)."""
        assert set(fields) <= _FIELDS, fields
        sets = [assignments(fields)] if fields else []
        if bump:
            sets.append("sequence = sequence + 1")
        marks = placeholders(from_states)
        return bool(
            await tx.execute(
                # sql-ok: sets are assignments() and a constant
                f"UPDATE events SET {', '.join(sets)} WHERE id = ? AND state IN ({marks})",
                (*fields.values(), event_id, *from_states),
            )
        )

    async def published(self) -> list[EventRow]:
        """Every published event (past and to come), by start."""
        rows = await self.db.fetch_all(
            "SELECT * FROM events WHERE state = 'published' ORDER BY starts_at, id"
        )
        return [_row(r) for r in rows]

    async def upcoming(self, now: str, limit: int = 50) -> list[EventRow]:
        rows = await self.db.fetch_all(
            "SELECT * FROM events WHERE state = 'published' AND starts_at > ? "
            "ORDER BY starts_at, id LIMIT ?",
            (now, limit),
        )
        return [_row(r) for r in rows]

    async def residence(self, user_id: int, q: Queries) -> tuple[int, str] | None:
        """(building, status) of a resident, if they signed up."""
        row = await q.fetch_one(
            "SELECT building_id, status FROM residents WHERE user_id = ?", (user_id,)
        )
        return (row[0], row[1]) if row else None

    # ------------------------------------------------------------------ answers
    async def rsvp(self, event_id: int, user_id: int, q: Queries | None = None) -> Rsvp | None:
        row = await (q or self.db).fetch_one(
            "SELECT * FROM event_rsvps WHERE event_id = ? AND user_id = ?", (event_id, user_id)
        )
        return Rsvp(row[0], row[1], row[2], row[3]) if row else None

    async def put_rsvp(self, tx: Tx, event_id: int, user_id: int, answer: str) -> int | None:
        """Record an answer (a waitlist answer goes to the end of the queue); its position."""
        position = None
        if answer == "waitlist":
            position = 1 + await tx.fetch_value(
                "SELECT coalesce(max(position), 0) FROM event_rsvps WHERE event_id = ?",
                (event_id,),
            )
        await tx.execute(
            "INSERT INTO event_rsvps (event_id, user_id, answer, position) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (event_id, user_id) DO UPDATE SET answer = excluded.answer, "
            f"position = excluded.position, updated_at = {NOW}",
            (event_id, user_id, answer, position),
        )
        return position

    async def counts(self, event_id: int, q: Queries | None = None) -> dict[str, int]:
        rows = await (q or self.db).fetch_all(
            "SELECT answer, count(*) FROM event_rsvps WHERE event_id = ? GROUP BY answer",
            (event_id,),
        )
        found = {r[0]: r[1] for r in rows}
        return {answer: found.get(answer, 0) for answer in ANSWERS}

    async def first_waiting(self, tx: Tx, event_id: int, n: int) -> list[int]:
        rows = await tx.fetch_all(
            "SELECT user_id FROM event_rsvps WHERE event_id = ? AND answer = 'waitlist' "
            "ORDER BY position LIMIT ?",
            (event_id, n),
        )
        return [r[0] for r in rows]

    async def answered(self, event_id: int, answers: tuple[str, ...], q: Queries) -> list[Reader]:
        """Who gave one of ``answers``, with their language, pause and reachability."""
        marks = placeholders(answers)
        rows = await q.fetch_all(
            "SELECT r.user_id, u.locale, u.telegram_language, u.paused, u.unreachable_since "
            "FROM event_rsvps r LEFT JOIN users u ON u.id = r.user_id "
            f"WHERE r.event_id = ? AND r.answer IN ({marks}) ORDER BY r.user_id",
            (event_id, *answers),
        )
        return [
            Reader(
                r["user_id"],
                r["locale"],
                r["telegram_language"],
                bool(r["paused"]),
                r["unreachable_since"] is not None,
            )
            for r in rows
        ]

    async def mine(self, user_id: int, now: str) -> list[tuple[EventRow, str]]:
        rows = await self.db.fetch_all(
            "SELECT e.*, r.answer AS my_answer FROM event_rsvps r JOIN events e "
            "ON e.id = r.event_id WHERE r.user_id = ? AND e.starts_at > ? "
            "ORDER BY e.starts_at, e.id LIMIT 20",
            (user_id, now),
        )
        return [(_row(r), r["my_answer"]) for r in rows]

    # ------------------------------------------------------------------ reminders
    async def arm(self, tx: Tx, event_id: int, lead_minutes: int, due_at: str) -> None:
        """A reminder (again) pending at ``due_at``."""
        await tx.execute(
            "INSERT INTO event_reminders (event_id, lead_minutes, due_at) VALUES (?, ?, ?) "
            "ON CONFLICT (event_id, lead_minutes) DO UPDATE SET due_at = excluded.due_at, "
            "state = 'pending', job_id = NULL",
            (event_id, lead_minutes, due_at),
        )

    async def drop_pending(self, tx: Tx, event_id: int, leads: tuple[int, ...] | None) -> int:
        """Pending reminders of an event (of ``leads`` only, if given) are dropped."""
        sql = (
            "UPDATE event_reminders SET state = 'dropped' WHERE event_id = ? AND state = 'pending'"
        )
        params: tuple = (event_id,)
        if leads is not None:
            sql += f" AND lead_minutes IN ({placeholders(leads)})"
            params += tuple(leads)
        return await tx.execute(sql, params)

    async def reminders(self, event_id: int) -> list[dict]:
        rows = await self.db.fetch_all(
            "SELECT * FROM event_reminders WHERE event_id = ? ORDER BY lead_minutes DESC",
            (event_id,),
        )
        return [dict(r) for r in rows]

    async def work_due(self, now: str, refresh_before: str) -> tuple[list[int], list[int]]:
        """One cheap read (two indexed parts): (reminders due, events whose counts changed
        and whose copies were last refreshed before ``refresh_before``)."""
        rows = await self.db.fetch_all(
            "SELECT 'r', id FROM event_reminders WHERE state = 'pending' AND due_at <= ? "
            "UNION ALL SELECT 'e', id FROM events WHERE refresh_wanted = 1 "
            "AND coalesce(refreshed_at, '') <= ?",
            (now, refresh_before),
        )
        return [r[1] for r in rows if r[0] == "r"], [r[1] for r in rows if r[0] == "e"]

    async def reminder(self, tx: Tx, reminder_id: int):
        return await tx.fetch_one("SELECT * FROM event_reminders WHERE id = ?", (reminder_id,))

    async def settle_reminder(
        self, tx: Tx, reminder_id: int, state: str, job_id: int | None = None
    ) -> bool:
        """'pending' -> ``state`` (once: a second tick finds it moved on)."""
        return bool(
            await tx.execute(
                "UPDATE event_reminders SET state = ?, job_id = ? WHERE id = ? "
                "AND state = 'pending'",
                (state, job_id, reminder_id),
            )
        )

    # ------------------------------------------------------------------ counts on copies
    async def want_refresh(self, tx: Tx, event_id: int) -> None:
        await tx.execute("UPDATE events SET refresh_wanted = 1 WHERE id = ?", (event_id,))

    async def take_refresh(self, tx: Tx, event_id: int, now: str, before: str) -> bool:
        """Claim one refresh of the copies (at most one per debounce window)."""
        return bool(
            await tx.execute(
                "UPDATE events SET refresh_wanted = 0, refreshed_at = ? WHERE id = ? "
                "AND refresh_wanted = 1 AND coalesce(refreshed_at, '') <= ?",
                (now, event_id, before),
            )
        )

    async def copies(self, job_id: int, q: Queries | None = None) -> list[dict]:
        rows = await (q or self.db).fetch_all(
            "SELECT chat_id, user_id, message_id, locale FROM outbox WHERE job_id = ? "
            "AND state = 'sent' AND message_id IS NOT NULL",
            (job_id,),
        )
        return [dict(r) for r in rows]

    # ------------------------------------------------------------------ series (0016)
    async def add_occurrence(self, tx: Tx, first: EventRow, starts_at: str, post_at: str) -> int:
        """A later occurrence of ``first``'s series: published, posted at ``post_at``."""
        return await tx.insert(
            "INSERT INTO events (audience, title, place, starts_at, capacity, description, "
            "state, created_by, series_id, repeat, repeat_until, post_at) "
            "VALUES (?, ?, ?, ?, ?, ?, 'published', ?, ?, ?, ?, ?)",
            (
                json.dumps(first.audience),
                first.title,
                first.place,
                starts_at,
                first.capacity,
                first.description,
                first.created_by,
                first.id,
                first.repeat,
                first.repeat_until,
                post_at,
            ),
        )

    async def later_in_series(self, event: EventRow, q: Queries) -> list[EventRow]:
        """The occurrences of ``event``'s series that start after it, still published."""
        if event.series_id is None:
            return []
        rows = await q.fetch_all(
            "SELECT * FROM events WHERE series_id = ? AND starts_at > ? AND state = 'published' "
            "ORDER BY starts_at, id",
            (event.series_id, event.starts_at),
        )
        return [_row(r) for r in rows]

    async def series(self, series_id: int, q: Queries | None = None) -> list[EventRow]:
        rows = await (q or self.db).fetch_all(
            "SELECT * FROM events WHERE series_id = ? ORDER BY starts_at, id", (series_id,)
        )
        return [_row(r) for r in rows]

    async def skip_unsent(self, tx: Tx, job_id: int) -> int:
        """A cancelled event's post: the copies still waiting are never sent."""
        return await tx.execute(
            "UPDATE outbox SET state = 'skipped', skip_reason = 'cancelled', "
            f"updated_at = {NOW} WHERE job_id = ? AND state = 'queued'",
            (job_id,),
        )

    async def posts_due(self, now: str) -> list[int]:
        """Later occurrences whose post is due (their job not started yet)."""
        rows = await self.db.fetch_all(
            "SELECT id FROM events WHERE job_id IS NULL AND post_at IS NOT NULL AND post_at <= ? "
            "AND state = 'published' ORDER BY post_at, id",
            (now,),
        )
        return [r[0] for r in rows]

    async def groups_of(self, buildings: list[int] | None, q: Queries | None = None) -> list:
        """(building id, linked group chat id) of the audience's buildings with a group."""
        sql = (
            "SELECT id, group_chat_id FROM buildings WHERE group_chat_id IS NOT NULL "
            "AND archived_at IS NULL"
        )
        params: tuple = ()
        if buildings is not None:
            sql += f" AND id IN ({placeholders(buildings)})"
            params = tuple(buildings)
        rows = await (q or self.db).fetch_all(sql + " ORDER BY id", params)
        return [(r[0], r[1]) for r in rows]

    # ------------------------------------------------------------------ guided drafts (0016)
    async def draft_of(self, user_id: int, q: Queries | None = None) -> dict | None:
        row = await (q or self.db).fetch_one(
            "SELECT * FROM event_drafts WHERE user_id = ?", (user_id,)
        )
        return _draft(row) if row else None

    async def draft(self, draft_id: int, user_id: int, q: Queries | None = None) -> dict | None:
        row = await (q or self.db).fetch_one(
            "SELECT * FROM event_drafts WHERE id = ? AND user_id = ?", (draft_id, user_id)
        )
        return _draft(row) if row else None

    async def new_draft(self, tx: Tx, user_id: int, buildings: list[int] | None) -> int:
        await tx.execute("DELETE FROM event_drafts WHERE user_id = ?", (user_id,))
        return await tx.insert(
            "INSERT INTO event_drafts (user_id, buildings) VALUES (?, ?)",
            (user_id, json.dumps(buildings)),
        )

    async def set_draft(self, tx: Tx, draft_id: int, **fields) -> bool:
        assert set(fields) <= _DRAFT_FIELDS, fields
        if "buildings" in fields:
            fields["buildings"] = json.dumps(fields["buildings"])
        sets = assignments(fields)
        return bool(
            await tx.execute(
                f"UPDATE event_drafts SET {sets}, updated_at = {NOW} WHERE id = ?",
                (*fields.values(), draft_id),
            )
        )

    async def drop_draft(self, tx: Tx, draft_id: int) -> bool:
        return bool(await tx.execute("DELETE FROM event_drafts WHERE id = ?", (draft_id,)))

    # ------------------------------------------------------------------ privacy
    # ------------------------------------------------------------------ edits of a series (0021)
    async def add_edit(
        self, event_id: int, user_id: int, what: str, value: str, update_id: int | None
    ) -> int:
        """A change that waits for its author to choose its dates (once per update)."""
        async with self.db.transaction() as tx:
            if update_id is not None:
                found = await tx.fetch_value(
                    "SELECT id FROM event_edits WHERE update_id = ?", (update_id,)
                )
                if found is not None:
                    return found
            return await tx.insert(
                "INSERT INTO event_edits (event_id, user_id, what, value, update_id) "
                "VALUES (?, ?, ?, ?, ?)",
                (event_id, user_id, what, value, update_id),
            )

    async def edit_row(self, tx: Tx, edit_id: int):
        return await tx.fetch_one("SELECT * FROM event_edits WHERE id = ?", (edit_id,))

    async def edit_applied(self, tx: Tx, edit_id: int, scope: str) -> bool:
        """The waiting change is applied to ``scope`` (once: a second press finds it set)."""
        return bool(
            await tx.execute(
                "UPDATE event_edits SET scope = ? WHERE id = ? AND scope IS NULL",
                (scope, edit_id),
            )
        )

    async def upcoming_in_series(self, event: EventRow, now: str, q: Queries) -> list[EventRow]:
        """Every occurrence of ``event``'s series still published and not started."""
        if event.series_id is None:
            return [event]
        rows = await q.fetch_all(
            "SELECT * FROM events WHERE series_id = ? AND starts_at > ? AND state = 'published' "
            "ORDER BY starts_at, id",
            (event.series_id, now),
        )
        return [_row(r) for r in rows]

    async def repost_after_previous(self, tx: Tx, series_id: int) -> None:
        """Each later occurrence not posted yet is posted when the one before it starts (also
        after some of them moved)."""
        rows = await tx.fetch_all(
            "SELECT id, starts_at, job_id, post_at FROM events WHERE series_id = ? "
            "AND state != 'draft' ORDER BY starts_at, id",
            (series_id,),
        )
        for before, row in itertools.pairwise(rows):
            if row["job_id"] is None and row["post_at"] != before["starts_at"]:
                await tx.execute(
                    "UPDATE events SET post_at = ? WHERE id = ?", (before["starts_at"], row["id"])
                )

    async def forget(self, tx: Tx, user_id: int) -> None:
        await tx.execute("DELETE FROM event_edits WHERE user_id = ?", (user_id,))
        await tx.execute("DELETE FROM event_rsvps WHERE user_id = ?", (user_id,))
        await tx.execute("DELETE FROM event_drafts WHERE user_id = ?", (user_id,))
        await tx.execute("UPDATE events SET created_by = NULL WHERE created_by = ?", (user_id,))

    async def export(self, user_id: int) -> dict:
        rows = await self.db.fetch_all(
            "SELECT event_id, answer, position, updated_at FROM event_rsvps WHERE user_id = ?",
            (user_id,),
        )
        return {"event_answers": [dict(r) for r in rows]}
