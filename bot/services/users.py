"""Users: language choice, role, and what the account record holds."""

from __future__ import annotations

from bot import i18n
from bot.numbers import parse_int
from bot.storage.db import Queries
from bot.storage.users import UsersRepository

# "stop" as residents write it in each shipped language: any of them pauses announcements.
STOP_WORDS = frozenset(
    {
        "stop",
        "unsubscribe",
        "parar",
        "alto",
        "detener",
        "basta",
        "arrêt",
        "arrêter",
        "arret",
        "arreter",
        "توقف",
        "قف",
        "إيقاف",
        "ايقاف",
        "停止",
        "退订",
        "取消订阅",
        "dừng",
        "dung",
        "ngừng",
        "ngung",
    }
)


class UnsupportedLocale(ValueError):
    pass


class UserService:
    def __init__(self, repo: UsersRepository) -> None:
        self.repo = repo

    async def locale_for(self, user_id: int, telegram_code: str | None = None) -> str:
        """The language to speak to this user in: their choice in the bot, else their
        Telegram app's language (from this update, or as last seen), else the default.
        Jobs and notices call it without ``telegram_code``: the recipient's own language."""
        chosen, last_seen = await self.repo.get_locale(user_id)
        return i18n.resolve_locale(chosen, telegram_code or last_seen)

    async def heard_from(self, user_id: int, telegram_code: str | None) -> str:
        """The user wrote to us: they are reachable again. Returns their language."""
        return i18n.resolve_locale(await self.repo.seen(user_id, telegram_code), telegram_code)

    async def unreachable(self, user_id: int, q: Queries | None = None) -> None:
        """Telegram said 403 (they blocked the bot): keep them, but stop trying."""
        await self.repo.set_unreachable(user_id, q)

    async def pause(self, user_id: int, paused: bool = True) -> bool:
        """/stop pauses announcements, /start resumes them; True if that changed anything."""
        return await self.repo.set_paused(user_id, paused)

    @staticmethod
    def is_stop_word(text: str | None) -> bool:
        return " ".join((text or "").split()).casefold() in STOP_WORDS

    async def stored_locale(self, user_id: int) -> str | None:
        """The language the user picked in the bot, if any."""
        return (await self.repo.get_locale(user_id))[0]

    async def remember(
        self, user_id: int, username: str | None = None, telegram_code: str | None = None
    ) -> None:
        await self.repo.touch(user_id, username, telegram_code)

    async def find(self, reference: str, *, known_only: bool = True) -> int | None:
        """A user named by ``@username`` or by Telegram id; with ``known_only`` (the default)
        only someone the bot knows (an id of someone who erased their data is still an id)."""
        reference = reference.strip()
        if reference.startswith("@") and len(reference) > 1:
            return await self.repo.find_by_username(reference[1:])
        user_id = parse_int(reference, max_digits=15)
        if user_id is None or reference.startswith("#"):
            return None
        return user_id if not known_only or await self.repo.exists(user_id) else None

    async def choose_locale(self, user_id: int, locale: str) -> str:
        if locale not in i18n.LOCALES:
            raise UnsupportedLocale(locale)
        await self.repo.set_locale(user_id, locale)
        return locale

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
            "announcements_paused": record.paused,
            "telegram_username": record.username,
            "telegram_app_language": record.telegram_language,
        }

    async def count_by_locale(self) -> dict[str | None, int]:
        return await self.repo.count_by_locale()
