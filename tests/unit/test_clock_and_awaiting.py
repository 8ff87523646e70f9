"""Time as time (one storage format, local display), and the one "waiting for your typed
answer" table (one open question per person, lapsing when asked to)."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.clock import FixedClock, from_db, local, to_db
from bot.services.awaiting import AwaitingService
from bot.storage.awaiting import AwaitingRepository
from bot.storage.db import Database
from bot.storage.migrations import migrate


def test_one_storage_format_round_trips_aware_datetimes():
    moment = datetime(2026, 12, 5, 18, 30, tzinfo=ZoneInfo("America/Chicago"))
    stored = to_db(moment)
    assert stored == "2026-12-06T00:30:00Z"
    assert from_db(stored) == moment
    with pytest.raises(ValueError, match="aware"):
        to_db(datetime(2026, 12, 5, 18, 30))  # naive: refused


def test_a_reader_sees_the_communitys_time_in_their_language():
    chicago = ZoneInfo("America/Chicago")
    assert "18:30" in local("2026-12-06T00:30:00Z", chicago, "es")
    assert "6:30" in local("2026-12-06T00:30:00Z", chicago, "en")


@pytest.fixture
async def awaiting(tmp_path):
    db = await Database.open(tmp_path / "a.sqlite3")
    await migrate(db)
    await db.execute("INSERT INTO users (id) VALUES (7)")
    clock = FixedClock(datetime(2026, 11, 25, 12, tzinfo=UTC))
    yield AwaitingService(AwaitingRepository(db), clock), clock
    await db.close()


async def test_one_open_question_per_person_and_it_lapses(awaiting):
    service, clock = awaiting
    assert await service.open_question(7) is None
    await service.ask(7, "signup")
    await service.ask(7, "profile.name", lasts=timedelta(hours=1))  # replaces the first
    question = await service.open_question(7)
    assert (question.kind, question.expires_at) == ("profile.name", "2026-11-25T13:00:00Z")
    clock.advance(timedelta(hours=2))
    assert await service.open_question(7) is None


async def test_closing_only_closes_the_named_question(awaiting):
    service, _clock = awaiting
    await service.ask(7, "signup")
    await service.close(7, "profile.name")
    assert (await service.open_question(7)).kind == "signup"
    await service.close(7, "signup")
    assert await service.open_question(7) is None
