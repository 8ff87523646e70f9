"""Building groups: linking a Telegram group to a building, who may join it, and the rules
for /warn, /mute and /ban there. Telegram's own admin check happens in the handler (it needs
the Bot API); everything else is decided here."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum

from bot.services.problems import Problem
from bot.services.roles import RoleService
from bot.storage.groups import GroupsRepository
from bot.storage.residents import ResidentsRepository

WARN_LIMIT = 3  # this many warnings in a group...
WARN_MUTE = timedelta(days=1)  # ...mute the member for this long
DEFAULT_MUTE = timedelta(hours=1)
MAX_MUTE = timedelta(days=366)
REASON_MAX = 200
_DURATION = re.compile(r"^([0-9]{1,4})\s*([mhdw])$", re.IGNORECASE)
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


class GroupProblem(Problem):
    class Kind(Enum):
        NOT_LINKED = "not_linked"  # this group is not a building's group
        NOT_STEWARD = "not_steward"  # the sender does not look after this building
        BAD_DURATION = "bad_duration"


@dataclass(frozen=True)
class GroupBuilding:
    id: int
    name: str


@dataclass(frozen=True)
class Warned:
    count: int
    mute_for: timedelta | None  # set when this warning reached the limit


def parse_duration(text: str | None) -> timedelta:
    """ "30m", "2h", "1d", "1w" (default one hour); at most a year, as Telegram allows."""
    if not text:
        return DEFAULT_MUTE
    match = _DURATION.match(text.strip())
    if not match:
        raise GroupProblem(GroupProblem.BAD_DURATION)
    duration = timedelta(**{_UNITS[match.group(2).lower()]: int(match.group(1))})
    if not timedelta(minutes=1) <= duration <= MAX_MUTE:
        raise GroupProblem(GroupProblem.BAD_DURATION)
    return duration


def split_duration(words: list[str]) -> tuple[timedelta, list[str]]:
    """/mute's words: "2h reason..." or "reason..." (an hour), and the words after the duration.
    A first word starting with a digit is a duration, so "/mute 90x" is a mistyped one."""
    timed = bool(words) and words[0][:1].isascii() and words[0][:1].isdigit()
    if not timed:
        return DEFAULT_MUTE, words
    return parse_duration(words[0]), words[1:]


def clean_reason(words: list[str]) -> str | None:
    return " ".join(" ".join(words).split())[:REASON_MAX] or None


class GroupService:
    def __init__(
        self, repo: GroupsRepository, residents: ResidentsRepository, roles: RoleService
    ) -> None:
        self.repo = repo
        self.residents = residents
        self.roles = roles

    async def building_of(self, chat_id: int) -> GroupBuilding | None:
        found = await self.repo.building_of(chat_id)
        return None if found is None else GroupBuilding(*found)

    async def link(self, actor_id: int, building_id: int, chat_id: int) -> None:
        if not await self.roles.can_moderate(actor_id, building_id):
            raise GroupProblem(GroupProblem.NOT_STEWARD)
        await self.repo.link(actor_id, building_id, chat_id)

    async def may_join(self, user_id: int, chat_id: int) -> tuple[bool, GroupBuilding | None]:
        """Only approved residents of the group's building are let in."""
        building = await self.building_of(chat_id)
        if building is None:
            return False, None
        resident = await self.residents.get_resident(user_id)
        ok = (
            resident is not None
            and resident.building_id == building.id
            and resident.status == "approved"
        )
        return ok, building

    async def moderator_building(self, actor_id: int, chat_id: int) -> GroupBuilding:
        """The building whose group this is, if ``actor_id`` looks after it."""
        building = await self.building_of(chat_id)
        if building is None:
            raise GroupProblem(GroupProblem.NOT_LINKED)
        if not await self.roles.can_moderate(actor_id, building.id):
            raise GroupProblem(GroupProblem.NOT_STEWARD)
        return building

    async def warn(
        self,
        actor_id: int,
        building: GroupBuilding,
        chat_id: int,
        user_id: int,
        reason: str | None,
        message_id: int | None = None,
    ) -> Warned:
        """Record a warning (once per /warn message: a replay adds nothing); the warning that
        reaches the limit also mutes the member (and that is audited)."""
        await self.roles.check_can_act_on(actor_id, user_id)
        count, added = await self.repo.add_warning(
            actor_id, building.id, chat_id, user_id, reason, message_id
        )
        mute_for = WARN_MUTE if added and count >= WARN_LIMIT else None
        if mute_for is not None:
            await self._record_mute(actor_id, building, user_id, reason, mute_for, count)
        return Warned(count, mute_for)

    async def mute(
        self,
        actor_id: int,
        building: GroupBuilding,
        user_id: int,
        reason: str,
        duration: timedelta,
    ) -> None:
        """Check that the sender outranks the member, and audit the mute (before Telegram is
        asked to do it)."""
        await self.roles.check_can_act_on(actor_id, user_id)
        await self._record_mute(actor_id, building, user_id, reason, duration)

    async def _record_mute(
        self,
        actor_id: int,
        building: GroupBuilding,
        user_id: int,
        reason: str | None,
        duration: timedelta,
        after_warnings: int | None = None,
    ) -> None:
        details: dict = {"seconds": int(duration.total_seconds())}
        if after_warnings is not None:
            details["after_warnings"] = after_warnings
        await self.record(actor_id, "group.mute", building, user_id, reason, details)

    async def ban(self, actor_id: int, building: GroupBuilding, user_id: int, reason: str) -> None:
        """Check that the sender outranks the member, and audit the removal from the group
        (before Telegram is asked to do it)."""
        await self.roles.check_can_act_on(actor_id, user_id)
        await self.record(actor_id, "group.ban", building, user_id, reason)

    async def record(
        self,
        actor_id: int,
        action: str,
        building: GroupBuilding,
        user_id: int,
        reason: str | None,
        details: dict | None = None,
    ) -> None:
        await self.repo.record(actor_id, action, building.id, user_id, reason, details)

    async def warnings_of(self, user_id: int) -> list[dict]:
        """Warnings given to this person in building groups (for /mydata)."""
        return await self.repo.warnings_of(user_id)
