"""Steward moderation: the approval queue, approve/reject/ban/unban, residents, audit.

Every decision checks, at the moment it is made, that the actor looks after the resident's
building and outranks them; harmful decisions need a reason; each one is audited in the same
transaction as the change.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.services.problems import Problem
from bot.services.roles import RoleProblem, RoleService
from bot.storage.audit import AuditRepository
from bot.storage.residents import Resident, ResidentsRepository

REASON_MAX = 200

# action: (statuses it applies to, new status, reason required)
ACTIONS: dict[str, tuple[tuple[str, ...], str, bool]] = {
    "approve": (("pending", "rejected"), "approved", False),
    "reject": (("pending",), "rejected", True),
    "ban": (("pending", "approved", "rejected"), "banned", True),
    "unban": (("banned",), "approved", False),
}


class ModerationProblem(Problem):
    UNKNOWN_PERSON = "unknown_person"
    NOT_RESIDENT = "not_resident"
    NOT_YOUR_BUILDING = "not_your_building"
    SELF = "self"
    OUTRANKED = "outranked"
    REASON_REQUIRED = "reason_required"
    ALREADY = "already"  # nothing to do: already approved, not banned...

    def __init__(self, kind: str, resident: Resident | None = None) -> None:
        super().__init__(kind)
        self.resident = resident


@dataclass(frozen=True)
class Pending:
    resident: Resident
    crowded_unit: bool


class ModerationService:
    def __init__(
        self, residents: ResidentsRepository, roles: RoleService, audit: AuditRepository
    ) -> None:
        self.residents = residents
        self.roles = roles
        self.audit = audit

    async def pending(self, actor_id: int, limit: int = 10) -> list[Pending]:
        buildings = await self.roles.stewarded_buildings(actor_id)
        waiting = await self.residents.list_residents(buildings, ("pending",), limit)
        result = []
        for resident in waiting:
            _auto, unit_limit = await self.residents.building_settings(resident.building_id)
            count = await self.residents.count_in_unit(resident.building_id, resident.unit)
            result.append(Pending(resident, count > unit_limit))
        return result

    async def residents_of(self, actor_id: int, building_id: int | None = None) -> list[Resident]:
        buildings = await self.roles.stewarded_buildings(actor_id)
        if building_id is not None:
            if buildings is not None and building_id not in buildings:
                raise ModerationProblem(ModerationProblem.NOT_YOUR_BUILDING)
            buildings = {building_id}
        return await self.residents.list_residents(buildings, ("approved", "pending"), 100)

    async def decide(
        self, actor_id: int, target_id: int, action: str, reason: str | None = None
    ) -> Resident:
        """Apply ``action`` to the resident; returns them as they were before."""
        statuses, new_status, needs_reason = ACTIONS[action]
        reason = " ".join((reason or "").split())[:REASON_MAX] or None
        if actor_id == target_id:
            raise ModerationProblem(ModerationProblem.SELF)
        resident = await self.residents.get_resident(target_id)
        if resident is None:
            raise ModerationProblem(ModerationProblem.NOT_RESIDENT)
        if not await self.roles.can_moderate(actor_id, resident.building_id):
            raise ModerationProblem(ModerationProblem.NOT_YOUR_BUILDING, resident)
        try:
            await self.roles.check_can_act_on(actor_id, target_id)
        except RoleProblem:
            raise ModerationProblem(ModerationProblem.OUTRANKED, resident) from None
        if needs_reason and not reason:
            raise ModerationProblem(ModerationProblem.REASON_REQUIRED, resident)
        if resident.status not in statuses:
            raise ModerationProblem(ModerationProblem.ALREADY, resident)
        await self.residents.set_status(
            actor_id, resident, new_status, f"resident.{action}", reason
        )
        return resident

    async def recent_audit(self, actor_id: int, limit: int = 10) -> list[dict]:
        """The latest audited actions in the buildings the actor looks after."""
        buildings = await self.roles.stewarded_buildings(actor_id)
        return await self.audit.recent(buildings, limit)
