"""The delivery engine's rules and its durable outbox (the Telegram adapter comes with the
announcements issue): jobs are created once, rows are claimed once, Telegram's answers settle
them, and a crash puts in-flight rows back in the queue."""

from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import FixedClock
from bot.services.delivery import (
    MAX_ATTEMPTS,
    Attempt,
    DeliveryService,
    SendError,
    SendErrorKind,
    backoff,
    settle_failure,
)
from bot.services.users import UserService
from bot.storage.outbox import OutboxRepository, Recipient
from bot.storage.users import UsersRepository


@pytest.mark.parametrize(
    ("error", "attempts", "state", "retry_in"),
    [
        (SendError(SendErrorKind.FLOOD, retry_after=7), 1, "queued", timedelta(seconds=7)),
        (SendError(SendErrorKind.BLOCKED), 1, "unreachable", None),
        (SendError(SendErrorKind.CHAT_NOT_FOUND), 1, "failed", None),
        (SendError(SendErrorKind.BAD_REQUEST), 1, "failed", None),
        (SendError(SendErrorKind.MIGRATED, migrate_to=-1009), 1, "queued", timedelta(0)),
        (SendError(SendErrorKind.NETWORK), 3, "queued", timedelta(seconds=4)),
        (SendError(SendErrorKind.NETWORK), MAX_ATTEMPTS, "failed", None),
    ],
)
def test_telegrams_answers_settle_a_row(error, attempts, state, retry_in):
    settlement = settle_failure(error, attempts)
    assert (settlement.state, settlement.retry_in) == (state, retry_in)
    if error.kind is SendErrorKind.FLOOD:
        assert settlement.pause_all == timedelta(seconds=7)  # nothing at all is sent meanwhile
    if error.kind is SendErrorKind.MIGRATED:
        assert settlement.chat_id == -1009


def test_backoff_grows_and_is_capped():
    waits = [backoff(n).total_seconds() for n in range(1, 15)]
    assert waits[:4] == [1, 2, 4, 8] and max(waits) == 600


@pytest.fixture
async def delivery(people_db):
    clock = FixedClock(datetime(2026, 11, 25, 12, tzinfo=UTC))
    service = DeliveryService(
        OutboxRepository(people_db), UserService(UsersRepository(people_db)), clock
    )
    return service, clock, people_db


def to(*user_ids: int, skip: dict | None = None) -> list[Recipient]:
    skip = skip or {}
    return [Recipient(u, u, {"text": f"hello {u}"}, skip.get(u)) for u in user_ids]


async def test_a_replayed_update_creates_no_second_job(delivery):
    service, _clock, db = delivery
    first = await service.start_job("announcement", to(1, 2), created_by=2, update_id=99)
    again = await service.start_job("announcement", to(1, 2), created_by=2, update_id=99)
    assert first == (first[0], True) and again == (first[0], False)
    assert await db.fetch_value("SELECT count(*) FROM outbox") == 2


async def test_rows_are_claimed_once_notices_first(delivery):
    service, _clock, _db = delivery
    await service.start_job("announcement", to(1, 2, 3), priority=1)
    await service.start_job("notice", to(4), priority=0)
    first = await service.due(2)
    assert [d.user_id for d in first] == [4, 1]
    rest = await service.due(10)
    assert [d.user_id for d in rest] == [2, 3]  # never the ones already being sent
    assert await service.due(10) == []


async def test_skipped_recipients_are_counted_by_reason_and_never_sent(delivery):
    service, _clock, _db = delivery
    job, _new = await service.start_job("announcement", to(1, 2, 3, skip={2: "paused"}))
    assert [d.user_id for d in await service.due(10)] == [1, 3]
    report = await service.report(job)
    assert report.total == 3 and report.skipped == {"paused": 1}


async def test_a_retry_waits_and_a_block_marks_the_person_unreachable(delivery):
    service, clock, db = delivery
    job, _new = await service.start_job("announcement", to(1, 2))
    one, two = await service.due(10)
    await service.failed(one, SendError(SendErrorKind.NETWORK, detail="timed out"))
    await service.failed(two, SendError(SendErrorKind.BLOCKED))
    assert await service.due(10) == []  # the retry is not due yet
    clock.advance(timedelta(seconds=1))
    [retry] = await service.due(10)
    assert (retry.user_id, retry.attempts) == (1, 2)
    await service.sent(retry, message_id=555)
    report = await service.report(job)
    assert report.by_state == {"sent": 1, "unreachable": 1}
    unreachable = await db.fetch_value("SELECT unreachable_since FROM users WHERE id = 2")
    assert unreachable is not None


async def test_after_a_crash_rows_in_flight_go_back_to_the_queue(delivery):
    service, _clock, _db = delivery
    await service.start_job("announcement", to(1, 2, 3))
    in_flight = await service.due(2)  # ...and then the process is killed
    assert await service.resume() == len(in_flight)
    assert sorted(d.user_id for d in await service.due(10)) == [1, 2, 3]


async def test_a_cancelled_jobs_rows_in_flight_are_never_sent_again(delivery):
    """Rows being sent when their job is cancelled (a survey wave closed mid-send) finish
    that send; a retry or a crash after it does not put them back in the queue."""
    service, clock, db = delivery
    job, _new = await service.start_job("survey", to(1, 2, 3, 4), reason="survey:1")
    await service.start_job("notice", to(5), reason="survey:1")  # another kind: untouched
    one, two, _three = await service.due(3)  # in flight...
    async with db.transaction() as tx:  # ...when the wave closes
        assert await service.cancel_for("survey:1", ("survey", "survey.reminder"), tx) == 1
    assert await service.job_state(job) == ("cancelled", None)
    attempts = [
        Attempt(one, [101]),  # delivered: stays sent
        Attempt(two, [], SendError(SendErrorKind.NETWORK, detail="timed out")),  # a retry
    ]
    await service.settle_batch(attempts, frozenset({job}))
    assert await service.resume() == 0  # the third, caught mid-send by a stop: not resent
    clock.advance(timedelta(minutes=1))
    assert [d.user_id for d in await service.due(10)] == [5]
    report = await service.report(job)
    assert report.by_state == {"sent": 1, "skipped": 3} and report.skipped == {"cancelled": 3}
