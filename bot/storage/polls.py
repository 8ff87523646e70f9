"""Quick polls: the poll, each Telegram copy of it, and one answer per person."""

from __future__ import annotations

import json
from dataclasses import dataclass

from bot.storage.db import NOW, Database, Queries, Tx
from bot.storage.sql import assignments


@dataclass(frozen=True)
class PollRow:
    id: int
    author_id: int | None
    audience: dict
    question: str
    options: list[str]
    multi: bool
    close_after: int | None
    close_at: str | None
    state: str
    job_id: int | None
    recipients: int | None
    source_locale: str = "en"
    sent_at: str | None = None
    closed_at: str | None = None


def _row(r) -> PollRow:
    return PollRow(
        id=r["id"],
        author_id=r["author_id"],
        audience=json.loads(r["audience"]),
        question=r["question"],
        options=json.loads(r["options"]),
        multi=bool(r["multi"]),
        close_after=r["close_after"],
        close_at=r["close_at"],
        state=r["state"],
        job_id=r["job_id"],
        recipients=r["recipients"],
        source_locale=r["source_locale"],
        sent_at=r["sent_at"],
        closed_at=r["closed_at"],
    )


@dataclass(frozen=True)
class PollText:
    """The question and options in one more language."""

    locale: str
    question: str
    options: list[str]


class PollsRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(
        self,
        author_id: int,
        audience: dict,
        question: str,
        options: list[str],
        multi: bool,
        close_after: int | None,
        source_locale: str = "en",
        close_at: str | None = None,
    ) -> int:
        async with self.db.transaction() as tx:
            return await tx.insert(
                "INSERT INTO polls (author_id, audience, question, options, multi, close_after, "
                "source_locale, close_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    author_id,
                    json.dumps(audience),
                    question,
                    json.dumps(options, ensure_ascii=False),
                    int(multi),
                    close_after,
                    source_locale,
                    close_at,
                ),
            )

    async def update_draft(self, tx: Tx, poll_id: int, **changes) -> bool:
        """Change a draft (``audience``, ``multi``, ``close_after``, ``close_at``); False when
        it is no longer a draft."""
        values = {k: json.dumps(v) if k == "audience" else v for k, v in changes.items()}
        return bool(
            await tx.execute(
                f"UPDATE polls SET {assignments(values)} WHERE id = ? AND state = 'draft'",
                (*values.values(), poll_id),
            )
        )

    async def put_text(
        self, tx: Tx, poll_id: int, locale: str, question: str, options: list[str]
    ) -> None:
        await tx.execute(
            "INSERT INTO poll_texts (poll_id, locale, question, options) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (poll_id, locale) DO UPDATE SET question = excluded.question, "
            "options = excluded.options",
            (poll_id, locale, question, json.dumps(options, ensure_ascii=False)),
        )

    async def texts(self, poll_id: int, q: Queries | None = None) -> dict[str, PollText]:
        rows = await (q or self.db).fetch_all(
            "SELECT locale, question, options FROM poll_texts WHERE poll_id = ? ORDER BY locale",
            (poll_id,),
        )
        return {
            r["locale"]: PollText(r["locale"], r["question"], json.loads(r["options"]))
            for r in rows
        }

    async def recent(self, limit: int = 200) -> list[tuple[PollRow, int]]:
        """The latest polls that were not cancelled, newest first, each with how many
        answered."""
        rows = await self.db.fetch_all(
            "SELECT p.*, (SELECT count(*) FROM poll_answers a WHERE a.poll_id = p.id) AS answered "
            "FROM polls p WHERE p.state != 'cancelled' ORDER BY p.id DESC LIMIT ?",
            (limit,),
        )
        return [(_row(r), r["answered"]) for r in rows]

    async def get(self, poll_id: int, q: Queries | None = None) -> PollRow | None:
        row = await (q or self.db).fetch_one("SELECT * FROM polls WHERE id = ?", (poll_id,))
        return None if row is None else _row(row)

    async def opened(
        self,
        tx: Tx,
        poll_id: int,
        update_id: int | None,
        job_id: int,
        recipients: int,
        close_at: str | None,
    ) -> bool:
        return bool(
            await tx.execute(
                f"UPDATE polls SET state = 'open', update_id = ?, job_id = ?, recipients = ?, "
                f"close_at = ?, sent_at = {NOW} WHERE id = ? AND state = 'draft'",
                (update_id, job_id, recipients, close_at, poll_id),
            )
        )

    async def closed(self, tx: Tx, poll_id: int) -> bool:
        return bool(
            await tx.execute(
                f"UPDATE polls SET state = 'closed', closed_at = {NOW} "
                "WHERE id = ? AND state = 'open'",
                (poll_id,),
            )
        )

    async def cancelled(self, tx: Tx, poll_id: int) -> bool:
        return bool(
            await tx.execute(
                "UPDATE polls SET state = 'cancelled' WHERE id = ? AND state = 'draft'", (poll_id,)
            )
        )

    async def due(self, now: str) -> list[int]:
        rows = await self.db.fetch_all(
            "SELECT id FROM polls WHERE state = 'open' AND close_at IS NOT NULL AND close_at <= ?",
            (now,),
        )
        return [r["id"] for r in rows]

    async def record_copy(
        self,
        poll_id: int,
        telegram_poll_id: str,
        user_id: int | None,
        chat_id: int,
        message_id: int,
    ) -> None:
        await self.db.execute(
            "INSERT OR IGNORE INTO poll_copies (telegram_poll_id, poll_id, user_id, chat_id, "
            "message_id) VALUES (?, ?, ?, ?, ?)",
            (telegram_poll_id, poll_id, user_id, chat_id, message_id),
        )

    async def copies(self, poll_id: int, q: Queries | None = None) -> list:
        return await (q or self.db).fetch_all(
            "SELECT chat_id, user_id, message_id FROM poll_copies WHERE poll_id = ?", (poll_id,)
        )

    async def answer(self, telegram_poll_id: str, user_id: int, option_ids: list[int]) -> bool:
        """The person's answer now (replaces theirs; [] withdraws it), only on an open poll
        and only from the person the copy was sent to. Replays change nothing."""
        async with self.db.transaction() as tx:
            copy = await tx.fetch_one(
                "SELECT c.poll_id, p.options FROM poll_copies c JOIN polls p ON p.id = c.poll_id "
                "WHERE c.telegram_poll_id = ? AND c.user_id = ? AND p.state = 'open'",
                (telegram_poll_id, user_id),
            )
            if copy is None:
                return False
            count = len(json.loads(copy["options"]))
            option_ids = sorted({i for i in option_ids if 0 <= i < count})
            if not option_ids:
                await tx.execute(
                    "DELETE FROM poll_answers WHERE poll_id = ? AND user_id = ?",
                    (copy["poll_id"], user_id),
                )
                return True
            await tx.execute(
                "INSERT INTO poll_answers (poll_id, user_id, option_ids, building_id, tenure, "
                "affordability, locale) SELECT ?, r.user_id, ?, r.building_id, r.tenure, "
                "r.affordability, u.locale FROM residents r JOIN users u ON u.id = r.user_id "
                "WHERE r.user_id = ? "
                "ON CONFLICT (poll_id, user_id) WHERE user_id IS NOT NULL "
                "DO UPDATE SET option_ids = excluded.option_ids",
                (copy["poll_id"], json.dumps(option_ids), user_id),
            )
            return True

    async def answers(self, poll_id: int) -> list:
        return await self.db.fetch_all(
            "SELECT option_ids, building_id, tenure, affordability, locale FROM poll_answers "
            "WHERE poll_id = ?",
            (poll_id,),
        )

    async def of_person(self, user_id: int) -> list[dict]:
        rows = await self.db.fetch_all(
            "SELECT a.poll_id, p.question, p.options, a.option_ids FROM poll_answers a "
            "JOIN polls p ON p.id = a.poll_id WHERE a.user_id = ? ORDER BY a.poll_id",
            (user_id,),
        )
        return [
            {
                "poll": r["poll_id"],
                "question": r["question"],
                "answers": [json.loads(r["options"])[i] for i in json.loads(r["option_ids"])],
            }
            for r in rows
        ]

    async def forget(self, tx: Tx, user_id: int) -> None:
        """/forget: the answers stay in the totals without anything tying them to the person;
        their copies (which name their chat) go; polls they wrote lose their author."""
        await tx.execute("UPDATE poll_answers SET user_id = NULL WHERE user_id = ?", (user_id,))
        await tx.execute("DELETE FROM poll_copies WHERE user_id = ?", (user_id,))
        await tx.execute("UPDATE polls SET author_id = NULL WHERE author_id = ?", (user_id,))
