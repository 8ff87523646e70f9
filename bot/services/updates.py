"""Every update, before any handler: handled once only, and no one person floods the bot."""

from __future__ import annotations

import logging

from bot.services import commands
from bot.services.flood import FloodControl, Verdict
from bot.services.roles import Role, RoleService
from bot.storage.db import Busy
from bot.storage.updates import UpdatesRepository

log = logging.getLogger(__name__)


class UpdateService:
    def __init__(
        self, repo: UpdatesRepository, roles: RoleService, flood: FloodControl | None = None
    ) -> None:
        self.repo = repo
        self.roles = roles
        self.flood = flood or FloodControl()

    async def first_time(self, update_id: int, user_id: int | None, username: str | None) -> bool:
        """True unless this update was handled before (Telegram re-delivers the last updates
        after a crash). When the database is busy the update goes ahead rather than wait:
        a reply within a second matters more than book-keeping."""
        try:
            return await self.repo.claim(update_id, user_id, username)
        except Busy:
            log.warning("Update %s: database busy, handled without the replay check", update_id)
            return True

    async def admit(self, user_id: int, command: str | None) -> Verdict:
        """May this person's update be answered now? ``command``: the /command it carries."""
        found = commands.get(command) if command else None
        heavy = found is not None and found.heavy
        verdict = self.flood.check(user_id, heavy=heavy)
        over = verdict is not Verdict.ALLOW and not heavy
        # the role is read only when someone is over the limit: no cost otherwise
        if over and await self.roles.role_of(user_id) >= Role.STEWARD:
            return Verdict.ALLOW
        return verdict

    async def prune(self) -> int:
        return await self.repo.prune()
