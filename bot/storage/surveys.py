"""Surveys in waves (``survey_waves``, ``survey_answers``, ``survey_links``, ``survey_groups``).

Answers carry a random response id only; ``survey_links`` (who holds which id) exists while a
wave is open and is deleted at close and by /forget."""

from __future__ import annotations

import json
from dataclasses import dataclass

from bot.storage.db import Database, Queries, Tx


@dataclass(frozen=True)
class WaveRow:
    id: int
    survey: str
    author_id: int | None
    audience: dict
    state: str
    opened_at: str
    closes_at: str
    remind_at: str
    reminded_at: str | None
    closed_at: str | None
    job_id: int | None


def _wave(r) -> WaveRow:
    return WaveRow(
        id=r["id"],
        survey=r["survey"],
        author_id=r["author_id"],
        audience=json.loads(r["audience"]),
        state=r["state"],
        opened_at=r["opened_at"],
        closes_at=r["closes_at"],
        remind_at=r["remind_at"],
        reminded_at=r["reminded_at"],
        closed_at=r["closed_at"],
        job_id=r["job_id"],
    )


class SurveysRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    def transaction(self):
        return self.db.transaction()

    # ------------------------------------------------------------------ waves
    async def get(self, wave_id: int, q: Queries | None = None) -> WaveRow | None:
        row = await (q or self.db).fetch_one("SELECT * FROM survey_waves WHERE id = ?", (wave_id,))
        return _wave(row) if row else None

    async def by_update(self, update_id: int, q: Queries) -> WaveRow | None:
        row = await q.fetch_one("SELECT * FROM survey_waves WHERE update_id = ?", (update_id,))
        return _wave(row) if row else None

    async def waves(self, survey: str | None = None) -> list[WaveRow]:
        sql, params = "SELECT * FROM survey_waves", ()
        if survey is not None:
            sql = "SELECT * FROM survey_waves WHERE survey = ?"
            params = (survey,)
        return [_wave(r) for r in await self.db.fetch_all(sql + " ORDER BY id", params)]

    async def create(
        self,
        tx: Tx,
        *,
        survey: str,
        author_id: int,
        update_id: int | None,
        audience: dict,
        opened_at: str,
        closes_at: str,
        remind_at: str,
    ) -> int:
        return await tx.insert(
            "INSERT INTO survey_waves (survey, author_id, update_id, audience, opened_at, "
            "closes_at, remind_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (survey, author_id, update_id, json.dumps(audience), opened_at, closes_at, remind_at),
        )

    async def set_job(self, tx: Tx, wave_id: int, job_id: int) -> None:
        await tx.execute("UPDATE survey_waves SET job_id = ? WHERE id = ?", (job_id, wave_id))

    async def close(self, tx: Tx, wave_id: int, now: str) -> bool:
        """Close an open wave and delete every link of it; False when it was closed already."""
        changed = await tx.execute(
            "UPDATE survey_waves SET state = 'closed', closed_at = ? "
            "WHERE id = ? AND state = 'open'",
            (now, wave_id),
        )
        if changed:  # who answered (not what), for a follow-up announcement
            await tx.execute(
                "INSERT OR IGNORE INTO survey_respondents (wave_id, user_id) "
                "SELECT wave_id, user_id FROM survey_links WHERE wave_id = ?",
                (wave_id,),
            )
        await tx.execute("DELETE FROM survey_links WHERE wave_id = ?", (wave_id,))
        return bool(changed)

    async def due_to_close(self, now: str) -> list[int]:
        rows = await self.db.fetch_all(
            "SELECT id FROM survey_waves WHERE state = 'open' AND closes_at <= ?", (now,)
        )
        return [r[0] for r in rows]

    async def due_reminders(self, now: str) -> list[int]:
        rows = await self.db.fetch_all(
            "SELECT id FROM survey_waves WHERE state = 'open' AND reminded_at IS NULL "
            "AND remind_at <= ? AND closes_at > ?",
            (now, now),
        )
        return [r[0] for r in rows]

    async def claim_reminder(self, tx: Tx, wave_id: int, now: str) -> bool:
        return bool(
            await tx.execute(
                "UPDATE survey_waves SET reminded_at = ? "
                "WHERE id = ? AND state = 'open' AND reminded_at IS NULL",
                (now, wave_id),
            )
        )

    # ------------------------------------------------------------------ who
    async def person(self, user_id: int, q: Queries | None = None):
        """One resident's status and groups."""
        return await (q or self.db).fetch_one(
            "SELECT r.status, r.building_id, r.tenure, r.affordability, u.locale, "
            "u.telegram_language FROM residents r JOIN users u ON u.id = r.user_id "
            "WHERE r.user_id = ?",
            (user_id,),
        )

    async def invited(self, wave: WaveRow, user_id: int, q: Queries | None = None) -> bool:
        """Whether the wave's invitation was written for this person."""
        if wave.job_id is None:
            return False
        return (
            await (q or self.db).fetch_value(
                "SELECT 1 FROM outbox WHERE job_id = ? AND user_id = ? AND skip_reason IS NULL",
                (wave.job_id, user_id),
            )
            is not None
        )

    async def invitees(self, wave: WaveRow) -> list[int]:
        if wave.job_id is None:
            return []
        rows = await self.db.fetch_all(
            "SELECT user_id FROM outbox WHERE job_id = ? AND state = 'sent' "
            "AND user_id IS NOT NULL ORDER BY user_id",
            (wave.job_id,),
        )
        return [r[0] for r in rows]

    async def finished_users(self, wave_id: int, questions: int) -> set[int]:
        rows = await self.db.fetch_all(
            "SELECT l.user_id FROM survey_links l JOIN survey_answers a "
            "ON a.wave_id = l.wave_id AND a.response_id = l.response_id "
            "WHERE l.wave_id = ? GROUP BY l.user_id HAVING count(*) >= ?",
            (wave_id, questions),
        )
        return {r[0] for r in rows}

    # ------------------------------------------------------------------ groups
    async def add_groups(self, tx: Tx, wave_id: int, column: str, counts: dict) -> None:
        await tx.execute_many(
            "INSERT INTO survey_groups (wave_id, dimension, grp, approved) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (wave_id, dimension, grp) DO UPDATE SET approved = approved + "
            "excluded.approved",
            [(wave_id, column, str(grp), n) for grp, n in counts.items()],
        )

    async def count_respondent(self, tx: Tx, wave_id: int, groups: dict[str, str]) -> None:
        await tx.execute_many(
            "INSERT INTO survey_groups (wave_id, dimension, grp, respondents) VALUES (?, ?, ?, 1) "
            "ON CONFLICT (wave_id, dimension, grp) DO UPDATE SET respondents = respondents + 1",
            [(wave_id, dim, grp) for dim, grp in groups.items()],
        )

    async def groups(self, wave_id: int) -> dict[str, dict[str, tuple[int, int]]]:
        """dimension -> group -> (approved, respondents)."""
        out: dict[str, dict[str, tuple[int, int]]] = {}
        for r in await self.db.fetch_all(
            "SELECT dimension, grp, approved, respondents FROM survey_groups WHERE wave_id = ? "
            "ORDER BY dimension, grp",
            (wave_id,),
        ):
            out.setdefault(r[0], {})[r[1]] = (r[2], r[3])
        return out

    # ------------------------------------------------------------------ answers
    async def link(self, wave_id: int, user_id: int, q: Queries | None = None) -> str | None:
        return await (q or self.db).fetch_value(
            "SELECT response_id FROM survey_links WHERE wave_id = ? AND user_id = ?",
            (wave_id, user_id),
        )

    async def add_link(self, tx: Tx, wave_id: int, user_id: int, response_id: str) -> None:
        await tx.execute(
            "INSERT INTO survey_links (wave_id, user_id, response_id) VALUES (?, ?, ?)",
            (wave_id, user_id, response_id),
        )

    async def answers_of(
        self, wave_id: int, response_id: str, q: Queries | None = None
    ) -> dict[str, int | None]:
        """question -> the value (a typed answer's text; None: skipped)."""
        rows = await (q or self.db).fetch_all(
            "SELECT question, value, text FROM survey_answers "
            "WHERE wave_id = ? AND response_id = ?",
            (wave_id, response_id),
        )
        return {r[0]: r[2] if r[2] is not None else r[1] for r in rows}

    async def put_answer(
        self,
        tx: Tx,
        wave_id: int,
        response_id: str,
        question: str,
        value: int | None,
        text: str | None = None,
    ) -> None:
        await tx.execute(
            "INSERT INTO survey_answers (wave_id, response_id, question, value, text) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (wave_id, response_id, question) "
            "DO UPDATE SET value = excluded.value, text = excluded.text",
            (wave_id, response_id, question, value, text),
        )

    async def texts(self, wave_id: int, question: str) -> list[str]:
        """The typed answers to one question, without anything else (sorted by their text,
        so neither storage nor answering order shows)."""
        rows = await self.db.fetch_all(
            "SELECT text FROM survey_answers WHERE wave_id = ? AND question = ? "
            "AND text IS NOT NULL ORDER BY text",
            (wave_id, question),
        )
        return [r[0] for r in rows]

    async def answers(self, wave_id: int) -> list[tuple[str, str, int | None]]:
        """(response id, question, value) of a wave, in random (response id) order; a typed
        answer's value is ``"text"`` (its words are read with :meth:`texts` only)."""
        rows = await self.db.fetch_all(
            "SELECT response_id, question, CASE WHEN text IS NOT NULL THEN 'text' ELSE value "
            "END FROM survey_answers WHERE wave_id = ? ORDER BY response_id, question",
            (wave_id,),
        )
        return [(r[0], r[1], r[2]) for r in rows]

    async def links_count(self, wave_id: int) -> int:
        return await self.db.fetch_value(
            "SELECT count(*) FROM survey_links WHERE wave_id = ?", (wave_id,)
        )

    # ------------------------------------------------------------------ privacy
    async def forget(self, user_id: int, q: Queries | None = None) -> None:
        """/forget: every link goes (the answers stay, tied to nobody); authored waves lose
        their author."""
        if q is None:
            async with self.db.transaction() as tx:
                await self.forget(user_id, tx)
            return
        await q.execute("DELETE FROM survey_links WHERE user_id = ?", (user_id,))
        await q.execute("DELETE FROM survey_respondents WHERE user_id = ?", (user_id,))
        await q.execute("UPDATE survey_waves SET author_id = NULL WHERE author_id = ?", (user_id,))
        await q.execute(
            "UPDATE survey_definitions SET created_by = NULL WHERE created_by = ?", (user_id,)
        )
        await q.execute("DELETE FROM survey_drafts WHERE user_id = ?", (user_id,))

    # ------------------------------------------------------------------ definitions
    async def definition(self, name: str, q: Queries | None = None) -> dict | None:
        row = await (q or self.db).fetch_one(
            "SELECT body FROM survey_definitions WHERE name = ?", (name,)
        )
        return json.loads(row[0]) if row else None

    async def definitions(self) -> list[dict]:
        rows = await self.db.fetch_all("SELECT body FROM survey_definitions ORDER BY name")
        return [json.loads(r[0]) for r in rows]

    async def names(self, q: Queries | None = None) -> set[str]:
        rows = await (q or self.db).fetch_all("SELECT name FROM survey_definitions")
        return {r[0] for r in rows}

    async def add_definition(self, tx: Tx, body: dict, created_by: int, now: str) -> bool:
        """False when the name is taken (the precondition, inside the save's transaction)."""
        return bool(
            await tx.execute(
                "INSERT OR IGNORE INTO survey_definitions (name, body, created_by, created_at) "
                "VALUES (?, ?, ?, ?)",
                (body["name"], json.dumps(body, ensure_ascii=False), created_by, now),
            )
        )

    async def new_draft(self, tx: Tx, user_id: int, body: dict, step: str, now: str) -> int:
        """A person has one draft at a time: a new one replaces any other."""
        await tx.execute("DELETE FROM survey_drafts WHERE user_id = ?", (user_id,))
        return await tx.insert(
            "INSERT INTO survey_drafts (user_id, body, step, created_at) VALUES (?, ?, ?, ?)",
            (user_id, json.dumps(body, ensure_ascii=False), step, now),
        )

    async def draft(self, draft_id: int, q: Queries | None = None) -> dict | None:
        row = await (q or self.db).fetch_one(
            "SELECT id, user_id, body, step FROM survey_drafts WHERE id = ?", (draft_id,)
        )
        if row is None:
            return None
        return {"id": row[0], "user_id": row[1], "body": json.loads(row[2]), "step": row[3]}

    async def set_draft(self, tx: Tx, draft_id: int, body: dict, step: str) -> None:
        await tx.execute(
            "UPDATE survey_drafts SET body = ?, step = ? WHERE id = ?",
            (json.dumps(body, ensure_ascii=False), step, draft_id),
        )

    async def drop_draft(self, tx: Tx, draft_id: int) -> bool:
        return bool(await tx.execute("DELETE FROM survey_drafts WHERE id = ?", (draft_id,)))

    async def created(self, user_id: int) -> list[str]:
        rows = await self.db.fetch_all(
            "SELECT name FROM survey_definitions WHERE created_by = ? ORDER BY name", (user_id,)
        )
        return [r[0] for r in rows]

    async def export(self, user_id: int) -> dict:
        """Your answers in waves still open (after close nothing ties them to you)."""
        links = await self.db.fetch_all(
            "SELECT wave_id, response_id FROM survey_links WHERE user_id = ? ORDER BY wave_id",
            (user_id,),
        )
        answered = await self.db.fetch_all(
            "SELECT wave_id FROM survey_respondents WHERE user_id = ? ORDER BY wave_id",
            (user_id,),
        )
        return {
            "survey_answers_while_open": {
                str(r[0]): await self.answers_of(r[0], r[1]) for r in links
            },
            "survey_waves_answered": [r[0] for r in answered],
            "surveys_created": await self.created(user_id),
        }
