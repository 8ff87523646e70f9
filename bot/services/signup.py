"""Resident sign-up: language -> consent -> name -> unit -> optional tenure -> optional
affordability -> done.

The state lives in the database (``signups``), so a resident can stop half-way and carry on
later, even after a restart, and go back a step at any time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import Enum

from bot.clock import Clock, system_clock, to_db
from bot.services.awaiting import AwaitingService
from bot.services.keys import Keys
from bot.services.problems import Problem
from bot.services.text import TextProblem, normalise_unit, visible_text
from bot.storage.awaiting import AwaitingRepository
from bot.storage.residents import Resident, ResidentsRepository, ResidentStatus, Signup
from bot.storage.settings import SettingsRepository

STEPS = ("language", "consent", "name", "unit", "tenure", "affordability")
TYPED_STEPS = ("name", "unit")
ASK = "signup"  # the kind of typed answer a sign-up waits for (services/awaiting.py)
TENURES = ("renter", "owner", "other", "undisclosed")
# the kind of home, apart from renting or owning: an assisted or subsidised unit, a market-rate
# unit, "don't know", "prefer not to say"
AFFORDABILITIES = ("assisted", "market", "unknown", "undisclosed")
# the single question's answers before migration 0017, still on keyboards sent before it: the
# sign-up then skips the tenure question and takes them as the affordability answer
LEGACY_TENURES = ("assisted", "market")
SKIP = "skip"  # the sign-up's "Skip" button on the two optional questions (stored as NULL)
CONSENT_VERSION = "2026-11-25"
DISPLAY_NAME_MAX = 40
REMIND_AFTER = timedelta(hours=24)


class SignupProblem(Problem):
    class Kind(Enum):
        NO_SIGNUP = "no_signup"  # nothing in progress (an old button)
        WRONG_STEP = "wrong_step"  # a button from another step
        ALREADY_RESIDENT = "already_resident"
        BANNED = "banned"
        BAD_NAME = "bad_name"
        BAD_UNIT = "bad_unit"
        BAD_TENURE = "bad_tenure"
        BAD_AFFORDABILITY = "bad_affordability"

    QUIET = frozenset({Kind.NO_SIGNUP, Kind.WRONG_STEP})


@dataclass(frozen=True)
class Refused:
    """Consent refused: everything but the refusal is gone (the account too, unless the person
    holds a role or a membership, which only the role and moderation commands change)."""

    kept_account: bool


@dataclass(frozen=True)
class Finished:
    resident: Resident
    crowded_unit: bool  # more residents in this unit than the building's limit: tell stewards
    turned_down_before: bool = False  # a steward rejected them once: a steward looks again


class SignupService:
    def __init__(
        self,
        repo: ResidentsRepository,
        clock: Clock = system_clock,
        keys: Keys | None = None,
        awaiting: AwaitingService | None = None,
    ) -> None:
        self.repo = repo
        self.clock = clock
        self.keys = keys or Keys(SettingsRepository(repo.db))
        self.awaiting = awaiting or AwaitingService(AwaitingRepository(repo.db), clock)

    async def _expect_typing(self, user_id: int, step: str | None) -> None:
        """The name and unit steps wait for typed text; the other steps for a button."""
        if step in TYPED_STEPS:
            await self.awaiting.ask(user_id, ASK)
        else:
            await self.awaiting.close(user_id, ASK)

    def _now(self) -> str:
        return to_db(self.clock())

    async def current(self, user_id: int) -> Signup | None:
        return await self.repo.get_signup(user_id)

    async def resident(self, user_id: int) -> Resident | None:
        return await self.repo.get_resident(user_id)

    async def _refuse_if_banned(self, tx, user_id: int, building_id: int, trace: str) -> None:
        resident = await self.repo.get_resident(user_id, tx)
        if resident is not None and resident.status == "banned":
            raise SignupProblem(SignupProblem.BANNED)
        if await self.repo.has_ban_trace(trace, tx):
            raise SignupProblem(SignupProblem.BANNED)

    async def begin(
        self,
        user_id: int,
        building_id: int,
        *,
        invite_code: str | None = None,
        language_confirmed: bool = False,
    ) -> Signup:
        """Start a sign-up for ``building_id`` (one already under way there is resumed)."""
        trace = await self.keys.ban_trace(user_id, building_id)
        async with self.repo.transaction() as tx:
            await self._refuse_if_banned(tx, user_id, building_id, trace)
            resident = await self.repo.get_resident(user_id, tx)
            if resident is not None and resident.status != "rejected":
                raise SignupProblem(SignupProblem.ALREADY_RESIDENT, resident.building_name)
            step = "consent" if language_confirmed else "language"
            await self.repo.start_signup(tx, user_id, building_id, step, invite_code)
            signup = await self.repo.get_signup(user_id, tx)
        assert signup is not None
        await self._expect_typing(user_id, signup.step)
        return signup

    async def begin_signed(self, user_id: int, building_id: int, signature: str) -> Signup:
        """The sign-up button sent to someone whose request to join a building's group was
        declined: it names that building, for that person only (signed)."""
        if not await self.keys.verify(signature, "join", user_id, building_id):
            raise SignupProblem(SignupProblem.NO_SIGNUP)
        return await self.begin(user_id, building_id, language_confirmed=True)

    async def join_signature(self, user_id: int, building_id: int) -> str:
        return await self.keys.sign("join", user_id, building_id)

    async def _require(self, user_id: int, step: str | None = None) -> Signup:
        signup = await self.repo.get_signup(user_id)
        if signup is None:
            raise SignupProblem(SignupProblem.NO_SIGNUP)
        if step is not None and signup.step != step:
            raise SignupProblem(SignupProblem.WRONG_STEP, signup.step)
        return signup

    async def _advance(self, user_id: int, from_step: str, **fields: str | None) -> Signup:
        """Move on from ``from_step``, only if the sign-up is still there (checked in the
        write itself, so a double press moves it once)."""
        if not await self.repo.update_signup(user_id, from_step, **fields):
            await self._require(user_id, from_step)  # says what is wrong
            raise SignupProblem(SignupProblem.WRONG_STEP)
        signup = await self._require(user_id)
        await self._expect_typing(user_id, signup.step)
        return signup

    async def confirm_language(self, user_id: int) -> Signup:
        await self._require(user_id, "language")
        return await self._advance(user_id, "language", step="consent")

    async def consent(self, user_id: int, agreed: bool) -> Signup | Refused:
        """Agreeing records the version and time; refusing erases all but the refusal."""
        await self._require(user_id, "consent")
        if not agreed:
            kept = await self.repo.refuse_consent(user_id, CONSENT_VERSION)
            if kept is None:
                raise SignupProblem(SignupProblem.NO_SIGNUP)
            await self._expect_typing(user_id, None)
            return Refused(kept)
        return await self._advance(
            user_id, "consent", step="name", consent_version=CONSENT_VERSION, consent_at=self._now()
        )

    async def set_name(self, user_id: int, raw: str) -> Signup:
        await self._require(user_id, "name")
        try:
            name = visible_text(raw, DISPLAY_NAME_MAX)
        except TextProblem as problem:
            raise SignupProblem(SignupProblem.BAD_NAME, problem.kind) from None
        return await self._advance(user_id, "name", step="unit", display_name=name)

    async def set_unit(self, user_id: int, raw: str) -> Signup:
        await self._require(user_id, "unit")
        try:
            unit = normalise_unit(raw)
        except TextProblem as problem:
            raise SignupProblem(SignupProblem.BAD_UNIT, problem.kind) from None
        return await self._advance(user_id, "unit", step="tenure", unit=unit)

    async def set_tenure(self, user_id: int, tenure: str | None) -> Signup:
        """The first optional question (None, or ``skip``: not answered)."""
        tenure = None if tenure == SKIP else tenure
        if tenure is not None and tenure not in TENURES:
            raise SignupProblem(SignupProblem.BAD_TENURE)
        await self._require(user_id, "tenure")
        return await self._advance(user_id, "tenure", step="affordability", tenure=tenure)

    async def finish(self, user_id: int, affordability: str | None) -> Finished:
        """The last answer: the sign-up becomes a resident. Approved at once only in a building
        that approves automatically, for a sign-up that came from a still-valid invite of that
        building, in a unit that is not already full, by someone no steward turned down before;
        otherwise a steward decides."""
        affordability = None if affordability == SKIP else affordability
        if affordability is not None and affordability not in AFFORDABILITIES:
            raise SignupProblem(SignupProblem.BAD_AFFORDABILITY)
        signup = await self._require(user_id, "affordability")
        trace = await self.keys.ban_trace(user_id, signup.building_id)
        async with self.repo.transaction() as tx:
            signup = await self.repo.get_signup(user_id, tx)
            if signup is None or signup.step != "affordability":  # a second press of the last
                raise SignupProblem(SignupProblem.NO_SIGNUP)
            trace = await self.keys.ban_trace(user_id, signup.building_id)  # the key is loaded
            await self._refuse_if_banned(tx, user_id, signup.building_id, trace)
            auto_approve, unit_limit = await self.repo.building_settings(signup.building_id, tx)
            crowded = (
                await self.repo.count_in_unit(signup.building_id, signup.unit, tx) >= unit_limit
            )
            invited = await self.repo.invite_still_valid(
                signup.invite_code, signup.building_id, self._now(), tx
            )
            before = await self.repo.get_resident(user_id, tx)
            rejected = before is not None and before.status == ResidentStatus.REJECTED
            automatic = auto_approve and invited and not crowded and not rejected
            status = ResidentStatus.APPROVED if automatic else ResidentStatus.PENDING
            if not await self.repo.finish_signup(tx, signup, affordability, status):
                # a decision about them was made meanwhile: it stands
                existing = await self.repo.get_resident(user_id, tx)
                if existing is not None and existing.status == "banned":
                    raise SignupProblem(SignupProblem.BANNED)
                raise SignupProblem(SignupProblem.ALREADY_RESIDENT, signup.building_name)
            resident = await self.repo.get_resident(user_id, tx)
        assert resident is not None
        await self._expect_typing(user_id, None)
        return Finished(resident, crowded, rejected)

    async def back(self, user_id: int) -> Signup:
        signup = await self._require(user_id)
        index = STEPS.index(signup.step)
        return await self._advance(user_id, signup.step, step=STEPS[max(index - 1, 0)])

    async def due_reminders(self) -> list[Signup]:
        """Sign-ups left unfinished for a day that have not been reminded yet."""
        cutoff = to_db(self.clock() - REMIND_AFTER)
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
                "affordability": resident.affordability,
                "status": resident.status,
                "signed_up": resident.created_at,
            },
            "signup_in_progress": None
            if signup is None
            else {"building": signup.building_name, "step": signup.step},
            "consent": await self.repo.consent_records(user_id),
        }

    async def erase(self, user_id: int) -> None:
        """Everything about the person goes, except that a ban is kept as a keyed hash of
        (their Telegram id, the building): /forget must not undo a ban."""
        await self.keys.load()
        async with self.repo.transaction() as tx:
            resident = await self.repo.get_resident(user_id, tx)
            trace = None
            if resident is not None and resident.status == "banned":
                building = resident.building_id
                trace = (await self.keys.ban_trace(user_id, building), building)
            await self.repo.erase(tx, user_id, trace)
