"""Data rights: everything stored about a person, and erasing it."""

from __future__ import annotations

from bot.services.groups import GroupService
from bot.services.signup import SignupService
from bot.services.users import UserService


class PrivacyService:
    def __init__(self, users: UserService, signup: SignupService, groups: GroupService) -> None:
        self.users = users
        self.signup = signup
        self.groups = groups

    async def export(self, user_id: int) -> dict | None:
        """All we hold, as JSON-ready data; None when we hold nothing at all."""
        account = await self.users.export(user_id)
        membership = await self.signup.export(user_id)
        warnings = await self.groups.warnings_of(user_id)
        if account is None and not membership["consent"] and not warnings:
            return None
        return {
            **(account or {"telegram_user_id": user_id}),
            **membership,
            "group_warnings": warnings,
        }

    async def forget(self, user_id: int) -> None:
        """Erase the profile, the sign-up and the consent records: we no longer know them."""
        await self.signup.erase(user_id)
