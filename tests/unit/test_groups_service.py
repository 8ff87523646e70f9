"""Building-group rules without Telegram: /mute's words, and who may mute or remove whom."""

import json
from datetime import timedelta

import pytest

from bot.services.groups import (
    DEFAULT_MUTE,
    GroupBuilding,
    GroupProblem,
    GroupService,
    split_duration,
)
from bot.services.roles import RoleProblem
from bot.storage.groups import GroupsRepository
from bot.storage.residents import ResidentsRepository
from tests.unit.conftest import ADMIN, ORGANISER, RESIDENT, STEWARD

BUILDING = GroupBuilding(1, "A")


@pytest.mark.parametrize(
    ("words", "duration", "rest"),
    [
        (["2h", "be", "kind"], timedelta(hours=2), ["be", "kind"]),
        (["be", "kind"], DEFAULT_MUTE, ["be", "kind"]),
        (["1w"], timedelta(weeks=1), []),
        ([], DEFAULT_MUTE, []),
    ],
)
def test_mute_words_start_with_an_optional_duration(words, duration, rest):
    assert split_duration(words) == (duration, rest)


@pytest.mark.parametrize("first", ["90x", "0m", "9999w"])
def test_a_first_word_starting_with_a_digit_must_be_a_valid_duration(first):
    with pytest.raises(GroupProblem) as info:
        split_duration([first, "spam"])
    assert info.value.kind == GroupProblem.BAD_DURATION


@pytest.fixture
def db(people_db):
    return people_db


@pytest.fixture
def groups(people_db, named_roles):
    return GroupService(GroupsRepository(people_db), ResidentsRepository(people_db), named_roles)


async def group_audit(db) -> list[tuple]:
    rows = await db.fetch_all(
        "SELECT action, (SELECT user_id FROM person_keys WHERE pseudonym = actor_id), "
        "(SELECT user_id FROM person_keys WHERE pseudonym = subject_id), reason, details "
        "FROM audit_log WHERE action LIKE 'group.%' ORDER BY id"
    )
    return [(r[0], r[1], r[2], r[3], json.loads(r[4]) if r[4] else None) for r in rows]


async def test_mute_and_ban_are_audited(db, groups):
    await groups.mute(STEWARD, BUILDING, RESIDENT, "spam", timedelta(hours=2))
    await groups.ban(STEWARD, BUILDING, RESIDENT, "spam again")
    assert await group_audit(db) == [
        ("group.mute", STEWARD, RESIDENT, "spam", {"seconds": 7200}),
        ("group.ban", STEWARD, RESIDENT, "spam again", None),
    ]


@pytest.mark.parametrize(
    ("actor", "target", "kind"),
    [
        (STEWARD, STEWARD, RoleProblem.SELF),
        (STEWARD, ORGANISER, RoleProblem.OUTRANKED),
        (ORGANISER, ADMIN, RoleProblem.OUTRANKED),
    ],
)
async def test_nobody_mutes_or_removes_themselves_or_a_higher_role(db, groups, actor, target, kind):
    with pytest.raises(RoleProblem) as info:
        await groups.mute(actor, BUILDING, target, "spam", DEFAULT_MUTE)
    assert info.value.kind == kind
    with pytest.raises(RoleProblem) as info:
        await groups.ban(actor, BUILDING, target, "spam")
    assert info.value.kind == kind
    assert await group_audit(db) == []  # a refusal writes nothing
