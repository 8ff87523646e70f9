"""Announcements (``announcements``, ``announcement_texts``, ``announcement_replies``,
``announcement_questions``) and translators (``translators``)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from bot.storage.audit import write_audit
from bot.storage.db import NOW, Database, Queries, Tx
from bot.storage.sql import assignments, placeholders


@dataclass(frozen=True)
class AnnouncementRow:
    id: int
    author_id: int | None
    audience: dict
    source_locale: str
    state: str
    urgent: bool
    fallback: bool
    attachment: dict | None
    send_at: str | None
    requested_by: int | None
    approved_by: int | None
    job_id: int | None
    status_chat_id: int | None
    status_message_id: int | None
    extra_skips: dict
    created_at: str
    sent_at: str | None


@dataclass(frozen=True)
class Variant:
    locale: str
    body: str
    written_by: int | None
    approved: bool


@dataclass(frozen=True)
class Person:
    """Someone in an announcement's buildings, with what decides whether they get it."""

    user_id: int
    building_id: int
    status: str  # the resident's status
    locale: str | None
    telegram_language: str | None
    paused: bool
    unreachable: bool
    tenure: str | None
    roles: frozenset[str]
    affordability: str | None = None


def _row(r) -> AnnouncementRow:
    return AnnouncementRow(
        id=r["id"],
        author_id=r["author_id"],
        audience=json.loads(r["audience"]),
        source_locale=r["source_locale"],
        state=r["state"],
        urgent=bool(r["urgent"]),
        fallback=bool(r["fallback"]),
        attachment=json.loads(r["attachment"]) if r["attachment"] else None,
        send_at=r["send_at"],
        requested_by=r["requested_by"],
        approved_by=r["approved_by"],
        job_id=r["job_id"],
        status_chat_id=r["status_chat_id"],
        status_message_id=r["status_message_id"],
        extra_skips=json.loads(r["extra_skips"]) if r["extra_skips"] else {},
        created_at=r["created_at"],
        sent_at=r["sent_at"],
    )


class AnnouncementsRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    def transaction(self):
        return self.db.transaction()

    # ------------------------------------------------------------------ drafts
    async def create(
        self,
        author_id: int,
        update_id: int | None,
        audience: dict,
        source_locale: str,
        body: str | None,
        attachment: dict | None,
    ) -> tuple[int, bool]:
        """A draft (and its first text), once per update: (its id, whether it is new)."""
        async with self.db.transaction() as tx:
            if update_id is not None:
                existing = await tx.fetch_value(
                    "SELECT id FROM announcements WHERE update_id = ?", (update_id,)
                )
                if existing is not None:
                    return existing, False
            announcement_id = await tx.insert(
                "INSERT INTO announcements (author_id, update_id, audience, source_locale, "
                "attachment) VALUES (?, ?, ?, ?, ?)",
                (
                    author_id,
                    update_id,
                    json.dumps(audience),
                    source_locale,
                    json.dumps(attachment) if attachment else None,
                ),
            )
            if body is not None:
                await self.put_text(tx, announcement_id, source_locale, body, author_id, True)
            await write_audit(
                tx, author_id, "announcement.create", details={"announcement": announcement_id}
            )
        return announcement_id, True

    async def get(self, announcement_id: int, q: Queries | None = None) -> AnnouncementRow | None:
        row = await (q or self.db).fetch_one(
            "SELECT * FROM announcements WHERE id = ?", (announcement_id,)
        )
        return _row(row) if row else None

    async def by_job(self, job_id: int) -> AnnouncementRow | None:
        row = await self.db.fetch_one("SELECT * FROM announcements WHERE job_id = ?", (job_id,))
        return _row(row) if row else None

    async def update(self, announcement_id: int, q: Queries | None = None, **fields) -> int:
        """Change plain columns of an announcement (JSON ones given as dicts)."""
        columns, values = [], []
        for name, value in fields.items():
            assert name in {
                "audience",
                "state",
                "urgent",
                "fallback",
                "attachment",
                "send_at",
                "approved_by",
                "requested_by",
                "job_id",
                "status_chat_id",
                "status_message_id",
                "extra_skips",
                "sent_at",
                "source_locale",
            }, name
            columns.append(name)
            values.append(json.dumps(value) if isinstance(value, dict) else value)
        return await (q or self.db).execute(
            f"UPDATE announcements SET {assignments(columns)} WHERE id = ?",
            (*values, announcement_id),
        )

    async def move(
        self, tx: Tx, announcement_id: int, from_states: tuple[str, ...], to_state: str, **fields
    ) -> bool:
        """Change the state only if it is still one of ``from_states`` (in ``tx``): the
        precondition of every decision, so a double press acts once."""
        marks = placeholders(from_states)
        changed = await tx.execute(
            f"UPDATE announcements SET state = ? WHERE id = ? AND state IN ({marks})",
            (to_state, announcement_id, *from_states),
        )
        if changed and fields:
            await self.update(announcement_id, tx, **fields)
        return bool(changed)

    # ------------------------------------------------------------------ texts
    async def put_text(
        self,
        q: Queries,
        announcement_id: int,
        locale: str,
        body: str,
        written_by: int | None,
        approved: bool,
    ) -> None:
        await q.execute(
            "INSERT INTO announcement_texts (announcement_id, locale, body, written_by, approved) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (announcement_id, locale) DO UPDATE SET "
            f"body = excluded.body, written_by = excluded.written_by, "
            f"approved = excluded.approved, updated_at = {NOW}",
            (announcement_id, locale, body, written_by, int(approved)),
        )

    async def save_text(
        self, announcement_id: int, locale: str, body: str, written_by: int, approved: bool
    ) -> None:
        async with self.db.transaction() as tx:
            await self.put_text(tx, announcement_id, locale, body, written_by, approved)

    async def approve_text(self, announcement_id: int, locale: str) -> bool:
        return bool(
            await self.db.execute(
                "UPDATE announcement_texts SET approved = 1 WHERE announcement_id = ? "
                "AND locale = ? AND approved = 0",
                (announcement_id, locale),
            )
        )

    async def drop_text(self, announcement_id: int, locale: str) -> bool:
        return bool(
            await self.db.execute(
                "DELETE FROM announcement_texts WHERE announcement_id = ? AND locale = ?",
                (announcement_id, locale),
            )
        )

    async def texts(self, announcement_id: int, q: Queries | None = None) -> dict[str, Variant]:
        rows = await (q or self.db).fetch_all(
            "SELECT locale, body, written_by, approved FROM announcement_texts "
            "WHERE announcement_id = ?",
            (announcement_id,),
        )
        return {
            r["locale"]: Variant(r["locale"], r["body"], r["written_by"], bool(r["approved"]))
            for r in rows
        }

    # ------------------------------------------------------------------ audience
    async def people(self, buildings: list[int] | None, q: Queries | None = None) -> list[Person]:
        """Every resident of ``buildings`` (None: all active buildings), whatever their status,
        with their language, pause, reachability, tenure and roles."""
        where = "b.archived_at IS NULL"
        params: tuple = ()
        if buildings is not None:
            where += f" AND r.building_id IN ({placeholders(buildings)})"
            params = tuple(buildings)
        rows = await (q or self.db).fetch_all(
            "SELECT r.user_id, r.building_id, r.status, r.tenure, r.affordability, u.locale, "
            "u.telegram_language, u.paused, u.unreachable_since, "
            "(SELECT group_concat(role) FROM roles WHERE roles.user_id = r.user_id) AS roles "
            "FROM residents r JOIN buildings b ON b.id = r.building_id "
            f"JOIN users u ON u.id = r.user_id WHERE {where} ORDER BY r.user_id",
            params,
        )
        return [
            Person(
                user_id=r["user_id"],
                building_id=r["building_id"],
                status=r["status"],
                locale=r["locale"],
                telegram_language=r["telegram_language"],
                paused=bool(r["paused"]),
                unreachable=r["unreachable_since"] is not None,
                tenure=r["tenure"],
                affordability=r["affordability"],
                roles=frozenset((r["roles"] or "").split(",")) - {""},
            )
            for r in rows
        ]

    async def answered_events(self, event_ids: list[int], q: Queries | None = None) -> set[int]:
        """Who answered Going, Maybe or joined the waitlist of any of these events."""
        marks = placeholders(event_ids)
        rows = await (q or self.db).fetch_all(
            f"SELECT DISTINCT user_id FROM event_rsvps WHERE event_id IN ({marks}) "
            "AND answer IN ('going', 'maybe', 'waitlist')",
            tuple(event_ids),
        )
        return {r[0] for r in rows}

    async def event_buildings(self, event_id: int) -> list[int] | bool | None:
        """An event's buildings (None: every building); False when there is no such event."""
        audience = await self.db.fetch_value(
            "SELECT audience FROM events WHERE id = ? AND state != 'draft'", (event_id,)
        )
        if audience is None:
            return False
        return json.loads(audience).get("buildings")

    async def survey_buildings(self, wave_id: int) -> list[int] | bool | None:
        """A closed survey wave's buildings (None: every building); False when there is no
        such wave, or it is still open (who answered is known only once it closed)."""
        audience = await self.db.fetch_value(
            "SELECT audience FROM survey_waves WHERE id = ? AND state = 'closed'", (wave_id,)
        )
        if audience is None:
            return False
        return json.loads(audience).get("buildings")

    async def survey_respondents(self, wave_ids: list[int], q: Queries | None = None) -> set[int]:
        """Who answered any of these closed survey waves (not what: see storage/surveys.py)."""
        marks = placeholders(wave_ids)
        rows = await (q or self.db).fetch_all(
            f"SELECT DISTINCT user_id FROM survey_respondents WHERE wave_id IN ({marks})",
            tuple(wave_ids),
        )
        return {r[0] for r in rows}

    async def refused_consent(self) -> int:
        """People whose last word on consent was "No thanks" and who are not residents."""
        return await self.db.fetch_value(
            "SELECT count(*) FROM (SELECT user_id, decision FROM consent_log c "
            "WHERE id = (SELECT max(id) FROM consent_log WHERE user_id = c.user_id) "
            "AND decision = 'refused' AND user_id NOT IN (SELECT user_id FROM residents))"
        )

    # ------------------------------------------------------------------ lists
    async def recent(
        self, buildings: frozenset[int] | None, author_id: int, limit: int = 10
    ) -> list[AnnouncementRow]:
        """The latest announcements this person may see: all (organisers), else their own
        and those sent to one of their buildings."""
        rows = await self.db.fetch_all(
            "SELECT * FROM announcements ORDER BY id DESC LIMIT 200",
        )
        found = []
        for row in map(_row, rows):
            targets = row.audience.get("buildings")
            if (
                buildings is None
                or row.author_id == author_id
                or (targets is not None and set(targets) & buildings)
            ):
                found.append(row)
            if len(found) == limit:
                break
        return found

    async def sent(self) -> list[AnnouncementRow]:
        """Every announcement that went out (has a delivery job), oldest first."""
        rows = await self.db.fetch_all(
            "SELECT * FROM announcements WHERE job_id IS NOT NULL ORDER BY id"
        )
        return [_row(r) for r in rows]

    async def due(self, now: str) -> list[int]:
        rows = await self.db.fetch_all(
            "SELECT id FROM announcements WHERE state = 'scheduled' AND send_at <= ? "
            "ORDER BY send_at",
            (now,),
        )
        return [r[0] for r in rows]

    # ------------------------------------------------------------------ replies
    async def reply(self, announcement_id: int, user_id: int, kind: str) -> bool:
        return bool(
            await self.db.execute(
                "INSERT OR IGNORE INTO announcement_replies (announcement_id, user_id, kind) "
                "VALUES (?, ?, ?)",
                (announcement_id, user_id, kind),
            )
        )

    async def reply_counts(self, announcement_id: int) -> dict[str, int]:
        rows = await self.db.fetch_all(
            "SELECT kind, count(*) FROM announcement_replies WHERE announcement_id = ? "
            "GROUP BY kind",
            (announcement_id,),
        )
        return {r[0]: r[1] for r in rows}

    async def ask(self, announcement_id: int, user_id: int, building_id: int | None) -> int:
        async with self.db.transaction() as tx:
            return await tx.insert(
                "INSERT INTO announcement_questions (announcement_id, user_id, building_id) "
                "VALUES (?, ?, ?)",
                (announcement_id, user_id, building_id),
            )

    async def question(self, question_id: int) -> tuple[int, int, int | None] | None:
        row = await self.db.fetch_one(
            "SELECT announcement_id, user_id, building_id FROM announcement_questions WHERE id = ?",
            (question_id,),
        )
        return (row[0], row[1], row[2]) if row else None

    # ------------------------------------------------------------------ reports
    async def breakdown(self, job_id: int) -> list[tuple[str | None, int | None, str, int]]:
        """(language, building, state, count) of a job's rows."""
        rows = await self.db.fetch_all(
            "SELECT locale, building_id, state, count(*) FROM outbox WHERE job_id = ? "
            "GROUP BY locale, building_id, state",
            (job_id,),
        )
        return [(r[0], r[1], r[2], r[3]) for r in rows]

    async def copies(self, job_id: int) -> list[dict]:
        """Every copy of a send not failed or skipped: delivered ones (with their message ids,
        to edit) and those still waiting (to rewrite)."""
        rows = await self.db.fetch_all(
            "SELECT id, state, chat_id, user_id, message_id, message_ids, payload, locale, "
            "building_id FROM outbox WHERE job_id = ? AND state IN ('sent', 'queued', 'sending')",
            (job_id,),
        )
        return [
            {
                "id": r["id"],
                "state": r["state"],
                "chat_id": r["chat_id"],
                "user_id": r["user_id"],
                "message_ids": json.loads(r["message_ids"])
                if r["message_ids"]
                else [r["message_id"]],
                "payload": json.loads(r["payload"]),
                "locale": r["locale"],
                "building_id": r["building_id"],
            }
            for r in rows
        ]

    async def rewrite_queued(self, tx: Tx, rows: list[tuple[int, dict]]) -> int:
        """New payloads for copies not taken by the sender yet; returns how many changed."""
        changed = 0
        for row_id, payload in rows:
            changed += await tx.execute(
                "UPDATE outbox SET payload = ? WHERE id = ? AND state = 'queued'",
                (json.dumps(payload, ensure_ascii=False), row_id),
            )
        return changed

    async def received(self, announcement_id: int, user_id: int) -> bool:
        """Whether the announcement was delivered to this person."""
        return bool(
            await self.db.fetch_value(
                "SELECT 1 FROM announcements a JOIN outbox o ON o.job_id = a.job_id "
                "WHERE a.id = ? AND o.user_id = ? AND o.state = 'sent'",
                (announcement_id, user_id),
            )
        )

    async def sending_jobs(self) -> list[tuple[int, int]]:
        rows = await self.db.fetch_all(
            "SELECT id, job_id FROM announcements WHERE state = 'sending' AND job_id IS NOT NULL"
        )
        return [(r[0], r[1]) for r in rows]

    # ------------------------------------------------------------------ translators
    async def grant_translator(self, actor_id: int, user_id: int, building_id: int | None) -> bool:
        async with self.db.transaction() as tx:
            added = await tx.execute(
                "INSERT OR IGNORE INTO translators (user_id, building_id, granted_by) "
                "VALUES (?, ?, ?)",
                (user_id, building_id, actor_id),
            )
            if added:
                await write_audit(
                    tx,
                    actor_id,
                    "role.translator",
                    subject_id=user_id,
                    building_id=building_id,
                )
        return bool(added)

    async def revoke_translator(self, actor_id: int, user_id: int) -> bool:
        async with self.db.transaction() as tx:
            removed = await tx.execute("DELETE FROM translators WHERE user_id = ?", (user_id,))
            if removed:
                await write_audit(tx, actor_id, "role.translator_removed", subject_id=user_id)
        return bool(removed)

    async def translator_scope(self, user_id: int) -> frozenset[int] | bool | None:
        """False: not a translator; None: every building; else the buildings."""
        rows = await self.db.fetch_all(
            "SELECT building_id FROM translators WHERE user_id = ?", (user_id,)
        )
        if not rows:
            return False
        if any(r[0] is None for r in rows):
            return None
        return frozenset(r[0] for r in rows)

    async def translators(self) -> list[tuple[int, int | None]]:
        rows = await self.db.fetch_all(
            "SELECT user_id, building_id FROM translators ORDER BY user_id, building_id"
        )
        return [(r[0], r[1]) for r in rows]

    async def waiting_for_translation(self) -> list[AnnouncementRow]:
        rows = await self.db.fetch_all(
            "SELECT * FROM announcements WHERE state IN ('draft', 'awaiting_approval', "
            "'scheduled') ORDER BY id DESC LIMIT 50"
        )
        return [_row(r) for r in rows]

    # ------------------------------------------------------------------ privacy
    async def forget(self, tx: Tx, user_id: int) -> None:
        """/forget: replies and questions go; authored announcements lose their author."""
        await tx.execute("DELETE FROM announcement_replies WHERE user_id = ?", (user_id,))
        await tx.execute("DELETE FROM announcement_questions WHERE user_id = ?", (user_id,))
        await tx.execute("DELETE FROM translators WHERE user_id = ?", (user_id,))
        await tx.execute(
            "UPDATE announcements SET author_id = NULL WHERE author_id = ?", (user_id,)
        )
        await tx.execute(
            "UPDATE announcements SET approved_by = NULL WHERE approved_by = ?", (user_id,)
        )
        await tx.execute(
            "UPDATE announcement_texts SET written_by = NULL WHERE written_by = ?", (user_id,)
        )

    async def export(self, user_id: int) -> dict:
        authored = await self.db.fetch_all(
            "SELECT id, state, created_at FROM announcements WHERE author_id = ?", (user_id,)
        )
        replies = await self.db.fetch_all(
            "SELECT announcement_id, kind, at FROM announcement_replies WHERE user_id = ?",
            (user_id,),
        )
        questions = await self.db.fetch_all(
            "SELECT announcement_id, asked_at FROM announcement_questions WHERE user_id = ?",
            (user_id,),
        )
        return {
            "announcements_written": [dict(r) for r in authored],
            "announcement_replies": [dict(r) for r in replies],
            "announcement_questions": [dict(r) for r in questions],
        }
