"""The durable outbox (``outbox_jobs``, ``outbox``): rows are written before anything is sent,
claimed in batches (``queued`` -> ``sending``), and settled with what Telegram answered."""

from __future__ import annotations

import json
from dataclasses import dataclass

from bot.storage.db import NOW, Database, Tx


@dataclass(frozen=True)
class Delivery:
    id: int
    job_id: int
    chat_id: int
    user_id: int | None
    payload: dict
    priority: int
    attempts: int


@dataclass(frozen=True)
class Recipient:
    chat_id: int
    user_id: int | None
    payload: dict
    skip_reason: str | None = None  # set: recorded as skipped, never sent
    locale: str | None = None  # for reports: the recipient's language
    building_id: int | None = None  # and building


class OutboxRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create_job(
        self,
        kind: str,
        created_by: int | None,
        update_id: int | None,
        reason: str | None,
        recipients: list[Recipient],
        priority: int,
        now: str,
        q: Tx | None = None,
    ) -> tuple[int, bool]:
        """The job and one row per recipient, in one transaction (``q``'s, if given). A
        second call with the same ``update_id`` (a replayed update) creates nothing: returns
        (its id, False)."""
        if q is None:
            async with self.db.transaction() as tx:
                return await self.create_job(
                    kind, created_by, update_id, reason, recipients, priority, now, tx
                )
        tx = q
        if update_id is not None:
            existing = await tx.fetch_value(
                "SELECT id FROM outbox_jobs WHERE update_id = ?", (update_id,)
            )
            if existing is not None:
                return existing, False
        job_id = await tx.insert(
            "INSERT INTO outbox_jobs (kind, created_by, update_id, reason) VALUES (?, ?, ?, ?)",
            (kind, created_by, update_id, reason),
        )
        await tx.execute_many(
            "INSERT OR IGNORE INTO outbox (job_id, chat_id, user_id, payload, priority, "
            "state, skip_reason, next_attempt_at, locale, building_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    job_id,
                    r.chat_id,
                    r.user_id,
                    json.dumps(r.payload, ensure_ascii=False),
                    priority,
                    "skipped" if r.skip_reason else "queued",
                    r.skip_reason,
                    now,
                    r.locale,
                    r.building_id,
                )
                for r in recipients
            ),
        )
        return job_id, True

    async def job_state(self, job_id: int) -> str | None:
        return await self.db.fetch_value("SELECT state FROM outbox_jobs WHERE id = ?", (job_id,))

    async def set_job_state(self, job_id: int, state: str, from_states: tuple[str, ...]) -> bool:
        """Pause, resume or cancel a job (only from ``from_states``); a cancelled job's rows
        not sent yet are skipped as 'cancelled'."""
        marks = ", ".join("?" for _ in from_states)
        async with self.db.transaction() as tx:
            changed = await tx.execute(
                f"UPDATE outbox_jobs SET state = ? WHERE id = ? AND state IN ({marks})",
                (state, job_id, *from_states),
            )
            if changed and state == "cancelled":
                await tx.execute(
                    "UPDATE outbox SET state = 'skipped', skip_reason = 'cancelled', "
                    f"updated_at = {NOW} WHERE job_id = ? AND state = 'queued'",
                    (job_id,),
                )
        return bool(changed)

    async def any_due(self, now: str) -> bool:
        """A cheap read (never waits for a writer) before claiming takes the write lock."""
        return bool(
            await self.db.fetch_value(
                "SELECT 1 FROM outbox WHERE state = 'queued' AND next_attempt_at <= ? LIMIT 1",
                (now,),
            )
        )

    async def claim_due(self, now: str, limit: int) -> list[Delivery]:
        """The next rows due (notices first, then oldest), marked ``sending`` in the same
        transaction, so two senders never take the same row."""
        async with self.db.transaction() as tx:
            rows = await tx.fetch_all(
                "SELECT o.id, o.job_id, o.chat_id, o.user_id, o.payload, o.priority, o.attempts "
                "FROM outbox o JOIN outbox_jobs j ON j.id = o.job_id "
                "WHERE o.state = 'queued' AND o.next_attempt_at <= ? AND j.state = 'active' "
                "ORDER BY o.priority, o.next_attempt_at, o.id LIMIT ?",
                (now, limit),
            )
            for row in rows:
                await tx.execute(
                    f"UPDATE outbox SET state = 'sending', attempts = attempts + 1, "
                    f"updated_at = {NOW} WHERE id = ?",
                    (row["id"],),
                )
        return [
            Delivery(
                r["id"],
                r["job_id"],
                r["chat_id"],
                r["user_id"],
                json.loads(r["payload"]),
                r["priority"],
                r["attempts"] + 1,
            )
            for r in rows
        ]

    async def settle(
        self,
        delivery_id: int,
        state: str,
        *,
        message_id: int | None = None,
        error: str | None = None,
        next_attempt_at: str | None = None,
        chat_id: int | None = None,
    ) -> None:
        """Record what happened to a claimed row: ``sent``, ``failed``, ``unreachable``, or
        back to ``queued`` for a retry at ``next_attempt_at`` (in ``chat_id`` when the group
        moved)."""
        async with self.db.transaction() as tx:
            await _settle(tx, delivery_id, state, message_id, error, next_attempt_at, chat_id)

    async def resume(self) -> int:
        """After a crash: rows that were being sent go back to the queue (at most these can
        reach their recipient twice)."""
        return await self.db.execute(
            f"UPDATE outbox SET state = 'queued', updated_at = {NOW} WHERE state = 'sending'"
        )

    async def for_person(self, user_id: int) -> list[dict]:
        """What the bot sent, or will send, to this person (for /mydata)."""
        rows = await self.db.fetch_all(
            "SELECT o.updated_at AS at, o.state, o.payload, j.reason FROM outbox o "
            "JOIN outbox_jobs j ON j.id = o.job_id WHERE o.user_id = ? ORDER BY o.id",
            (user_id,),
        )
        return [
            {
                "at": r["at"],
                "state": r["state"],
                "why": r["reason"],
                "text": json.loads(r["payload"]).get("text"),
            }
            for r in rows
        ]

    async def prune(self, keep: str = "-30 days") -> int:
        """Settled rows older than ``keep`` go (their jobs' reports are about recent sends)."""
        return await self.db.execute(
            "DELETE FROM outbox WHERE state IN ('sent', 'failed', 'unreachable', 'skipped') "
            "AND updated_at < strftime('%Y-%m-%dT%H:%M:%SZ', 'now', ?)",
            (keep,),
        )

    async def counts(self, job_id: int) -> dict[str, int]:
        rows = await self.db.fetch_all(
            "SELECT state, count(*) FROM outbox WHERE job_id = ? GROUP BY state", (job_id,)
        )
        return {r[0]: r[1] for r in rows}

    async def skipped(self, job_id: int) -> dict[str, int]:
        rows = await self.db.fetch_all(
            "SELECT skip_reason, count(*) FROM outbox WHERE job_id = ? AND state = 'skipped' "
            "GROUP BY skip_reason",
            (job_id,),
        )
        return {r[0]: r[1] for r in rows}


async def _settle(
    tx: Tx,
    delivery_id: int,
    state: str,
    message_id: int | None,
    error: str | None,
    next_attempt_at: str | None,
    chat_id: int | None,
) -> None:
    assert state in ("sent", "failed", "unreachable", "queued"), state
    await tx.execute(
        "UPDATE outbox SET state = ?, message_id = coalesce(?, message_id), error = ?, "
        "next_attempt_at = coalesce(?, next_attempt_at), chat_id = coalesce(?, chat_id), "
        f"updated_at = {NOW} WHERE id = ? AND state = 'sending'",
        (state, message_id, error, next_attempt_at, chat_id, delivery_id),
    )
