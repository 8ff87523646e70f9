"""Quick polls: ``/poll [AUDIENCE] Question? | Option A | Option B | ... [| multi] [| close 2h]``.

A poll is a ``draft`` (the author's preview), then ``open`` once sent: one outbox job whose rows
send a native non-anonymous Telegram poll to each resident of the audience (chosen exactly as
for announcements). Telegram counts each copy alone, so the bot adds up the answers itself, one
row per person (``poll_answer`` updates change or withdraw it). At close (``/closepoll`` or the
time chosen) the result is frozen and every copy is stopped through the engine (paced). Results
are shown to organisers at any time and to stewards after close; every breakdown cell goes
through :func:`bot.services.smallgroups.hide_small`.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum

from bot.clock import Clock, system_clock, to_db
from bot.services.announcements import Audience, parse_audience
from bot.services.delivery import DeliveryService
from bot.services.problems import Problem
from bot.services.roles import Actor, Role
from bot.services.smallgroups import hide_small
from bot.storage.announcements import AnnouncementsRepository
from bot.storage.outbox import Recipient
from bot.storage.polls import PollRow, PollsRepository

MIN_OPTIONS, MAX_OPTIONS = 2, 12  # Telegram's limits
QUESTION_MAX, OPTION_MAX = 300, 100
BREAKDOWNS = ("building", "tenure", "affordability", "language")
_DURATION = re.compile(r"^close\s+(\d{1,3})\s*([mhdw])$", re.IGNORECASE)
_UNITS = {"m": 60, "h": 3600, "d": 86400, "w": 604800}


class PollProblem(Problem):
    class Kind(Enum):
        USAGE = "usage"
        OPTIONS = "options"  # detail: how many were given
        TOO_LONG = "too_long"
        NOT_FOUND = "not_found"
        CHANGED = "changed"  # detail: its state now
        HIDDEN = "hidden"  # results before close, for someone not an organiser
        BAD_BREAKDOWN = "bad_breakdown"


@dataclass(frozen=True)
class Draft:
    audience_words: str | None
    question: str
    options: list[str]
    multi: bool
    close_after: int | None


def parse_poll(text: str) -> Draft:
    """``[AUDIENCE] Question? | A | B [| multi] [| close 2h]``: the audience is whatever comes
    before the question's first word that is not a building number, ``all`` or a filter."""
    parts = [p.strip() for p in (text or "").split("|")]
    if len(parts) < 2 or not parts[0]:
        raise PollProblem(PollProblem.USAGE)
    multi, close_after, options = False, None, []
    for part in parts[1:]:
        match = _DURATION.match(part)
        if part.lower() == "multi":
            multi = True
        elif match:
            close_after = int(match.group(1)) * _UNITS[match.group(2).lower()]
        elif part:
            options.append(part)
    words = parts[0].split()
    audience: list[str] = []
    for word in words:
        low = word.lower()
        if (
            (low in ("all", "*") and not audience)
            or re.fullmatch(r"[0-9,]+", word)
            or (":" in word and low.split(":")[0] in ("lang", "tenure", "afford", "role", "event"))
        ):
            audience.append(word)
        else:
            break
    question = " ".join(words[len(audience) :])
    if not question:
        raise PollProblem(PollProblem.USAGE)
    if not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
        raise PollProblem(PollProblem.OPTIONS, str(len(options)))
    if len(question) > QUESTION_MAX or any(len(o) > OPTION_MAX for o in options):
        raise PollProblem(PollProblem.TOO_LONG)
    return Draft(" ".join(audience) or None, question, options, multi, close_after)


@dataclass(frozen=True)
class Results:
    poll: PollRow
    counts: list[int]  # per option (a multiple-answer poll: people who picked it)
    answered: int
    sent_to: int
    breakdown: dict[str, dict[str, int | None]] | None = None  # group -> option -> shown


class PollService:
    def __init__(
        self,
        repo: PollsRepository,
        people: AnnouncementsRepository,
        delivery: DeliveryService,
        *,
        min_group: int = 5,
        clock: Clock = system_clock,
    ) -> None:
        self.repo = repo
        self.people = people
        self.delivery = delivery
        self.min_group = min_group
        self.clock = clock

    def _scope(self, actor: Actor, audience: Audience) -> Audience:
        if actor.buildings is None:
            return audience
        if audience.buildings is None:
            return dataclasses.replace(audience, buildings=tuple(sorted(actor.buildings)))
        if not set(audience.buildings) <= actor.buildings:
            raise PollProblem(PollProblem.NOT_FOUND)
        return audience

    async def draft(self, actor: Actor, text: str) -> PollRow:
        parsed = parse_poll(text)
        audience = parse_audience(parsed.audience_words) if parsed.audience_words else Audience()
        audience = self._scope(actor, audience)
        poll_id = await self.repo.create(
            actor.id,
            audience.to_dict(),
            parsed.question,
            parsed.options,
            parsed.multi,
            parsed.close_after,
        )
        return await self.repo.get(poll_id)

    def may_manage(self, actor: Actor, poll: PollRow) -> bool:
        if actor.role >= Role.ORGANISER:
            return True
        targets = poll.audience.get("buildings")
        return (
            actor.role >= Role.STEWARD
            and targets is not None
            and set(targets) <= set(actor.buildings or ())
        )

    async def get(self, actor: Actor, poll_id: int) -> PollRow:
        poll = await self.repo.get(poll_id)
        if poll is None or not self.may_manage(actor, poll):
            raise PollProblem(PollProblem.NOT_FOUND, str(poll_id))
        return poll

    async def send(self, actor: Actor, poll_id: int, update_id: int | None) -> PollRow:
        """One outbox job, a native poll per resident of the audience; the draft's state is
        checked in the same transaction (of two presses, one sends)."""
        poll = await self.get(actor, poll_id)
        audience = Audience.from_dict(poll.audience)
        payload = {
            "poll": {
                "question": poll.question,
                "options": poll.options,
                "allows_multiple_answers": poll.multi,
            },
            "poll_id": poll.id,
        }
        now = self.clock()
        close_at = to_db(now + timedelta(seconds=poll.close_after)) if poll.close_after else None
        async with self.repo.db.transaction() as tx:
            people = await self.people.people(
                list(audience.buildings) if audience.buildings is not None else None, tx
            )
            recipients = [
                Recipient(p.user_id, p.user_id, payload, locale=p.locale, building_id=p.building_id)
                for p in people
                if p.status == "approved"
                and not p.paused
                and not p.unreachable
                and audience.admits(p, p.locale or "en")
            ]
            job_id, _new = await self.delivery.repo.create_job(
                "poll", actor.id, update_id, f"poll:{poll.id}", recipients, 1, to_db(now), tx
            )
            if not await self.repo.opened(
                tx, poll.id, update_id, job_id, len(recipients), close_at
            ):
                raise PollProblem(PollProblem.CHANGED, poll.state)
        return await self.repo.get(poll.id)

    async def record_copy(
        self,
        poll_id: int,
        telegram_poll_id: str,
        user_id: int | None,
        chat_id: int,
        message_id: int,
    ) -> None:
        await self.repo.record_copy(poll_id, telegram_poll_id, user_id, chat_id, message_id)

    async def answer(self, telegram_poll_id: str, user_id: int, option_ids: list[int]) -> bool:
        return await self.repo.answer(telegram_poll_id, user_id, option_ids)

    async def close(self, actor: Actor | None, poll_id: int) -> PollRow:
        """Freeze the result and stop every copy through the engine (``actor`` None: the
        time chosen at send came)."""
        poll = await (self.repo.get(poll_id) if actor is None else self.get(actor, poll_id))
        if poll is None:
            raise PollProblem(PollProblem.NOT_FOUND, str(poll_id))
        async with self.repo.db.transaction() as tx:
            if not await self.repo.closed(tx, poll.id):
                raise PollProblem(PollProblem.CHANGED, poll.state)
            copies = await self.repo.copies(poll.id, tx)
            await self.delivery.repo.create_job(
                "poll.stop",
                actor.id if actor else None,
                None,
                f"poll:{poll.id}",
                [
                    Recipient(
                        c["chat_id"],
                        c["user_id"],
                        {"op": "stop_poll", "message_id": c["message_id"]},
                    )
                    for c in copies
                ],
                1,
                to_db(self.clock()),
                tx,
            )
        return await self.repo.get(poll.id)

    async def close_due(self) -> list[int]:
        closed = []
        for poll_id in await self.repo.due(to_db(self.clock())):
            try:
                await self.close(None, poll_id)
                closed.append(poll_id)
            except PollProblem:
                pass
        return closed

    async def results(self, actor: Actor, poll_id: int, by: str | None = None) -> Results:
        poll = await self.get(actor, poll_id)
        if poll.state != "closed" and actor.role < Role.ORGANISER:
            raise PollProblem(PollProblem.HIDDEN, str(poll_id))
        if by is not None and by not in BREAKDOWNS:
            raise PollProblem(PollProblem.BAD_BREAKDOWN, by)
        rows = await self.repo.answers(poll.id)
        counts = [0] * len(poll.options)
        groups: dict[str, Counter] = {}
        for row in rows:
            picked = json.loads(row["option_ids"])
            for i in picked:
                counts[i] += 1
            if by is not None:
                key = {
                    "building": row["building_id"],
                    "tenure": row["tenure"],
                    "affordability": row["affordability"],
                    "language": row["locale"],
                }[by]
                group = groups.setdefault(str(key if key is not None else "—"), Counter())
                for i in picked:
                    group[poll.options[i]] += 1
        breakdown = None
        if by is not None:
            # a cell is hidden when it is small in its row (a group's answers) or in its column
            # (an option's answers over the groups, whose total is shown above)
            rows_shown = {
                name: hide_small({o: c[o] for o in poll.options}, self.min_group)
                for name, c in groups.items()
            }
            breakdown = {name: dict(cells) for name, cells in rows_shown.items()}
            for option in poll.options:
                column = hide_small({n: c[option] for n, c in groups.items()}, self.min_group)
                for name, shown in column.items():
                    if shown is None or shown < 0:
                        current = breakdown[name][option]
                        breakdown[name][option] = (
                            None if shown is None else (current if current is None else shown)
                        )
        return Results(poll, counts, len(rows), poll.recipients or 0, breakdown)

    async def export(self, user_id: int) -> list[dict]:
        return await self.repo.of_person(user_id)
