"""Who may do what.

Roles, highest first: admin (from ``BOT_ADMIN_IDS``), organiser (every building), steward (of
one or more buildings), resident. A higher role may do everything a lower one may. Nobody
acts on themselves or on someone of their own or a higher role.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, IntEnum

from bot.services.problems import Problem
from bot.storage.db import Queries
from bot.storage.roles import RolesRepository


class Role(IntEnum):
    RESIDENT = 1
    STEWARD = 2
    ORGANISER = 3
    ADMIN = 4


class RoleProblem(Problem):
    class Kind(Enum):
        SELF = "self"  # acting on yourself
        OUTRANKED = "outranked"  # the target's role is the same or higher
        NOT_ALLOWED = "not_allowed"  # the actor may not grant that role
        NO_CHANGE = "no_change"


@dataclass(frozen=True)
class Actor:
    """Who is acting, read once (one query): their role, and the buildings they look after
    (``None``: all of them). A decision that writes checks again inside its transaction."""

    id: int
    role: Role
    buildings: frozenset[int] | None

    def looks_after(self, building_id: int) -> bool:
        return self.buildings is None or building_id in self.buildings

    def manages(self, targets) -> bool:
        """Whether they may manage something meant for ``targets`` (building ids; None: every
        building) *now*: organisers anything, stewards only what lies wholly within the
        buildings they look after (having created it gives nothing once moved elsewhere)."""
        if self.role >= Role.ORGANISER:
            return True
        return (
            self.role >= Role.STEWARD
            and targets is not None
            and set(targets) <= set(self.buildings or ())
        )


class RoleService:
    def __init__(self, repo: RolesRepository, admin_ids: frozenset[int]) -> None:
        self.repo = repo
        self.admin_ids = admin_ids

    async def actor(self, user_id: int, q: Queries | None = None) -> Actor:
        held = await self.repo.roles_of(user_id, q)
        names = {role for role, _building in held}
        if user_id in self.admin_ids:
            role = Role.ADMIN
        elif "organiser" in names:
            role = Role.ORGANISER
        elif "steward" in names:
            role = Role.STEWARD
        else:
            role = Role.RESIDENT
        buildings = None
        if role < Role.ORGANISER:
            buildings = frozenset(b for name, b in held if name == "steward" and b)
        return Actor(user_id, role, buildings)

    async def role_of(self, user_id: int, q: Queries | None = None) -> Role:
        if user_id in self.admin_ids:
            return Role.ADMIN
        return (await self.actor(user_id, q)).role

    async def who_looks_after(self, building_id: int) -> list[int]:
        """Whom to tell about something in a building: its stewards, or if it has none yet,
        the organisers and admins."""
        stewards = await self.repo.holders("steward", building_id)
        if stewards:
            return stewards
        return sorted(set(await self.repo.holders("organiser")) | self.admin_ids)

    async def can_moderate(self, user_id: int, building_id: int, q: Queries | None = None) -> bool:
        return (await self.actor(user_id, q)).looks_after(building_id)

    async def check_can_act_on(
        self, actor_id: int, target_id: int, q: Queries | None = None
    ) -> None:
        """Raise unless ``actor_id`` outranks ``target_id`` (and they are different people)."""
        if actor_id == target_id:
            raise RoleProblem(RoleProblem.SELF)
        if await self.role_of(target_id, q) >= await self.role_of(actor_id, q):
            raise RoleProblem(RoleProblem.OUTRANKED)

    async def promote(
        self, actor_id: int, target_id: int, role: Role, building_id: int | None = None
    ) -> None:
        """Stewards are named by organisers and admins; organisers only by admins. The actor's
        rights are checked in the transaction that grants the role (a demotion racing it wins
        or loses as a whole)."""
        name = "organiser" if role == Role.ORGANISER else "steward"
        async with self.repo.db.transaction() as tx:
            if role not in (Role.STEWARD, Role.ORGANISER) or role >= await self.role_of(
                actor_id, tx
            ):
                raise RoleProblem(RoleProblem.NOT_ALLOWED)
            await self.check_can_act_on(actor_id, target_id, tx)
            scope = building_id if role == Role.STEWARD else None
            if not await self.repo.grant(actor_id, target_id, name, scope, tx):
                raise RoleProblem(RoleProblem.NO_CHANGE)

    async def demote(self, actor_id: int, target_id: int) -> None:
        """Back to resident. Only someone of a higher role may do it (checked in the write)."""
        async with self.repo.db.transaction() as tx:
            await self.check_can_act_on(actor_id, target_id, tx)
            if not await self.repo.revoke_all(actor_id, target_id, tx):
                raise RoleProblem(RoleProblem.NO_CHANGE)
