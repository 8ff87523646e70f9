"""Events after the answer: waitlist offers (``event_offers``), what residents need
(``event_needs``, ``event_need_contact``), attendance (``event_attendance``, ``event_after``)
and the follow-up (``event_feedback``, with no user id, and ``event_followup_links``, deleted
when the window closes). Methods that decide take the caller's transaction ``tx``."""

from __future__ import annotations

from dataclasses import dataclass

from bot.storage.db import Database, Queries, Tx
from bot.storage.sql import identifier

NEEDS = ("interpret", "childcare", "stepfree", "ride")


@dataclass(frozen=True)
class Offer:
    id: int
    event_id: int
    user_id: int
    state: str
    expires_at: str
    job_id: int | None


def _offer(r) -> Offer:
    return Offer(r["id"], r["event_id"], r["user_id"], r["state"], r["expires_at"], r["job_id"])


class AttendanceRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    def transaction(self):
        return self.db.transaction()

    # ------------------------------------------------------------------ offers
    async def open_offers(self, event_id: int, q: Queries) -> int:
        return await q.fetch_value(
            "SELECT count(*) FROM event_offers WHERE event_id = ? AND state = 'open'", (event_id,)
        )

    async def next_waiting(self, tx: Tx, event_id: int, n: int) -> list[int]:
        """The first ``n`` on the waitlist who hold no open offer, in order."""
        rows = await tx.fetch_all(
            "SELECT r.user_id FROM event_rsvps r WHERE r.event_id = ? AND r.answer = 'waitlist' "
            "AND NOT EXISTS (SELECT 1 FROM event_offers o WHERE o.event_id = r.event_id "
            "AND o.user_id = r.user_id AND o.state = 'open') ORDER BY r.position LIMIT ?",
            (event_id, n),
        )
        return [r[0] for r in rows]

    async def add_offer(self, tx: Tx, event_id: int, user_id: int, now: str, expires: str) -> int:
        return await tx.insert(
            "INSERT INTO event_offers (event_id, user_id, offered_at, expires_at) "
            "VALUES (?, ?, ?, ?)",
            (event_id, user_id, now, expires),
        )

    async def offer(self, offer_id: int, q: Queries | None = None) -> Offer | None:
        row = await (q or self.db).fetch_one("SELECT * FROM event_offers WHERE id = ?", (offer_id,))
        return _offer(row) if row else None

    async def settle_offer(self, tx: Tx, offer_id: int, state: str, now: str) -> bool:
        """'open' -> ``state``, once."""
        return bool(
            await tx.execute(
                "UPDATE event_offers SET state = ?, settled_at = ? WHERE id = ? AND state = 'open'",
                (state, now, offer_id),
            )
        )

    async def void_offers(self, tx: Tx, event_id: int, now: str) -> int:
        return await tx.execute(
            "UPDATE event_offers SET state = 'void', settled_at = ? "
            "WHERE event_id = ? AND state = 'open'",
            (now, event_id),
        )

    async def void_offer_of(self, tx: Tx, event_id: int, user_id: int, now: str) -> int:
        return await tx.execute(
            "UPDATE event_offers SET state = 'void', settled_at = ? "
            "WHERE event_id = ? AND user_id = ? AND state = 'open'",
            (now, event_id, user_id),
        )

    async def offer_sent(self, tx: Tx, offer_id: int, job_id: int) -> bool:
        return bool(
            await tx.execute(
                "UPDATE event_offers SET job_id = ? WHERE id = ? AND job_id IS NULL",
                (job_id, offer_id),
            )
        )

    async def offers_of(self, event_id: int) -> list[Offer]:
        rows = await self.db.fetch_all(
            "SELECT * FROM event_offers WHERE event_id = ? ORDER BY id", (event_id,)
        )
        return [_offer(r) for r in rows]

    # ------------------------------------------------------------------ the tick's one read
    async def work_due(self, now: str, after_start: str, closed_before: str) -> dict[str, list]:
        """Offers to tell, offers that lapsed, events whose "I was there" is due (started
        after ``after_start``, not yet sent), attendees to follow up, and events whose
        follow-up window closed (started before ``closed_before``) with links left."""
        rows = await self.db.fetch_all(
            "SELECT 'tell', id FROM event_offers WHERE job_id IS NULL AND state = 'open' "
            "UNION ALL SELECT 'lapse', id FROM event_offers WHERE state = 'open' "
            "AND expires_at <= ? "
            "UNION ALL SELECT 'there', e.id FROM events e WHERE e.state = 'published' "
            "AND e.starts_at <= ? AND e.starts_at > ? AND NOT EXISTS (SELECT 1 FROM event_after a "
            "WHERE a.event_id = e.id AND a.there_job_id IS NOT NULL) "
            "UNION ALL SELECT DISTINCT 'follow', t.event_id FROM event_attendance t "
            "JOIN events e ON e.id = t.event_id WHERE t.present = 1 AND e.starts_at > ? "
            "AND NOT EXISTS (SELECT 1 FROM event_followup_links l WHERE l.event_id = t.event_id "
            "AND l.user_id = t.user_id) AND NOT EXISTS (SELECT 1 FROM event_after a "
            "WHERE a.event_id = t.event_id AND a.closed = 1) "
            "UNION ALL SELECT DISTINCT 'close', e.id FROM events e WHERE e.starts_at <= ? "
            "AND EXISTS (SELECT 1 FROM event_followup_links l WHERE l.event_id = e.id)",
            (now, now, after_start, closed_before, closed_before),
        )
        out: dict[str, list] = {"tell": [], "lapse": [], "there": [], "follow": [], "close": []}
        for kind, value in rows:
            out[kind].append(value)
        return out

    async def there_sent(self, tx: Tx, event_id: int, job_id: int) -> bool:
        """The event's "I was there" message is queued (once)."""
        await tx.execute("INSERT OR IGNORE INTO event_after (event_id) VALUES (?)", (event_id,))
        return bool(
            await tx.execute(
                "UPDATE event_after SET there_job_id = ? WHERE event_id = ? "
                "AND there_job_id IS NULL",
                (job_id, event_id),
            )
        )

    async def there_was_sent(self, event_id: int, q: Queries) -> bool:
        return bool(
            await q.fetch_value(
                "SELECT there_job_id IS NOT NULL FROM event_after WHERE event_id = ?", (event_id,)
            )
        )

    # ------------------------------------------------------------------ needs
    async def needs_of(self, event_id: int, user_id: int, q: Queries | None = None):
        """(the needs, whether they may be contacted)."""
        q = q or self.db
        rows = await q.fetch_all(
            "SELECT need FROM event_needs WHERE event_id = ? AND user_id = ?", (event_id, user_id)
        )
        contact = await q.fetch_value(
            "SELECT contact FROM event_need_contact WHERE event_id = ? AND user_id = ?",
            (event_id, user_id),
        )
        return {r[0] for r in rows}, bool(contact)

    async def toggle_need(
        self, tx: Tx, event_id: int, user_id: int, need: str, language: str | None
    ) -> bool:
        """On when it was off, off when it was on; returns whether it is on now."""
        gone = await tx.execute(
            "DELETE FROM event_needs WHERE event_id = ? AND user_id = ? AND need = ?",
            (event_id, user_id, need),
        )
        if gone:
            return False
        await tx.execute(
            "INSERT INTO event_needs (event_id, user_id, need, language) VALUES (?, ?, ?, ?)",
            (event_id, user_id, need, language if need == "interpret" else None),
        )
        return True

    async def set_contact(self, tx: Tx, event_id: int, user_id: int, contact: bool) -> None:
        await tx.execute(
            "INSERT INTO event_need_contact (event_id, user_id, contact) VALUES (?, ?, ?) "
            "ON CONFLICT (event_id, user_id) DO UPDATE SET contact = excluded.contact",
            (event_id, user_id, int(contact)),
        )

    async def need_counts(self, event_id: int) -> tuple[dict[str, int], dict[str, int]]:
        """Needs of those Going: (per need, per interpretation language)."""
        rows = await self.db.fetch_all(
            "SELECT n.need, n.language, count(*) FROM event_needs n JOIN event_rsvps r "
            "ON r.event_id = n.event_id AND r.user_id = n.user_id AND r.answer = 'going' "
            "WHERE n.event_id = ? GROUP BY n.need, n.language",
            (event_id,),
        )
        per_need = dict.fromkeys(NEEDS, 0)
        languages: dict[str, int] = {}
        for need, language, n in rows:
            per_need[need] += n
            if need == "interpret":
                languages[language or "?"] = languages.get(language or "?", 0) + n
        return per_need, languages

    async def contactable(self, event_id: int) -> dict[str, list[str]]:
        """Per need, the names of Going residents who agreed to be contacted about it."""
        rows = await self.db.fetch_all(
            "SELECT n.need, s.display_name FROM event_needs n "
            "JOIN event_need_contact c ON c.event_id = n.event_id AND c.user_id = n.user_id "
            "AND c.contact = 1 "
            "JOIN event_rsvps r ON r.event_id = n.event_id AND r.user_id = n.user_id "
            "AND r.answer = 'going' "
            "JOIN residents s ON s.user_id = n.user_id "
            "WHERE n.event_id = ? ORDER BY n.need, s.display_name",
            (event_id,),
        )
        out: dict[str, list[str]] = {}
        for need, name in rows:
            out.setdefault(need, []).append(name)
        return out

    # ------------------------------------------------------------------ attendance
    async def answered_people(
        self, event_id: int, offset: int, limit: int, q: Queries | None = None
    ) -> tuple[list[dict], int]:
        """Going and Maybe residents (name, answer, present?), a page of them, and the total."""
        q = q or self.db
        rows = await q.fetch_all(
            "SELECT r.user_id, r.answer, coalesce(s.display_name, '?') AS name, "
            "coalesce(t.present, 0) AS present FROM event_rsvps r "
            "LEFT JOIN residents s ON s.user_id = r.user_id "
            "LEFT JOIN event_attendance t ON t.event_id = r.event_id AND t.user_id = r.user_id "
            "WHERE r.event_id = ? AND r.answer IN ('going', 'maybe') "
            "ORDER BY r.answer, name, r.user_id LIMIT ? OFFSET ?",
            (event_id, limit, offset),
        )
        total = await q.fetch_value(
            "SELECT count(*) FROM event_rsvps WHERE event_id = ? AND answer IN ('going', 'maybe')",
            (event_id,),
        )
        return [dict(r) for r in rows], total

    async def answer_of(self, tx: Tx, event_id: int, user_id: int) -> str | None:
        return await tx.fetch_value(
            "SELECT answer FROM event_rsvps WHERE event_id = ? AND user_id = ?",
            (event_id, user_id),
        )

    async def mark(
        self, tx: Tx, event_id: int, user_id: int, present: bool, by: str, now: str
    ) -> None:
        await tx.execute(
            "INSERT INTO event_attendance (event_id, user_id, present, marked_by, marked_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (event_id, user_id) DO UPDATE SET "
            "present = excluded.present, marked_by = excluded.marked_by, "
            "marked_at = excluded.marked_at",
            (event_id, user_id, int(present), by, now),
        )

    async def present(self, tx: Tx, event_id: int, user_id: int) -> bool:
        return bool(
            await tx.fetch_value(
                "SELECT present FROM event_attendance WHERE event_id = ? AND user_id = ?",
                (event_id, user_id),
            )
        )

    async def mark_all_going(self, tx: Tx, event_id: int, now: str) -> int:
        return await tx.execute(
            "INSERT INTO event_attendance (event_id, user_id, present, marked_by, marked_at) "
            "SELECT event_id, user_id, 1, 'steward', ? FROM event_rsvps "
            "WHERE event_id = ? AND answer = 'going' AND true "
            "ON CONFLICT (event_id, user_id) DO UPDATE SET present = 1, "
            "marked_by = 'steward', marked_at = excluded.marked_at",
            (now, event_id),
        )

    async def attendance_by(self, event_id: int) -> list[dict]:
        """Each resident marked present: their answer, building, tenure and affordability
        (counts only leave this repository's callers)."""
        rows = await self.db.fetch_all(
            "SELECT coalesce(r.answer, 'none') AS answer, s.building_id, s.tenure, s.affordability "
            "FROM event_attendance t LEFT JOIN event_rsvps r ON r.event_id = t.event_id "
            "AND r.user_id = t.user_id LEFT JOIN residents s ON s.user_id = t.user_id "
            "WHERE t.event_id = ? AND t.present = 1",
            (event_id,),
        )
        return [dict(r) for r in rows]

    # ------------------------------------------------------------------ follow-up
    async def follow_up_targets(self, tx: Tx, event_id: int) -> list[int]:
        """Attendees not yet sent the follow-up; their links are written by the caller."""
        rows = await tx.fetch_all(
            "SELECT t.user_id FROM event_attendance t WHERE t.event_id = ? AND t.present = 1 "
            "AND NOT EXISTS (SELECT 1 FROM event_followup_links l WHERE l.event_id = t.event_id "
            "AND l.user_id = t.user_id) ORDER BY t.user_id",
            (event_id,),
        )
        return [r[0] for r in rows]

    async def link(self, tx: Tx, event_id: int, user_id: int) -> None:
        await tx.execute(
            "INSERT OR IGNORE INTO event_followup_links (event_id, user_id) VALUES (?, ?)",
            (event_id, user_id),
        )

    async def take_answer(self, tx: Tx, event_id: int, user_id: int, column: str) -> bool:
        """The one rating (``rated``) or comment (``commented``) this person may give."""
        assert column in ("rated", "commented"), column
        return bool(
            await tx.execute(
                f"UPDATE event_followup_links SET {identifier(column)} = 1 WHERE event_id = ? "
                f"AND user_id = ? AND {identifier(column)} = 0",
                (event_id, user_id),
            )
        )

    async def may_comment(self, event_id: int, user_id: int) -> bool:
        """Sent the follow-up and has not commented yet."""
        return bool(
            await self.db.fetch_value(
                "SELECT 1 FROM event_followup_links WHERE event_id = ? AND user_id = ? "
                "AND commented = 0",
                (event_id, user_id),
            )
        )

    async def add_feedback(
        self, tx: Tx, event_id: int, rating: int | None, comment: str | None
    ) -> None:
        await tx.execute(
            "INSERT INTO event_feedback (event_id, rating, comment) VALUES (?, ?, ?)",
            (event_id, rating, comment),
        )

    async def close_followups(self, tx: Tx, event_id: int) -> int:
        await tx.execute("INSERT OR IGNORE INTO event_after (event_id) VALUES (?)", (event_id,))
        await tx.execute("UPDATE event_after SET closed = 1 WHERE event_id = ?", (event_id,))
        return await tx.execute("DELETE FROM event_followup_links WHERE event_id = ?", (event_id,))

    async def feedback(self, event_id: int) -> tuple[list[int], list[str]]:
        rows = await self.db.fetch_all(
            "SELECT rating, comment FROM event_feedback WHERE event_id = ? ORDER BY id",
            (event_id,),
        )
        return [r[0] for r in rows if r[0] is not None], [r[1] for r in rows if r[1]]

    # ------------------------------------------------------------------ privacy
    async def forget(self, tx: Tx, user_id: int) -> None:
        for table in (
            "event_offers",
            "event_needs",
            "event_need_contact",
            "event_attendance",
            "event_followup_links",
        ):
            await tx.execute(f"DELETE FROM {identifier(table)} WHERE user_id = ?", (user_id,))

    async def export(self, user_id: int) -> dict:
        async def rows(sql: str) -> list[dict]:
            return [dict(r) for r in await self.db.fetch_all(sql, (user_id,))]

        return {
            "event_offers": await rows(
                "SELECT event_id, state, offered_at, expires_at FROM event_offers WHERE user_id = ?"
            ),
            "event_needs": await rows(
                "SELECT event_id, need, language FROM event_needs WHERE user_id = ?"
            ),
            "event_need_contact": await rows(
                "SELECT event_id, contact FROM event_need_contact WHERE user_id = ?"
            ),
            "event_attendance": await rows(
                "SELECT event_id, present, marked_by, marked_at FROM event_attendance "
                "WHERE user_id = ?"
            ),
            # the follow-up answers themselves are stored without anyone's id: not yours to
            # export, and nobody can tell which are yours
            "event_follow_ups_sent": await rows(
                "SELECT event_id, rated, commented FROM event_followup_links WHERE user_id = ?"
            ),
        }
