"""/profile: residents change their answers (name, unit, tenure, affordability) after signing
up."""

from __future__ import annotations

from datetime import timedelta

from bot.services.awaiting import AwaitingService
from bot.services.signup import AFFORDABILITIES, DISPLAY_NAME_MAX, TENURES, SignupProblem
from bot.services.text import TextProblem, normalise_unit, visible_text
from bot.storage.residents import Resident, ResidentsRepository

FIELDS = ("name", "unit")
ASKS = tuple(f"profile.{field}" for field in FIELDS)  # the typed answers /profile waits for
EDIT_LASTS = timedelta(days=1)  # a "Change my name" left unanswered lapses after a day


class ProfileService:
    def __init__(self, repo: ResidentsRepository, awaiting: AwaitingService) -> None:
        self.repo = repo
        self.awaiting = awaiting

    async def get(self, user_id: int) -> Resident | None:
        return await self.repo.get_resident(user_id)

    async def start_edit(self, user_id: int, field: str) -> None:
        if field not in FIELDS or await self.repo.get_resident(user_id) is None:
            raise SignupProblem(SignupProblem.NO_SIGNUP)
        await self.awaiting.ask(user_id, f"profile.{field}", lasts=EDIT_LASTS)

    async def cancel_edit(self, user_id: int) -> None:
        for kind in ASKS:
            await self.awaiting.close(user_id, kind)

    async def apply_text(self, user_id: int, field: str, text: str) -> Resident:
        """The typed new name or unit; the question stays open when the answer is refused."""
        try:
            if field == "name":
                await self.repo.update_profile(
                    user_id, display_name=visible_text(text, DISPLAY_NAME_MAX)
                )
            elif field == "unit":
                await self.repo.update_profile(user_id, unit=normalise_unit(text))
            else:
                raise SignupProblem(SignupProblem.NO_SIGNUP)
        except TextProblem as problem:
            kind = SignupProblem.BAD_NAME if field == "name" else SignupProblem.BAD_UNIT
            raise SignupProblem(kind, problem.kind) from None
        await self.awaiting.close(user_id, f"profile.{field}")
        return await self.repo.get_resident(user_id)

    async def set_tenure(self, user_id: int, tenure: str) -> Resident:
        if tenure not in TENURES or await self.repo.get_resident(user_id) is None:
            raise SignupProblem(SignupProblem.BAD_TENURE)
        await self.repo.update_profile(user_id, tenure=tenure)
        return await self.repo.get_resident(user_id)

    async def set_affordability(self, user_id: int, affordability: str) -> Resident:
        if affordability not in AFFORDABILITIES or await self.repo.get_resident(user_id) is None:
            raise SignupProblem(SignupProblem.BAD_AFFORDABILITY)
        await self.repo.update_profile(user_id, affordability=affordability)
        return await self.repo.get_resident(user_id)
