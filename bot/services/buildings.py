"""Buildings (sites): organisers add, rename and archive them; every change is audited."""

from __future__ import annotations

from enum import Enum

from bot.numbers import parse_int
from bot.services.problems import Problem
from bot.services.text import TextProblem, visible_text
from bot.storage.buildings import Building, BuildingsRepository, DuplicateName

NAME_MAX = 60
UNIT_LIMIT_MAX = 50


class BuildingProblem(Problem):
    """A request that cannot be done, with a ``kind`` the handler turns into a message."""

    Kind = Enum("Kind", "EMPTY TOO_LONG DUPLICATE NOT_FOUND BAD_SETTING")


def clean_name(raw: str) -> str:
    try:
        return visible_text(raw, NAME_MAX)
    except TextProblem as problem:
        kind = (
            BuildingProblem.EMPTY if problem.kind == TextProblem.EMPTY else BuildingProblem.TOO_LONG
        )
        raise BuildingProblem(kind, str(NAME_MAX)) from None


class BuildingService:
    def __init__(self, repo: BuildingsRepository) -> None:
        self.repo = repo

    async def active(self) -> list[Building]:
        return await self.repo.list()

    async def listed(self) -> list[Building]:
        """The buildings an organiser chose to show to people who have no invite."""
        return [b for b in await self.repo.list() if b.listed]

    async def listed_building(self, building_id: int) -> Building:
        building = await self.repo.get(building_id)
        if building is None or not building.active or not building.listed:
            raise BuildingProblem(BuildingProblem.NOT_FOUND, str(building_id))
        return building

    async def set_listed(self, actor_id: int, building_id: int, on: bool) -> Building:
        """Show this building to people without an invite (they still wait for a steward)."""
        await self.repo.set_setting(actor_id, building_id, "listed", int(on))
        return await self.repo.get(building_id)

    async def resolve(self, ref: str) -> Building:
        """An active building named by number ("3", "#3") or by its exact name."""
        text = ref.strip().removeprefix("#")
        building = None
        number = parse_int(text)
        if number is not None:
            building = await self.repo.get(number)
        if building is None and text:
            building = await self.repo.find_active_by_name(" ".join(ref.split()))
        if building is None or not building.active:
            raise BuildingProblem(BuildingProblem.NOT_FOUND, ref.strip()[:NAME_MAX])
        return building

    async def add(self, actor_id: int, raw_name: str) -> Building:
        name = clean_name(raw_name)
        try:
            return await self.repo.add(actor_id, name)
        except DuplicateName:
            raise BuildingProblem(BuildingProblem.DUPLICATE, name) from None

    async def rename(self, actor_id: int, building_id: int, raw_name: str) -> Building:
        name = clean_name(raw_name)
        building = await self.repo.get(building_id)
        if building is None or not building.active:
            raise BuildingProblem(BuildingProblem.NOT_FOUND, str(building_id))
        try:
            await self.repo.rename(actor_id, building_id, name, building.name)
        except DuplicateName:
            raise BuildingProblem(BuildingProblem.DUPLICATE, name) from None
        return await self.repo.get(building_id)

    async def archive(self, actor_id: int, building_id: int) -> Building:
        building = await self.repo.get(building_id)
        if building is None or not await self.repo.archive(actor_id, building_id):
            raise BuildingProblem(BuildingProblem.NOT_FOUND, str(building_id))
        return building

    async def set_auto_approve(self, actor_id: int, building_id: int, on: bool) -> Building:
        """New residents of this building are approved at once (unless their unit is full)."""
        await self.repo.set_setting(actor_id, building_id, "auto_approve", int(on))
        return await self.repo.get(building_id)

    async def set_unit_limit(self, actor_id: int, building_id: int, limit: int) -> Building:
        """Above this many residents in one unit, a sign-up is flagged to stewards."""
        if not 1 <= limit <= UNIT_LIMIT_MAX:
            raise BuildingProblem(BuildingProblem.BAD_SETTING, str(UNIT_LIMIT_MAX))
        await self.repo.set_setting(actor_id, building_id, "unit_limit", limit)
        return await self.repo.get(building_id)
