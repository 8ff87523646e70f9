"""Users: language choice, role, and the data-rights operations (export and erase)."""

from __future__ import annotations

from bot import i18n
from bot.services.roles import Role
from bot.storage.users import UsersRepository


class UnsupportedLocale(ValueError):
    pass


class UserService:
    def __init__(self, repo: UsersRepository, admin_ids: frozenset[int]) -> None:
        self.repo = repo
        self.admin_ids = admin_ids

    async def locale_for(self, user_id: int, telegram_code: str | None) -> str:
        """The language to speak to this user in: stored choice > Telegram's > default."""
        return i18n.resolve_locale(await self.repo.get_locale(user_id), telegram_code)

    async def stored_locale(self, user_id: int) -> str | None:
        return await self.repo.get_locale(user_id)

    async def remember(self, user_id: int) -> None:
        await self.repo.touch(user_id)

    async def choose_locale(self, user_id: int, locale: str) -> str:
        if locale not in i18n.LOCALES:
            raise UnsupportedLocale(locale)
        await self.repo.set_locale(user_id, locale)
        return locale

    async def role_of(self, user_id: int) -> Role:
        return Role.ADMIN if user_id in self.admin_ids else Role.RESIDENT

    async def export(self, user_id: int) -> dict | None:
        """Everything stored about the user, as plain JSON-ready data (None: nothing stored)."""
        record = await self.repo.get(user_id)
        if record is None:
            return None
        return {
            "telegram_user_id": record.id,
            "language": record.locale,
            "first_seen": record.created_at,
            "last_seen": record.last_seen_at,
        }

    async def forget(self, user_id: int) -> bool:
        """Erase the user; afterwards the bot no longer knows them. True if anything was held."""
        return await self.repo.delete(user_id)

    async def count_by_locale(self) -> dict[str | None, int]:
        return await self.repo.count_by_locale()
