"""/profile: residents change their answers (name, unit, tenure) after signing up."""

from __future__ import annotations

from bot.services.signup import DISPLAY_NAME_MAX, TENURES, SignupProblem
from bot.services.text import TextProblem, normalise_unit, visible_text
from bot.storage.residents import Resident, ResidentsRepository

FIELDS = ("name", "unit")


class ProfileService:
    def __init__(self, repo: ResidentsRepository) -> None:
        self.repo = repo

    async def get(self, user_id: int) -> Resident | None:
        return await self.repo.get_resident(user_id)

    async def start_edit(self, user_id: int, field: str) -> None:
        if field not in FIELDS or await self.repo.get_resident(user_id) is None:
            raise SignupProblem(SignupProblem.NO_SIGNUP)
        await self.repo.set_editing(user_id, field)

    async def editing(self, user_id: int) -> str | None:
        return await self.repo.editing(user_id)

    async def cancel_edit(self, user_id: int) -> None:
        await self.repo.set_editing(user_id, None)

    async def apply_text(self, user_id: int, text: str) -> Resident:
        """The typed new name or unit; the edit stays open when the answer is refused."""
        field = await self.repo.editing(user_id)
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
        return await self.repo.get_resident(user_id)

    async def set_tenure(self, user_id: int, tenure: str) -> Resident:
        if tenure not in TENURES or await self.repo.get_resident(user_id) is None:
            raise SignupProblem(SignupProblem.BAD_TENURE)
        await self.repo.update_profile(user_id, tenure=tenure)
        return await self.repo.get_resident(user_id)
