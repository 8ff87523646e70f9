"""Resident sign-up: language -> consent -> name -> unit -> optional tenure -> done.

The state lives in the database (``signups``), so a resident can stop half-way and carry on
later, even after a restart, and go back a step at any time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.services.problems import Problem
from bot.services.text import TextProblem, normalise_unit, visible_text
from bot.storage.residents import Resident, ResidentsRepository, Signup

STEPS = ("language", "consent", "name", "unit", "tenure")
TENURES = ("renter", "owner", "assisted", "market", "undisclosed")
CONSENT_VERSION = "2026-11-25"
DISPLAY_NAME_MAX = 40
REMIND_AFTER = timedelta(hours=24)


class SignupProblem(Problem):
    NO_SIGNUP = "no_signup"  # nothing in progress (an old button)
    WRONG_STEP = "wrong_step"  # a button from another step
    ALREADY_RESIDENT = "already_resident"
    BANNED = "banned"
    BAD_NAME = "bad_name"
    BAD_UNIT = "bad_unit"
    BAD_TENURE = "bad_tenure"


@dataclass(frozen=True)
class Finished:
    resident: Resident
    crowded_unit: bool  # more residents in this unit than the building's limit: tell stewards


class SignupService:
    def __init__(
        self,
        repo: ResidentsRepository,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.repo = repo
        self.clock = clock

    async def current(self, user_id: int) -> Signup | None:
        return await self.repo.get_signup(user_id)

    async def resident(self, user_id: int) -> Resident | None:
        return await self.repo.get_resident(user_id)

    async def begin(
        self,
        user_id: int,
        building_id: int,
        *,
        invite_code: str | None = None,
        language_confirmed: bool = False,
    ) -> Signup:
        """Start (or restart) a sign-up for ``building_id``."""
        resident = await self.repo.get_resident(user_id)
        if resident is not None and resident.status == "banned":
            raise SignupProblem(SignupProblem.BANNED)
        if resident is not None and resident.status != "rejected":
            raise SignupProblem(SignupProblem.ALREADY_RESIDENT, resident.building_name)
        step = "consent" if language_confirmed else "language"
        await self.repo.start_signup(user_id, building_id, step, invite_code)
        return await self._require(user_id)

    async def _require(self, user_id: int, step: str | None = None) -> Signup:
        signup = await self.repo.get_signup(user_id)
        if signup is None:
            raise SignupProblem(SignupProblem.NO_SIGNUP)
        if step is not None and signup.step != step:
            raise SignupProblem(SignupProblem.WRONG_STEP, signup.step)
        return signup

    async def _advance(self, user_id: int, **fields: str | None) -> Signup:
        await self.repo.update_signup(user_id, **fields)
        return await self._require(user_id)

    async def confirm_language(self, user_id: int) -> Signup:
        await self._require(user_id, "language")
        return await self._advance(user_id, step="consent")

    async def consent(self, user_id: int, agreed: bool) -> Signup | None:
        """Agreeing records the version and time; refusing erases all but the refusal."""
        await self._require(user_id, "consent")
        if not agreed:
            await self.repo.refuse_consent(user_id, CONSENT_VERSION)
            return None
        now = self.clock().strftime("%Y-%m-%dT%H:%M:%SZ")
        return await self._advance(
            user_id, step="name", consent_version=CONSENT_VERSION, consent_at=now
        )

    async def set_name(self, user_id: int, raw: str) -> Signup:
        await self._require(user_id, "name")
        try:
            name = visible_text(raw, DISPLAY_NAME_MAX)
        except TextProblem as problem:
            raise SignupProblem(SignupProblem.BAD_NAME, problem.kind) from None
        return await self._advance(user_id, step="unit", display_name=name)

    async def set_unit(self, user_id: int, raw: str) -> Signup:
        await self._require(user_id, "unit")
        try:
            unit = normalise_unit(raw)
        except TextProblem as problem:
            raise SignupProblem(SignupProblem.BAD_UNIT, problem.kind) from None
        return await self._advance(user_id, step="tenure", unit=unit)

    async def finish(self, user_id: int, tenure: str) -> Finished:
        """The last answer: the sign-up becomes a resident, pending unless auto-approved."""
        if tenure not in TENURES:
            raise SignupProblem(SignupProblem.BAD_TENURE)
        signup = await self._require(user_id, "tenure")
        auto_approve, unit_limit = await self.repo.building_settings(signup.building_id)
        crowded = await self.repo.count_in_unit(signup.building_id, signup.unit) >= unit_limit
        status = "approved" if auto_approve and not crowded else "pending"
        await self.repo.finish_signup(signup, tenure, status)
        resident = await self.repo.get_resident(user_id)
        assert resident is not None
        return Finished(resident, crowded)

    async def back(self, user_id: int) -> Signup:
        signup = await self._require(user_id)
        index = STEPS.index(signup.step)
        return await self._advance(user_id, step=STEPS[max(index - 1, 0)])

    async def due_reminders(self) -> list[Signup]:
        """Sign-ups left unfinished for a day that have not been reminded yet."""
        cutoff = (self.clock() - REMIND_AFTER).strftime("%Y-%m-%dT%H:%M:%SZ")
        return await self.repo.unreminded_before(cutoff)

    async def reminded(self, user_id: int) -> None:
        """Only ever one reminder per sign-up (a new sign-up starts afresh)."""
        await self.repo.mark_reminded(user_id)

    async def export(self, user_id: int) -> dict:
        resident = await self.repo.get_resident(user_id)
        signup = await self.repo.get_signup(user_id)
        return {
            "resident": None
            if resident is None
            else {
                "building": resident.building_name,
                "display_name": resident.display_name,
                "unit": resident.unit,
                "tenure": resident.tenure,
                "status": resident.status,
                "signed_up": resident.created_at,
            },
            "signup_in_progress": None
            if signup is None
            else {"building": signup.building_name, "step": signup.step},
            "consent": await self.repo.consent_records(user_id),
        }

    async def erase(self, user_id: int) -> None:
        await self.repo.erase(user_id)
