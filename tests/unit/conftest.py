"""Shared fixtures for the unit tests: a migrated database with four people of each role-to-be
and two buildings, and the role service with the organiser and the steward named."""

import pytest

from bot.services.roles import Role, RoleService
from bot.storage.db import Database
from bot.storage.migrations import migrate
from bot.storage.roles import RolesRepository

ADMIN, ORGANISER, STEWARD, RESIDENT = 1, 2, 3, 4


@pytest.fixture
async def people_db(tmp_path):
    database = await Database.open(tmp_path / "people.sqlite3")
    await migrate(database)
    for user in (ADMIN, ORGANISER, STEWARD, RESIDENT):
        await database.execute("INSERT INTO users (id) VALUES (?)", (user,))
    await database.execute("INSERT INTO buildings (id, name) VALUES (1, 'A'), (2, 'B')")
    yield database
    await database.close()


@pytest.fixture
async def named_roles(people_db) -> RoleService:
    """Admin 1 named organiser 2, who named steward 3 of building 1; 4 is a resident."""
    service = RoleService(RolesRepository(people_db), admin_ids=frozenset({ADMIN}))
    await service.promote(ADMIN, ORGANISER, Role.ORGANISER)
    await service.promote(ORGANISER, STEWARD, Role.STEWARD, 1)
    return service
