"""Role rules without Telegram: who may grant what, and to whom."""

import pytest

from bot.services.roles import Role, RoleProblem
from bot.storage.audit import AuditRepository
from tests.unit.conftest import ADMIN, ORGANISER, RESIDENT, STEWARD


@pytest.fixture
def db(people_db):
    return people_db


@pytest.fixture
def roles(named_roles):
    return named_roles


async def test_roles_and_scopes(roles):
    assert [await roles.role_of(u) for u in (ADMIN, ORGANISER, STEWARD, RESIDENT)] == [
        Role.ADMIN,
        Role.ORGANISER,
        Role.STEWARD,
        Role.RESIDENT,
    ]
    assert (await roles.actor(STEWARD)).buildings == {1}
    assert (await roles.actor(ORGANISER)).buildings is None
    assert (await roles.actor(RESIDENT)).buildings == set()
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
    assert (await roles.actor(STEWARD)).buildings == {1, 2}


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
