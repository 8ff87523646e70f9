"""Role rules without Telegram: who may grant what, and to whom."""

import pytest

from bot.services.roles import Role, RoleProblem, RoleService
from bot.storage.audit import AuditRepository
from bot.storage.db import Database
from bot.storage.migrations import migrate
from bot.storage.roles import RolesRepository

ADMIN, ORGANISER, STEWARD, RESIDENT = 1, 2, 3, 4


@pytest.fixture
async def db(tmp_path):
    database = await Database.open(tmp_path / "r.sqlite3")
    await migrate(database)
    for user in (ADMIN, ORGANISER, STEWARD, RESIDENT):
        await database.execute("INSERT INTO users (id) VALUES (?)", (user,))
    await database.execute("INSERT INTO buildings (id, name) VALUES (1, 'A'), (2, 'B')")
    yield database
    await database.close()


@pytest.fixture
async def roles(db):
    service = RoleService(RolesRepository(db), admin_ids=frozenset({ADMIN}))
    await service.promote(ADMIN, ORGANISER, Role.ORGANISER)
    await service.promote(ORGANISER, STEWARD, Role.STEWARD, 1)
    return service


async def test_roles_and_scopes(roles):
    assert [await roles.role_of(u) for u in (ADMIN, ORGANISER, STEWARD, RESIDENT)] == [
        Role.ADMIN,
        Role.ORGANISER,
        Role.STEWARD,
        Role.RESIDENT,
    ]
    assert await roles.stewarded_buildings(STEWARD) == {1}
    assert await roles.stewarded_buildings(ORGANISER) is None
    assert await roles.stewarded_buildings(RESIDENT) == set()
    assert await roles.can_moderate(STEWARD, 1)
    assert not await roles.can_moderate(STEWARD, 2)
    assert await roles.can_moderate(ADMIN, 2)


@pytest.mark.parametrize(
    ("actor", "target", "role", "kind"),
    [
        (STEWARD, RESIDENT, Role.STEWARD, RoleProblem.NOT_ALLOWED),
        (ORGANISER, RESIDENT, Role.ORGANISER, RoleProblem.NOT_ALLOWED),
        (ORGANISER, ORGANISER, Role.STEWARD, RoleProblem.SELF),
        (ORGANISER, ADMIN, Role.STEWARD, RoleProblem.OUTRANKED),
        (ORGANISER, STEWARD, Role.STEWARD, RoleProblem.NO_CHANGE),
        (RESIDENT, RESIDENT, Role.STEWARD, RoleProblem.NOT_ALLOWED),
    ],
)
async def test_promotion_rules(roles, actor, target, role, kind):
    with pytest.raises(RoleProblem) as info:
        await roles.promote(actor, target, role, 1)
    assert info.value.kind == kind


async def test_a_steward_can_look_after_several_buildings(roles):
    await roles.promote(ORGANISER, STEWARD, Role.STEWARD, 2)
    assert await roles.stewarded_buildings(STEWARD) == {1, 2}


async def test_demotion_rules_and_audit(roles, db):
    with pytest.raises(RoleProblem):
        await roles.demote(STEWARD, ORGANISER)
    with pytest.raises(RoleProblem):
        await roles.demote(ORGANISER, ORGANISER)
    await roles.demote(ORGANISER, STEWARD)
    assert await roles.role_of(STEWARD) == Role.RESIDENT
    with pytest.raises(RoleProblem) as info:
        await roles.demote(ORGANISER, STEWARD)
    assert info.value.kind == RoleProblem.NO_CHANGE
    actions = [e["action"] for e in await AuditRepository(db).recent()]
    assert actions == ["role.demote", "role.promote", "role.promote"]
