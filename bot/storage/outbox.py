"""The durable outbox (``outbox_jobs``, ``outbox``): rows are written before anything is sent,
claimed in batches (``queued`` -> ``sending``, or ``skipped`` when a bulk row's person paused or
became unreachable since), settled a batch at a time with what Telegram answered, and a job is
``done`` when none of its rows is left to send. A ``cancelled`` job (an announcement cancelled,
a survey wave closed) has its rows not sent yet skipped, and the sender claims none of it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from bot.storage.db import NOW, Database, Queries, Tx
from bot.storage.sql import placeholders


@dataclass(frozen=True)
class Delivery:
    id: int
    job_id: int
    chat_id: int
    user_id: int | None
    payload: dict
    priority: int
    attempts: int
    message_ids: list[int] = field(default_factory=list)  # parts already sent (a retry resumes)
    once: bool = False  # at most once: never sent again after a crash (AT_MOST_ONCE kinds)


# kinds whose rows must never arrive twice, even across a crash: a missed one is better
AT_MOST_ONCE = ("event.reminder",)


@dataclass(frozen=True)
class Claim:
    """What one claim took: the rows to send now, and the rows skipped instead."""

    deliveries: list[Delivery]
    skipped: int = 0
    job_ids: frozenset[int] = frozenset()  # every job a row was taken from

    @property
    def taken(self) -> int:
        return len(self.deliveries) + self.skipped


@dataclass(frozen=True)
class Outcome:
    """How one claimed row is settled (see ``services/delivery.py`` for the rules)."""

    delivery_id: int
    state: str  # 'sent', 'failed', 'unreachable', or 'queued' (a retry)
    message_ids: list[int] | None = None  # every message id sent so far for the row
    error: str | None = None
    next_attempt_at: str | None = None
    chat_id: int | None = None  # where to retry (a migrated group)


@dataclass(frozen=True)
class Recipient:
    chat_id: int
    user_id: int | None
    payload: dict
    skip_reason: str | None = None  # set: recorded as skipped, never sent
    locale: str | None = None  # for reports: the recipient's language
    building_id: int | None = None  # and building
    about_user_id: int | None = None  # whose words or name it carries (erased on /forget)


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
        """The job and one row per recipient, in one transaction (``q``'s, if given; a job
        with every row skipped is ``done`` at once). A second call with the same
        ``update_id`` (a replayed update) creates nothing: returns (its id, False)."""
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
            "state, skip_reason, next_attempt_at, locale, building_id, about_user_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                    r.about_user_id,
                )
                for r in recipients
            ),
        )
        await self.finish_jobs({job_id}, tx)  # nobody to send to: done already
        return job_id, True

    async def set_job_state(self, job_id: int, state: str, from_states: tuple[str, ...]) -> bool:
        """Pause, resume or cancel a job (only from ``from_states``); a cancelled job's rows
        not sent yet are skipped as 'cancelled'."""
        marks = placeholders(from_states)
        async with self.db.transaction() as tx:
            changed = await tx.execute(
                f"UPDATE outbox_jobs SET state = ? WHERE id = ? AND state IN ({marks})",
                (state, job_id, *from_states),
            )
            if changed and state == "cancelled":
                await _skip_unsent(tx, [job_id])
        return bool(changed)

    async def jobs_for(self, reason: str, kinds: tuple[str, ...], q: Queries) -> list[int]:
        """The jobs of ``kinds`` queued for ``reason`` (``survey:3``: a wave's invitations and
        its reminders)."""
        rows = await q.fetch_all(
            f"SELECT id FROM outbox_jobs WHERE reason = ? AND kind IN ({placeholders(kinds)}) "
            "ORDER BY id",
            (reason, *kinds),
        )
        return [r[0] for r in rows]

    async def cancel_jobs(self, job_ids: list[int], q: Tx) -> int:
        """Cancel jobs in the caller's transaction ``q`` (what they were for is over): those
        still active or paused become ``cancelled``, which the sender never claims from, and
        their rows not sent yet are skipped as 'cancelled'; rows already sent stay as they
        are, and a job already done stays done. Returns how many rows were skipped."""
        if not job_ids:
            return 0
        await q.execute(
            "UPDATE outbox_jobs SET state = 'cancelled' "
            f"WHERE id IN ({placeholders(job_ids)}) AND state IN ('active', 'paused')",
            tuple(job_ids),
        )
        return await _skip_unsent(q, job_ids)

    async def any_due(self, now: str) -> bool:
        """A cheap read (never waits for a writer) before claiming takes the write lock."""
        return bool(
            await self.db.fetch_value(
                "SELECT 1 FROM outbox WHERE state = 'queued' AND next_attempt_at <= ? LIMIT 1",
                (now,),
            )
        )

    async def claim_due(self, now: str, limit: int) -> Claim:
        """The next rows due (notices first, then oldest), marked ``sending`` in the same
        transaction, so two senders never take the same row. A bulk row (priority >= 1) whose
        person has paused announcements or is unreachable since it was queued is marked
        ``skipped`` instead (notices still go: to a paused person, and to an unreachable one,
        who may have unblocked the bot)."""
        async with self.db.transaction() as tx:
            rows = await tx.fetch_all(
                "SELECT o.id, o.job_id, o.chat_id, o.user_id, o.payload, o.priority, o.attempts, "
                "o.message_ids, j.kind, u.paused, u.unreachable_since "
                "FROM outbox o JOIN outbox_jobs j ON j.id = o.job_id "
                "LEFT JOIN users u ON u.id = o.user_id "
                "WHERE o.state = 'queued' AND o.next_attempt_at <= ? AND j.state = 'active' "
                "ORDER BY o.priority, o.next_attempt_at, o.id LIMIT ?",
                (now, limit),
            )
            deliveries, skipped = [], 0
            for row in rows:
                reason = _skip_reason(row)
                if reason is not None:
                    skipped += 1
                    await tx.execute(
                        "UPDATE outbox SET state = 'skipped', skip_reason = ?, "
                        f"updated_at = {NOW} WHERE id = ?",
                        (reason, row["id"]),
                    )
                    continue
                await tx.execute(
                    f"UPDATE outbox SET state = 'sending', attempts = attempts + 1, "
                    f"updated_at = {NOW} WHERE id = ?",
                    (row["id"],),
                )
                deliveries.append(
                    Delivery(
                        row["id"],
                        row["job_id"],
                        row["chat_id"],
                        row["user_id"],
                        json.loads(row["payload"]),
                        row["priority"],
                        row["attempts"] + 1,
                        json.loads(row["message_ids"]) if row["message_ids"] else [],
                        once=row["kind"] in AT_MOST_ONCE,
                    )
                )
        return Claim(deliveries, skipped, frozenset(r["job_id"] for r in rows))

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
            await _settle(tx, delivery_id, state, message_id, error, next_attempt_at, chat_id, None)
            if state == "queued":
                await _skip_cancelled(tx, delivery_id=delivery_id)

    async def settle_many(
        self, outcomes: list[Outcome], job_ids: frozenset[int], q: Queries
    ) -> set[int]:
        """Record a whole batch's outcomes (in the caller's transaction ``q``); a retry of a
        row whose job was cancelled meanwhile is skipped instead; then every active job of
        ``job_ids`` with nothing left to send is ``done``. Returns those jobs."""
        for o in outcomes:
            await _settle(
                q,
                o.delivery_id,
                o.state,
                o.message_ids[-1] if o.message_ids else None,
                o.error,
                o.next_attempt_at,
                o.chat_id,
                json.dumps(o.message_ids) if o.message_ids else None,
            )
        if any(o.state == "queued" for o in outcomes):
            await _skip_cancelled(q, job_ids=job_ids)
        return await self.finish_jobs(job_ids, q)

    async def finish_jobs(self, job_ids: frozenset[int] | set[int], q: Queries) -> set[int]:
        """Active jobs among ``job_ids`` with no row queued or being sent become ``done``."""
        finished = set()
        for job_id in sorted(job_ids):
            if await q.execute(
                f"UPDATE outbox_jobs SET state = 'done', finished_at = {NOW} "
                "WHERE id = ? AND state = 'active' AND NOT EXISTS (SELECT 1 FROM outbox "
                "WHERE job_id = ? AND state IN ('queued', 'sending'))",
                (job_id, job_id),
            ):
                finished.add(job_id)
        return finished

    async def job_state(self, job_id: int) -> tuple[str, str | None] | None:
        """(state, finished_at) of a job."""
        row = await self.db.fetch_one(
            "SELECT state, finished_at FROM outbox_jobs WHERE id = ?", (job_id,)
        )
        return None if row is None else (row[0], row[1])

    async def attempting(self, delivery_id: int) -> None:
        """An at-most-once row's request is about to leave (written before Telegram sees it)."""
        await self.db.execute(
            f"UPDATE outbox SET attempted_at = {NOW} WHERE id = ? AND state = 'sending'",
            (delivery_id,),
        )

    async def resume(self) -> int:
        """After a crash: rows that were being sent go back to the queue (at most these can
        reach their recipient twice), except at-most-once rows whose request had left: they
        may have arrived, so they are settled as interrupted, never sent again, and rows of
        a job cancelled meanwhile, which are skipped. Returns how many are queued again."""
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE outbox SET state = 'failed', error = 'interrupted: the bot stopped "
                f"while sending; maybe delivered, not sent again', updated_at = {NOW} "
                "WHERE state = 'sending' AND attempted_at IS NOT NULL AND job_id IN "
                f"(SELECT id FROM outbox_jobs WHERE kind IN ({placeholders(AT_MOST_ONCE)}))",
                AT_MOST_ONCE,
            )
            queued = await tx.execute(
                "UPDATE outbox SET state = 'queued', attempted_at = NULL, "
                f"updated_at = {NOW} WHERE state = 'sending'"
            )
            return queued - (await _skip_cancelled(tx) if queued else 0)

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

    async def waiting(self) -> dict[str, dict[str, int]]:
        """Rows not settled yet, by their job's kind: kind -> {"queued": n, "sending": n}."""
        rows = await self.db.fetch_all(
            "SELECT j.kind, o.state, count(*) FROM outbox o JOIN outbox_jobs j ON j.id = o.job_id "
            "WHERE o.state IN ('queued', 'sending') GROUP BY j.kind, o.state"
        )
        out: dict[str, dict[str, int]] = {}
        for kind, state, n in rows:
            out.setdefault(kind, {"queued": 0, "sending": 0})[state] = n
        return out

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


async def _skip_unsent(q: Queries, job_ids: list[int]) -> int:
    """The rows of ``job_ids`` still waiting in the queue: skipped, as 'cancelled'."""
    return await q.execute(
        "UPDATE outbox SET state = 'skipped', skip_reason = 'cancelled', "
        f"updated_at = {NOW} WHERE job_id IN ({placeholders(job_ids)}) AND state = 'queued'",
        tuple(job_ids),
    )


async def _skip_cancelled(
    q: Queries, *, job_ids: frozenset[int] | None = None, delivery_id: int | None = None
) -> int:
    """Rows back in the queue (a retry, or caught mid-send by a crash) whose job was
    cancelled while they were being sent: skipped, as 'cancelled' (the sender claims nothing
    from a cancelled job, so they would wait forever). Among ``job_ids``, or the one row
    ``delivery_id``, or in every job."""
    skip = f"UPDATE outbox SET state = 'skipped', skip_reason = 'cancelled', updated_at = {NOW} "
    if delivery_id is not None:
        return await q.execute(
            skip + "WHERE id = ? AND state = 'queued' AND job_id IN "
            "(SELECT id FROM outbox_jobs WHERE state = 'cancelled')",
            (delivery_id,),
        )
    if job_ids is not None:
        return await q.execute(
            skip + "WHERE state = 'queued' AND job_id IN (SELECT id FROM outbox_jobs "
            f"WHERE state = 'cancelled' AND id IN ({placeholders(job_ids)}))",
            tuple(sorted(job_ids)),
        )
    return await q.execute(
        skip + "WHERE state = 'queued' AND job_id IN "
        "(SELECT id FROM outbox_jobs WHERE state = 'cancelled')"
    )


def _skip_reason(row) -> str | None:
    if row["priority"] < 1:
        return None
    if row["paused"]:
        return "paused"
    if row["unreachable_since"] is not None:
        return "unreachable"
    return None


async def _settle(
    q: Queries,
    delivery_id: int,
    state: str,
    message_id: int | None,
    error: str | None,
    next_attempt_at: str | None,
    chat_id: int | None,
    message_ids: str | None,
) -> None:
    assert state in ("sent", "failed", "unreachable", "queued"), state
    await q.execute(
        "UPDATE outbox SET state = ?, message_id = coalesce(?, message_id), error = ?, "
        "next_attempt_at = coalesce(?, next_attempt_at), chat_id = coalesce(?, chat_id), "
        f"message_ids = coalesce(?, message_ids), updated_at = {NOW}, "
        "attempted_at = CASE WHEN ? = 'queued' THEN NULL ELSE attempted_at END "
        "WHERE id = ? AND state = 'sending'",
        (state, message_id, error, next_attempt_at, chat_id, message_ids, state, delivery_id),
    )
