"""Steward moderation: the approval queue, approve/reject/ban/unban, residents, audit.

Every decision checks, at the moment it is made, that the actor looks after the resident's
building and outranks them; harmful decisions need a reason; each one is audited in the same
transaction as the change.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from bot.i18n import N_
from bot.services.keys import Keys
from bot.services.problems import Problem
from bot.services.roles import Actor, RoleService
from bot.storage.audit import AuditRepository
from bot.storage.residents import Resident, ResidentsRepository

REASON_MAX = 200
# The reasons a steward picks with a button when turning a sign-up down (code: msgid).
REJECT_REASONS = {
    "notres": N_("Does not live in this building"),
    "dup": N_("Signed up twice"),
    "unit": N_("The unit does not match our records"),
}

# action: (statuses it applies to, new status, reason required)
ACTIONS: dict[str, tuple[tuple[str, ...], str, bool]] = {
    "approve": (("pending", "rejected"), "approved", False),
    "reject": (("pending",), "rejected", True),
    "ban": (("pending", "approved", "rejected"), "banned", True),
    "unban": (("banned",), "approved", False),
}


class ModerationProblem(Problem):
    """A decision that cannot be made. ``ALREADY``: nothing to do (already approved, not
    banned...), with who decided last."""

    Kind = Enum(
        "Kind",
        "UNKNOWN_PERSON NOT_RESIDENT NOT_YOUR_BUILDING SELF OUTRANKED REASON_REQUIRED ALREADY",
    )

    def __init__(
        self, kind: str, resident: Resident | None = None, decided_by: str | None = None
    ) -> None:
        super().__init__(kind, decided_by or "")
        self.resident = resident
        self.decided_by = decided_by  # ALREADY: who made the decision that stands


@dataclass(frozen=True)
class Pending:
    resident: Resident
    crowded_unit: bool


@dataclass(frozen=True)
class Decision:
    """A decision that was made (and audited): whom it was about, and the reason kept."""

    user_id: int
    name: str | None  # None: someone who erased their data (a ban trace lifted)
    building_id: int
    building_name: str
    group_chat_id: int | None
    reason: str | None


def clean_reason(reason: str | None) -> str | None:
    return " ".join((reason or "").split())[:REASON_MAX] or None


class ModerationService:
    def __init__(
        self,
        residents: ResidentsRepository,
        roles: RoleService,
        audit: AuditRepository,
        keys: Keys,
    ) -> None:
        self.residents = residents
        self.roles = roles
        self.audit = audit
        self.keys = keys

    async def pending(self, actor: Actor, limit: int = 10) -> tuple[list[Pending], int]:
        """The first ``limit`` sign-ups waiting in the actor's buildings, and how many wait."""
        buildings = actor.buildings
        waiting = await self.residents.list_residents(buildings, ("pending",), limit)
        result = []
        for resident in waiting:
            _auto, unit_limit = await self.residents.building_settings(resident.building_id)
            count = await self.residents.count_in_unit(resident.building_id, resident.unit)
            result.append(Pending(resident, count > unit_limit))
        return result, await self.residents.count_residents(buildings, ("pending",))

    async def residents_of(
        self, actor: Actor, building_id: int | None = None, *, limit: int = 50, offset: int = 0
    ) -> tuple[list[Resident], int]:
        """A page of the residents of the actor's buildings, and how many there are."""
        buildings = actor.buildings
        if building_id is not None:
            if not actor.looks_after(building_id):
                raise ModerationProblem(ModerationProblem.NOT_YOUR_BUILDING)
            buildings = frozenset({building_id})
        statuses = ("approved", "pending")
        page = await self.residents.list_residents(buildings, statuses, limit, offset)
        return page, await self.residents.count_residents(buildings, statuses)

    async def decide(
        self,
        actor_id: int,
        target_id: int,
        action: str,
        reason: str | None = None,
        *,
        building_id: int | None = None,
    ) -> Decision:
        """Apply ``action`` to the resident, checking every precondition (the actor's rights
        now, the resident's status now) inside the transaction that writes the change and its
        audit entry, so of two racing decisions only the first acts. ``building_id`` limits
        the decision to that building (a decision made in a building's group)."""
        statuses, new_status, needs_reason = ACTIONS[action]
        reason = clean_reason(reason)
        if actor_id == target_id:
            raise ModerationProblem(ModerationProblem.SELF)
        await self.keys.load()
        async with self.residents.transaction() as tx:
            resident = await self.residents.get_resident(target_id, tx)
            if action == "unban" and (resident is None or resident.status != "banned"):
                # someone who erased their data while banned (and may live elsewhere now)
                lifted = await self._lift_trace(tx, actor_id, target_id)
                if lifted is not None:
                    return lifted
            if resident is None:
                raise ModerationProblem(ModerationProblem.NOT_RESIDENT)
            if building_id is not None and resident.building_id != building_id:
                raise ModerationProblem(ModerationProblem.NOT_YOUR_BUILDING, resident)
            actor = await self.roles.actor(actor_id, tx)  # as it is now, in this transaction
            if not actor.looks_after(resident.building_id):
                raise ModerationProblem(ModerationProblem.NOT_YOUR_BUILDING, resident)
            if await self.roles.role_of(target_id, tx) >= actor.role:
                raise ModerationProblem(ModerationProblem.OUTRANKED, resident)
            if needs_reason and not reason:
                raise ModerationProblem(ModerationProblem.REASON_REQUIRED, resident)
            if not await self.residents.set_status(
                tx, actor_id, resident, new_status, f"resident.{action}", reason, statuses
            ):
                decided_by = await self.audit.last_decider(target_id, tx)
                raise ModerationProblem(ModerationProblem.ALREADY, resident, decided_by)
        return Decision(
            resident.user_id,
            resident.display_name,
            resident.building_id,
            resident.building_name,
            resident.group_chat_id,
            reason,
        )

    async def _lift_trace(self, tx, actor_id: int, target_id: int) -> Decision | None:
        """/unban of someone who erased their data while banned: the ban trace of a building
        the actor looks after is removed."""
        for building_id, name, group_chat_id in await self.residents.trace_buildings(tx):
            trace = await self.keys.ban_trace(target_id, building_id)
            if not await self.residents.has_ban_trace(trace, tx):
                continue
            if not await self.roles.can_moderate(actor_id, building_id, tx):
                raise ModerationProblem(ModerationProblem.NOT_YOUR_BUILDING)
            await self.residents.lift_ban_trace(tx, actor_id, trace, target_id)
            return Decision(target_id, None, building_id, name, group_chat_id, None)
        return None

    async def recent_audit(self, actor: Actor, limit: int = 10, offset: int = 0) -> list[dict]:
        """The latest audited actions in the buildings the actor looks after."""
        return await self.audit.recent(actor.buildings, limit, offset)
