"""The sign-up rules: steps in order, resumable, reversible, with consent recorded."""

from datetime import UTC, datetime

import pytest

from bot.services.signup import CONSENT_VERSION, Refused, SignupProblem, SignupService
from bot.services.text import TextProblem, normalise_unit
from bot.storage.db import Database
from bot.storage.migrations import migrate
from bot.storage.residents import ResidentsRepository

USER = 2000


@pytest.fixture
async def db(tmp_path):
    database = await Database.open(tmp_path / "s.sqlite3")
    await migrate(database)
    await database.execute("INSERT INTO buildings (id, name) VALUES (1, 'Maple Court')")
    yield database
    await database.close()


@pytest.fixture
def signup(db):
    return SignupService(ResidentsRepository(db), clock=lambda: datetime(2026, 11, 25, tzinfo=UTC))


async def walk_to_tenure(signup, user=USER, unit="4b", invite=None):
    await signup.begin(user, 1, invite_code=invite)
    await signup.confirm_language(user)
    await signup.consent(user, agreed=True)
    await signup.set_name(user, "  Amina  K. ")
    return await signup.set_unit(user, unit)


async def test_the_whole_flow_makes_a_pending_resident(signup, db):
    state = await walk_to_tenure(signup)
    assert state.step == "tenure"
    assert state.display_name == "Amina K."
    assert state.unit == "4B"
    assert (await signup.set_tenure(USER, "renter")).step == "affordability"
    finished = await signup.finish(USER, "assisted")
    resident = finished.resident
    assert (resident.status, resident.building_name, resident.tenure) == (
        "pending",
        "Maple Court",
        "renter",
    )
    assert resident.affordability == "assisted"
    assert resident.consent_version == CONSENT_VERSION
    assert resident.consent_at == "2026-11-25T00:00:00Z"
    assert await signup.current(USER) is None
    export = await signup.export(USER)
    assert export["consent"] == [
        {"version": CONSENT_VERSION, "decision": "given", "at": "2026-11-25T00:00:00Z"}
    ]


async def test_steps_cannot_be_skipped_or_repeated(signup):
    with pytest.raises(SignupProblem) as info:
        await signup.set_name(USER, "Amina")
    assert info.value.kind == SignupProblem.NO_SIGNUP
    await signup.begin(USER, 1)
    with pytest.raises(SignupProblem) as info:
        await signup.finish(USER, "market")
    assert info.value.kind == SignupProblem.WRONG_STEP
    await walk_to_tenure(signup)
    with pytest.raises(SignupProblem) as info:
        await signup.set_tenure(USER, "landlord")
    assert info.value.kind == SignupProblem.BAD_TENURE
    with pytest.raises(SignupProblem) as info:
        await signup.finish(USER, "assisted")  # the tenure question comes first
    assert info.value.kind == SignupProblem.WRONG_STEP
    await signup.set_tenure(USER, "skip")
    with pytest.raises(SignupProblem) as info:
        await signup.finish(USER, "palace")
    assert info.value.kind == SignupProblem.BAD_AFFORDABILITY


async def test_both_questions_can_be_skipped(signup):
    await walk_to_tenure(signup)
    await signup.set_tenure(USER, "skip")
    resident = (await signup.finish(USER, "skip")).resident
    assert (resident.tenure, resident.affordability) == (None, None)


async def test_back_from_affordability_reaches_tenure(signup):
    await walk_to_tenure(signup)
    await signup.set_tenure(USER, "other")
    assert (await signup.back(USER)).step == "tenure"


async def test_back_goes_one_step_and_stops_at_the_first(signup):
    await signup.begin(USER, 1)
    assert (await signup.back(USER)).step == "language"
    await signup.confirm_language(USER)
    await signup.consent(USER, agreed=True)
    assert (await signup.back(USER)).step == "consent"


async def test_a_sign_up_survives_a_restart(signup, db):
    await signup.begin(USER, 1)
    await signup.confirm_language(USER)
    fresh = SignupService(ResidentsRepository(db))
    assert (await fresh.current(USER)).step == "consent"


async def test_no_thanks_keeps_only_the_refusal(signup, db):
    await signup.begin(USER, 1)
    await signup.confirm_language(USER)
    assert await signup.consent(USER, agreed=False) == Refused(kept_account=False)
    assert await db.fetch_value("SELECT count(*) FROM users WHERE id = ?", (USER,)) == 0
    assert await signup.current(USER) is None
    export = await signup.export(USER)
    assert export["resident"] is None
    assert [r["decision"] for r in export["consent"]] == ["refused"]


async def test_auto_approve_and_crowded_units(signup, db):
    await db.execute("UPDATE buildings SET auto_approve = 1, unit_limit = 1")
    await db.execute(
        "INSERT INTO invites (code, building_id, created_by) VALUES ('poster-code', 1, 1)"
    )
    await walk_to_tenure(signup, user=1, unit="7", invite="poster-code")
    await signup.set_tenure(1, "owner")
    assert (await signup.finish(1, "market")).resident.status == "approved"
    await walk_to_tenure(signup, user=2, unit="7", invite="poster-code")
    await signup.set_tenure(2, "undisclosed")
    second = await signup.finish(2, "undisclosed")
    assert second.crowded_unit
    assert second.resident.status == "pending"  # a steward looks first


async def test_residents_and_banned_people_cannot_sign_up_again(signup, db):
    await walk_to_tenure(signup)
    await signup.set_tenure(USER, "owner")
    await signup.finish(USER, "market")
    with pytest.raises(SignupProblem) as info:
        await signup.begin(USER, 1)
    assert info.value.kind == SignupProblem.ALREADY_RESIDENT
    await db.execute("UPDATE residents SET status = 'banned'")
    with pytest.raises(SignupProblem) as info:
        await signup.begin(USER, 1)
    assert info.value.kind == SignupProblem.BANNED


async def test_erase_forgets_everything(signup, db):
    await walk_to_tenure(signup)
    await signup.set_tenure(USER, "renter")
    await signup.finish(USER, "assisted")
    await db.execute(
        "INSERT INTO warnings (chat_id, user_id, given_by, reason) VALUES (-1, ?, 1, 'x')", (USER,)
    )
    await signup.erase(USER)
    assert await signup.resident(USER) is None
    assert await signup.export(USER) == {
        "resident": None,
        "signup_in_progress": None,
        "consent": [],
    }


@pytest.mark.parametrize(
    ("raw", "unit"), [("4b", "4B"), (" #12-03 ", "12-03"), ("apt 5/a", "APT 5/A"), ("٣ب", "٣ب")]
)
def test_units_are_normalised(raw, unit):
    assert normalise_unit(raw) == unit


@pytest.mark.parametrize("raw", ["", "   ", "<script>", "4B; DROP", "x" * 13, "-4", "\u202e4B!"])
def test_bad_units_are_refused(raw):
    with pytest.raises(TextProblem):
        normalise_unit(raw)


@pytest.mark.parametrize("raw", ["", "\u200b", "x" * 41])
async def test_bad_names_are_refused(signup, raw):
    await signup.begin(USER, 1)
    await signup.confirm_language(USER)
    await signup.consent(USER, agreed=True)
    with pytest.raises(SignupProblem) as info:
        await signup.set_name(USER, raw)
    assert info.value.kind == SignupProblem.BAD_NAME


async def test_one_reminder_for_a_sign_up_left_for_a_day(db):
    now = [datetime(2026, 11, 25, 12, tzinfo=UTC)]
    signup = SignupService(ResidentsRepository(db), clock=lambda: now[0])
    await signup.begin(USER, 1)
    await db.execute("UPDATE signups SET updated_at = '2026-11-25T11:00:00Z'")
    assert await signup.due_reminders() == []  # an hour is not a day
    now[0] = datetime(2026, 11, 26, 12, tzinfo=UTC)
    [due] = await signup.due_reminders()
    assert due.user_id == USER
    await signup.reminded(USER)
    assert await signup.due_reminders() == []  # only once
    await db.execute("UPDATE users SET paused = 1")
    await signup.begin(USER, 1)  # starting again starts afresh...
    await db.execute("UPDATE signups SET updated_at = '2026-11-20T00:00:00Z'")
    assert await signup.due_reminders() == []  # ...but /stop means no reminders
