"""The rules of the delivery engine (its adapter to Telegram is ``handlers/sender.py``): what a
send's outcome means for the row, how long to wait before a retry, when a job is done, and the
report of a job.

Telegram's answers, as the adapter reports them (:class:`SendError`):

- 429 (flood): nothing more is sent before ``retry_after``; the row waits that long too.
- 403 (blocked): the person is unreachable; no retry, and later jobs skip them.
- 400 chat not found, or any other 400: failed, no retry.
- 400 with ``migrate_to_chat_id`` (a group became a supergroup): retried at once, there.
- network errors and 5xx: retried with exponential backoff, failed after ``MAX_ATTEMPTS``.

The sender claims a batch (:meth:`DeliveryService.claim`: bulk rows for people who paused or
became unreachable since are skipped there), sends it, and settles the whole batch in one
transaction (:meth:`DeliveryService.settle_batch`), which also marks finished jobs ``done``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import Enum

from bot.clock import Clock, system_clock, to_db
from bot.services.users import UserService
from bot.storage.db import Tx
from bot.storage.outbox import Claim, Delivery, OutboxRepository, Outcome, Recipient

MAX_ATTEMPTS = 8
MAX_BACKOFF = timedelta(minutes=10)


class SendErrorKind(Enum):
    FLOOD = "flood"
    BLOCKED = "blocked"
    CHAT_NOT_FOUND = "chat_not_found"
    MIGRATED = "migrated"
    BAD_REQUEST = "bad_request"
    NETWORK = "network"


@dataclass(frozen=True)
class SendError:
    kind: SendErrorKind
    retry_after: float | None = None
    migrate_to: int | None = None
    detail: str = ""


@dataclass(frozen=True)
class Settlement:
    state: str  # 'queued' (to retry), 'failed' or 'unreachable'
    retry_in: timedelta | None = None
    chat_id: int | None = None  # where to retry (a migrated group)
    pause_all: timedelta | None = None  # a 429: the whole sender waits this long


@dataclass(frozen=True)
class Attempt:
    """What sending one claimed row came to: the message ids it has now (every part sent so
    far, this time or before), and the error that stopped it, if any."""

    delivery: Delivery
    message_ids: list[int]
    error: SendError | None = None


@dataclass(frozen=True)
class BatchResult:
    settlements: dict[int, Settlement]  # delivery id -> what its failure meant
    finished_jobs: set[int]  # jobs with nothing left to send, now 'done'
    pause_all: timedelta | None  # the longest wait a 429 asked for


@dataclass(frozen=True)
class Report:
    total: int
    by_state: dict[str, int]
    skipped: dict[str, int]  # why: 'paused', 'unreachable', ...


def backoff(attempts: int) -> timedelta:
    """1 s, 2 s, 4 s ... after each failed attempt, at most ``MAX_BACKOFF``."""
    return min(timedelta(seconds=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def settle_failure(error: SendError, attempts: int) -> Settlement:
    """What a failed send means for its row (``attempts``: this one included)."""
    if error.kind is SendErrorKind.FLOOD:
        wait = timedelta(seconds=max(error.retry_after or 1.0, 1.0))
        return Settlement("queued", retry_in=wait, pause_all=wait)
    if error.kind is SendErrorKind.BLOCKED:
        return Settlement("unreachable")
    if error.kind is SendErrorKind.MIGRATED and error.migrate_to is not None:
        return Settlement("queued", retry_in=timedelta(0), chat_id=error.migrate_to)
    if error.kind is SendErrorKind.NETWORK and attempts < MAX_ATTEMPTS:
        return Settlement("queued", retry_in=backoff(attempts))
    return Settlement("failed")


class DeliveryService:
    def __init__(
        self, repo: OutboxRepository, users: UserService, clock: Clock = system_clock
    ) -> None:
        self.repo = repo
        self.users = users
        self.clock = clock

    async def start_job(
        self,
        kind: str,
        recipients: list[Recipient],
        *,
        created_by: int | None = None,
        update_id: int | None = None,
        reason: str | None = None,
        priority: int = 1,
        q: Tx | None = None,
    ) -> tuple[int, bool]:
        """Queue a job: (its id, whether it is new: a replayed update makes no second one).
        Inside ``q`` when the caller's transaction must include it."""
        now = to_db(self.clock())
        return await self.repo.create_job(
            kind, created_by, update_id, reason, recipients, priority, now, q
        )

    async def control(self, job_id: int, action: str) -> bool:
        """'pause', 'resume' or 'cancel' a job; False when it was not in a state for that."""
        state, from_states = {
            "pause": ("paused", ("active",)),
            "resume": ("active", ("paused",)),
            "cancel": ("cancelled", ("active", "paused")),
        }[action]
        return await self.repo.set_job_state(job_id, state, from_states)

    async def cancel_for(self, reason: str, kinds: tuple[str, ...], q: Tx) -> int:
        """Inside the caller's transaction ``q`` (whose change makes them pointless): every
        job of ``kinds`` queued for ``reason`` is cancelled, its rows not sent yet skipped as
        'cancelled' and never sent; rows sent already stay as they are. Returns how many
        rows were skipped."""
        return await self.repo.cancel_jobs(await self.repo.jobs_for(reason, kinds, q), q)

    async def claim(self, limit: int) -> Claim:
        """The next rows to send, claimed; bulk rows whose person paused or became
        unreachable since are skipped instead (an idle outbox costs one read, no write)."""
        now = to_db(self.clock())
        if not await self.repo.any_due(now):
            return Claim([])
        return await self.repo.claim_due(now, limit)

    async def due(self, limit: int) -> list[Delivery]:
        """The rows of :meth:`claim` to send."""
        return (await self.claim(limit)).deliveries

    async def settle_batch(self, attempts: list[Attempt], job_ids: frozenset[int]) -> BatchResult:
        """Settle a whole batch in one transaction: each row by Telegram's answer, people who
        blocked the bot marked unreachable, and each of ``job_ids`` (the jobs the batch took
        rows from) with nothing left to send marked done."""
        outcomes, settlements, unreachable = [], {}, []
        pause_all: timedelta | None = None
        for attempt in attempts:
            delivery, error = attempt.delivery, attempt.error
            if error is None:
                outcomes.append(Outcome(delivery.id, "sent", attempt.message_ids))
                continue
            settlement = settle_failure(error, delivery.attempts)
            settlements[delivery.id] = settlement
            outcomes.append(
                Outcome(
                    delivery.id,
                    settlement.state,
                    attempt.message_ids,
                    error=f"{error.kind.value}: {error.detail}"[:200],
                    next_attempt_at=(
                        to_db(self.clock() + settlement.retry_in)
                        if settlement.retry_in is not None
                        else None
                    ),
                    chat_id=settlement.chat_id,
                )
            )
            if settlement.state == "unreachable" and delivery.user_id is not None:
                unreachable.append(delivery.user_id)
            if settlement.pause_all is not None:
                pause_all = max(pause_all or settlement.pause_all, settlement.pause_all)
        async with self.repo.db.transaction() as tx:
            finished = await self.repo.settle_many(outcomes, job_ids, tx)
            for user_id in unreachable:
                await self.users.unreachable(user_id, tx)
        return BatchResult(settlements, finished, pause_all)

    async def sent(self, delivery: Delivery, message_id: int | None) -> None:
        await self.repo.settle(delivery.id, "sent", message_id=message_id)

    async def failed(self, delivery: Delivery, error: SendError) -> Settlement:
        settlement = settle_failure(error, delivery.attempts)
        next_at = (
            to_db(self.clock() + settlement.retry_in) if settlement.retry_in is not None else None
        )
        await self.repo.settle(
            delivery.id,
            settlement.state,
            error=f"{error.kind.value}: {error.detail}"[:200],
            next_attempt_at=next_at,
            chat_id=settlement.chat_id,
        )
        if settlement.state == "unreachable" and delivery.user_id is not None:
            await self.users.unreachable(delivery.user_id)
        return settlement

    async def attempting(self, delivery_id: int) -> None:
        """An at-most-once row's request leaves now (see ``storage.outbox.AT_MOST_ONCE``)."""
        await self.repo.attempting(delivery_id)

    async def resume(self) -> int:
        """At start-up: rows caught mid-send by a crash go back to the queue."""
        return await self.repo.resume()

    async def sent_to(self, user_id: int) -> list[dict]:
        return await self.repo.for_person(user_id)

    async def prune(self) -> int:
        return await self.repo.prune()

    async def job_state(self, job_id: int) -> tuple[str, str | None] | None:
        """(state, finished_at) of a job: 'active' until nothing is left to send, then 'done'."""
        return await self.repo.job_state(job_id)

    async def report(self, job_id: int) -> Report:
        by_state = await self.repo.counts(job_id)
        return Report(sum(by_state.values()), by_state, await self.repo.skipped(job_id))
