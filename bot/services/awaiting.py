"""What a person's next typed message answers: one open question per person.

A flow asks with :meth:`AwaitingService.ask` (a kind, what it is about, and optionally how long
the question stays open); the typed-text router (``handlers/typed.py``) looks the question up
and hands the text to the handler registered for that kind; the flow closes it with
:meth:`AwaitingService.close` once answered or cancelled. Asking something new replaces the
open question, so a person is never answering two things at once.
"""

from __future__ import annotations

from datetime import timedelta

from bot.clock import Clock, system_clock, to_db
from bot.storage.awaiting import Awaiting, AwaitingRepository
from bot.storage.db import Queries


class AwaitingService:
    def __init__(self, repo: AwaitingRepository, clock: Clock = system_clock) -> None:
        self.repo = repo
        self.clock = clock

    async def ask(
        self,
        user_id: int,
        kind: str,
        about: str | None = None,
        *,
        lasts: timedelta | None = None,
        q: Queries | None = None,
    ) -> None:
        expires = to_db(self.clock() + lasts) if lasts is not None else None
        await self.repo.set(user_id, kind, about, expires, q)

    async def open_question(self, user_id: int) -> Awaiting | None:
        return await self.repo.get(user_id, to_db(self.clock()))

    async def close(self, user_id: int, kind: str | None = None, q: Queries | None = None) -> None:
        await self.repo.clear(user_id, kind, q)
