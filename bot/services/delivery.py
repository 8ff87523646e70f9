"""The rules of the delivery engine (its adapter to Telegram comes with the announcements
issue): what a send's outcome means for the row, how long to wait before a retry, and the
report of a job.

Telegram's answers, as the adapter reports them (:class:`SendError`):

- 429 (flood): nothing more is sent before ``retry_after``; the row waits that long too.
- 403 (blocked): the person is unreachable; no retry, and later jobs skip them.
- 400 chat not found, or any other 400: failed, no retry.
- 400 with ``migrate_to_chat_id`` (a group became a supergroup): retried at once, there.
- network errors and 5xx: retried with exponential backoff, failed after ``MAX_ATTEMPTS``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import Enum

from bot.clock import Clock, system_clock, to_db
from bot.services.users import UserService
from bot.storage.db import Tx
from bot.storage.outbox import Delivery, OutboxRepository, Recipient

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

    async def job_state(self, job_id: int) -> str | None:
        return await self.repo.job_state(job_id)

    async def control(self, job_id: int, action: str) -> bool:
        """'pause', 'resume' or 'cancel' a job; False when it was not in a state for that."""
        state, from_states = {
            "pause": ("paused", ("active",)),
            "resume": ("active", ("paused",)),
            "cancel": ("cancelled", ("active", "paused")),
        }[action]
        return await self.repo.set_job_state(job_id, state, from_states)

    async def due(self, limit: int) -> list[Delivery]:
        """The next rows to send, claimed (an idle outbox costs one read, no write)."""
        now = to_db(self.clock())
        if not await self.repo.any_due(now):
            return []
        return await self.repo.claim_due(now, limit)

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

    async def resume(self) -> int:
        """At start-up: rows caught mid-send by a crash go back to the queue."""
        return await self.repo.resume()

    async def sent_to(self, user_id: int) -> list[dict]:
        return await self.repo.for_person(user_id)

    async def prune(self) -> int:
        return await self.repo.prune()

    async def report(self, job_id: int) -> Report:
        by_state = await self.repo.counts(job_id)
        return Report(sum(by_state.values()), by_state, await self.repo.skipped(job_id))
