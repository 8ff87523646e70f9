"""Building rules and the audit trail, without Telegram."""

import sqlite3

import pytest

from bot.services.buildings import NAME_MAX, BuildingProblem, BuildingService, clean_name
from bot.storage.audit import AuditRepository
from bot.storage.buildings import BuildingsRepository
from bot.storage.db import Database
from bot.storage.migrations import migrate

ORGANISER = 1000


@pytest.fixture
async def db(tmp_path):
    database = await Database.open(tmp_path / "b.sqlite3")
    await migrate(database)
    yield database
    await database.close()


@pytest.fixture
def buildings(db):
    return BuildingService(BuildingsRepository(db))


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("  Maple   Court ", "Maple Court"),
        ("Tour\u202eB", "Tour B"),
        ("Bloc\n\tC", "Bloc C"),
        ("بناية ١", "بناية ١"),
        ("枫树苑", "枫树苑"),
    ],
)
def test_names_are_tidied(raw, clean):
    assert clean_name(raw) == clean


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        ("", BuildingProblem.EMPTY),
        (" \u200b\n", BuildingProblem.EMPTY),
        ("x" * (NAME_MAX + 1), BuildingProblem.TOO_LONG),
    ],
)
def test_bad_names_are_refused(raw, kind):
    with pytest.raises(BuildingProblem) as info:
        clean_name(raw)
    assert info.value.kind == kind


async def test_add_rename_archive_with_audit(buildings, db):
    maple = await buildings.add(ORGANISER, "Maple Court")
    await buildings.add(ORGANISER, "Oak House")
    assert [b.name for b in await buildings.active()] == ["Maple Court", "Oak House"]

    with pytest.raises(BuildingProblem) as info:
        await buildings.add(ORGANISER, "maple court")
    assert info.value.kind == BuildingProblem.DUPLICATE

    renamed = await buildings.rename(ORGANISER, maple.id, "Maple Court East")
    assert renamed.name == "Maple Court East"
    assert (await buildings.resolve(f"#{maple.id}")).name == "Maple Court East"
    assert (await buildings.resolve("oak house")).name == "Oak House"

    await buildings.archive(ORGANISER, maple.id)
    assert [b.name for b in await buildings.active()] == ["Oak House"]
    with pytest.raises(BuildingProblem):
        await buildings.resolve(str(maple.id))
    with pytest.raises(BuildingProblem):
        await buildings.archive(ORGANISER, maple.id)
    # An archived name can be used again.
    await buildings.add(ORGANISER, "Maple Court East")

    actions = [e["action"] for e in await AuditRepository(db).recent()]
    assert actions == [
        "building.add",
        "building.archive",
        "building.rename",
        "building.add",
        "building.add",
    ]
    entries = await AuditRepository(db).recent({maple.id})
    assert {e["actor_id"] for e in entries} == {ORGANISER}


async def test_a_failed_change_writes_no_audit_entry(buildings, db):
    await buildings.add(ORGANISER, "Elm")
    with pytest.raises(BuildingProblem):
        await buildings.add(ORGANISER, "ELM")
    assert len(await AuditRepository(db).recent()) == 1


async def test_the_audit_log_is_append_only(buildings, db):
    await buildings.add(ORGANISER, "Birch")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        await db.execute("UPDATE audit_log SET actor_id = 1")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        await db.execute("DELETE FROM audit_log")
