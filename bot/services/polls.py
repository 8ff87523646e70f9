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

import json
import re
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum
from zoneinfo import ZoneInfo

from bot.clock import Clock, system_clock, to_db
from bot.config import SUPPORTED_LOCALES
from bot.numbers import parse_int
from bot.services.announcements import (
    AnnouncementProblem,
    AnnouncementService,
    Audience,
    audience_members,
    check_scope,
    parse_audience,
    parse_when,
)
from bot.services.delivery import DeliveryService
from bot.services.problems import Problem
from bot.services.roles import Actor, Role
from bot.services.smallgroups import hide_small
from bot.storage.announcements import AnnouncementsRepository
from bot.storage.audit import write_audit
from bot.storage.buildings import BuildingsRepository
from bot.storage.outbox import Recipient
from bot.storage.polls import PollRow, PollsRepository, PollText

MIN_OPTIONS, MAX_OPTIONS = 2, 12  # Telegram's limits
QUESTION_MAX, OPTION_MAX = 300, 100
BREAKDOWNS = ("building", "tenure", "affordability", "language")
_DURATION = re.compile(r"^close\s+(\d{1,3})\s*([mhdw])$", re.IGNORECASE)
_CLOSE_AT = re.compile(r"^close\s+(.+)$", re.IGNORECASE)
_UNITS = {"m": 60, "h": 3600, "d": 86400, "w": 604800}
CLOSE_PRESETS = (0, 7200, 86400, 259200, 604800)  # the preview's "Closes" button, in turn


class PollProblem(Problem):
    class Kind(Enum):
        USAGE = "usage"
        OPTIONS = "options"  # detail: how many were given
        TOO_LONG = "too_long"
        NOT_FOUND = "not_found"
        CHANGED = "changed"  # detail: its state now
        HIDDEN = "hidden"  # results before close, for someone not an organiser
        BAD_BREAKDOWN = "bad_breakdown"
        NOT_YOURS = "not_yours"  # detail: a building the steward does not look after
        MISMATCH = "mismatch"  # a language's options: detail: how many the poll has
        SAME_LANGUAGE = "same_language"  # a "translation" into the poll's own language


@dataclass(frozen=True)
class Draft:
    audience_words: str | None
    question: str
    options: list[str]
    multi: bool
    close_after: int | None
    close_when: str | None = None  # ``close 2026-12-05 18:00``: the words after "close"


def _check_texts(question: str, options: list[str]) -> None:
    if not question:
        raise PollProblem(PollProblem.USAGE)
    if not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
        raise PollProblem(PollProblem.OPTIONS, str(len(options)))
    if len(question) > QUESTION_MAX or any(len(o) > OPTION_MAX for o in options):
        raise PollProblem(PollProblem.TOO_LONG)


def parse_options(text: str) -> list[str]:
    """Options typed one per line, or separated by ``|``."""
    text = text or ""
    parts = text.split("|") if "|" in text else text.splitlines()
    return [" ".join(p.split()) for p in parts if p.strip()]


def parse_text(text: str) -> tuple[str, list[str]]:
    """A question with its options: ``Question? | A | B``, or the question on the first line
    and one option per line after it."""
    text = (text or "").strip()
    if "|" in text:
        question, _sep, rest = text.partition("|")
    else:
        question, _sep, rest = text.partition("\n")
    return " ".join(question.split()), parse_options(rest)


def parse_poll(text: str, buildings: Collection[int]) -> Draft:
    """``[AUDIENCE] Question? | A | B [| multi] [| close 2h]``: the audience is whatever comes
    before the question's first word that is not a building number, ``all`` or a filter.

    A first word of digits (and commas) is the audience only when every number in it is one of
    ``buildings`` (the ones that exist): "/poll 3 bins on Monday? | Yes | No" asks about
    3 bins when there is no building 3. With a building 3, ``all 3 bins on Monday?`` asks it
    of everyone: numbers after the first word are always the question's."""
    parts = [p.strip() for p in (text or "").split("|")]
    if len(parts) < 2 or not parts[0]:
        raise PollProblem(PollProblem.USAGE)
    multi, close_after, close_when, options = False, None, None, []
    for part in parts[1:]:
        match = _DURATION.match(part)
        at = _CLOSE_AT.match(part)
        if part.lower() == "multi":
            multi = True
        elif match:
            close_after = int(match.group(1)) * _UNITS[match.group(2).lower()]
        elif at and re.fullmatch(r"[0-9: -]+", at.group(1)):
            close_when = at.group(1)
        elif part:
            options.append(part)
    words = parts[0].split()
    audience: list[str] = []
    for word in words:
        low = word.lower()
        if (
            (low in ("all", "*") and not audience)
            or (not audience and _names_buildings(word, buildings))
            or (":" in word and low.split(":")[0] in ("lang", "tenure", "afford", "role", "event"))
        ):
            audience.append(word)
        else:
            break
    question = " ".join(words[len(audience) :])
    _check_texts(question, options)
    return Draft(" ".join(audience) or None, question, options, multi, close_after, close_when)


def _names_buildings(word: str, buildings: Collection[int]) -> bool:
    """``3`` or ``2,5`` where each number is a building that exists."""
    if not re.fullmatch(r"[0-9,]+", word):
        return False
    numbers = [parse_int(part, max_digits=9) for part in word.split(",") if part]
    return bool(numbers) and all(n in buildings for n in numbers)


@dataclass(frozen=True)
class Results:
    poll: PollRow
    counts: list[int]  # per option (a multiple-answer poll: people who picked it)
    answered: int
    sent_to: int
    breakdown: dict[str, dict[str, int | None]] | None = None  # group -> option -> shown
    by: str | None = None


@dataclass(frozen=True)
class Coverage:
    """Who a draft reaches: per language (small groups hidden) and whether that language
    has its own text; the total as the author may see it."""

    by_locale: dict[str, int | None]
    written: frozenset[str]
    sending: int
    shown_total: int | None


class PollService:
    def __init__(
        self,
        repo: PollsRepository,
        people: AnnouncementsRepository,
        delivery: DeliveryService,
        *,
        min_group: int = 5,
        timezone: ZoneInfo | None = None,
        clock: Clock = system_clock,
    ) -> None:
        self.repo = repo
        self.people = people
        self.delivery = delivery
        self.min_group = min_group
        self.timezone = timezone or ZoneInfo("UTC")
        self.clock = clock

    @staticmethod
    def _scope(actor: Actor, audience: Audience) -> Audience:
        """A steward's default is their buildings; other buildings are refused."""
        try:
            return check_scope(actor, audience)
        except AnnouncementProblem as problem:
            if problem.kind is AnnouncementProblem.NOT_YOURS:
                raise PollProblem(PollProblem.NOT_YOURS, problem.detail) from None
            raise

    # ---------------------------------------------------------------- drafts
    async def draft(self, actor: Actor, text: str, locale: str = "en") -> PollRow:
        """The one-line form, as a draft the author previews."""
        existing = await BuildingsRepository(self.repo.db).list(include_archived=True)
        parsed = parse_poll(text, {b.id for b in existing})
        audience = parse_audience(parsed.audience_words) if parsed.audience_words else Audience()
        audience = self._scope(actor, audience)
        close_at = None
        if parsed.close_when is not None:
            close_at = to_db(parse_when(parsed.close_when, self.clock(), self.timezone))
        poll_id = await self.repo.create(
            actor.id,
            audience.to_dict(),
            parsed.question,
            parsed.options,
            parsed.multi,
            parsed.close_after,
            locale,
            close_at,
        )
        return await self.repo.get(poll_id)

    async def create(self, actor: Actor, question: str, options: str, locale: str) -> PollRow:
        """The guided form: the question, then the options one per line; the audience is the
        author's scope until they change it on the preview."""
        question = " ".join((question or "").split())
        picked = parse_options(options)
        _check_texts(question, picked)
        audience = self._scope(actor, Audience())
        poll_id = await self.repo.create(
            actor.id, audience.to_dict(), question, picked, False, None, locale
        )
        return await self.repo.get(poll_id)

    def may_manage(self, actor: Actor, poll: PollRow) -> bool:
        return actor.manages(poll.audience.get("buildings"))

    async def get(self, actor: Actor, poll_id: int) -> PollRow:
        poll = await self.repo.get(poll_id)
        if poll is None or not self.may_manage(actor, poll):
            raise PollProblem(PollProblem.NOT_FOUND, str(poll_id))
        return poll

    async def _change(self, actor: Actor, poll_id: int, **changes) -> PollRow:
        poll = await self.get(actor, poll_id)
        async with self.repo.db.transaction() as tx:
            if not await self.repo.update_draft(tx, poll.id, **changes):
                raise PollProblem(PollProblem.CHANGED, poll.state)
        return await self.repo.get(poll.id)

    async def set_audience(self, actor: Actor, poll_id: int, audience: Audience) -> PollRow:
        return await self._change(actor, poll_id, audience=self._scope(actor, audience).to_dict())

    async def toggle_multi(self, actor: Actor, poll_id: int) -> PollRow:
        poll = await self.get(actor, poll_id)
        return await self._change(actor, poll.id, multi=int(not poll.multi))

    async def next_close(self, actor: Actor, poll_id: int) -> PollRow:
        """The preview's "Closes" button: never, in 2 hours, 1 day, 3 days, a week, in turn
        (a time typed in the one-line form is replaced)."""
        poll = await self.get(actor, poll_id)
        now = CLOSE_PRESETS.index(poll.close_after) if poll.close_after in CLOSE_PRESETS else 0
        after = CLOSE_PRESETS[(now + 1) % len(CLOSE_PRESETS)] if poll.close_at is None else 0
        return await self._change(actor, poll.id, close_after=after or None, close_at=None)

    async def set_text(self, actor: Actor, poll_id: int, locale: str, text: str) -> PollRow:
        """The question and options in another language (as many options, in order)."""
        poll = await self.get(actor, poll_id)
        if locale not in SUPPORTED_LOCALES:
            raise PollProblem(PollProblem.USAGE)
        if locale == poll.source_locale:
            raise PollProblem(PollProblem.SAME_LANGUAGE)
        question, options = parse_text(text)
        if question and len(options) != len(poll.options):
            raise PollProblem(PollProblem.MISMATCH, str(len(poll.options)))
        _check_texts(question, options)
        async with self.repo.db.transaction() as tx:
            if not await self.repo.update_draft(tx, poll.id, state="draft"):
                raise PollProblem(PollProblem.CHANGED, poll.state)
            await self.repo.put_text(tx, poll.id, locale, question, options)
        return await self.repo.get(poll.id)

    async def texts(self, poll_id: int) -> dict[str, PollText]:
        return await self.repo.texts(poll_id)

    def text_for(self, poll: PollRow, texts: dict[str, PollText], locale: str) -> PollText:
        """What a reader of ``locale`` gets: their language's text, else the author's."""
        return texts.get(locale) or PollText(poll.source_locale, poll.question, poll.options)

    async def coverage(self, poll: PollRow) -> Coverage:
        reached = [
            locale
            for person, locale in await audience_members(self.people, poll.audience)
            if _reachable(person)
        ]
        counts = Counter(reached)
        texts = await self.repo.texts(poll.id)
        return Coverage(
            by_locale=hide_small(dict(sorted(counts.items())), self.min_group),
            written=frozenset({poll.source_locale, *texts}),
            sending=len(reached),
            shown_total=self.shown(poll, len(reached)),
        )

    def shown(self, poll: PollRow, n: int) -> int | None:
        """How many it reaches, as the author may see it: None ("fewer than k") when the
        audience is a group (some buildings, languages...) and small."""
        if not AnnouncementService.is_group(poll):
            return n
        return hide_small({"all": n}, self.min_group)["all"]

    async def cancel(self, actor: Actor, poll_id: int) -> PollRow:
        poll = await self.get(actor, poll_id)
        async with self.repo.db.transaction() as tx:
            if not await self.repo.cancelled(tx, poll.id):
                raise PollProblem(PollProblem.CHANGED, poll.state)
            await write_audit(tx, actor.id, "poll.cancel", details={"poll": poll.id})
        return await self.repo.get(poll.id)

    async def send(self, actor: Actor, poll_id: int, update_id: int | None) -> PollRow:
        """One outbox job, a native poll per resident of the audience in their language (else
        the author's); the draft's state is checked in the same transaction (of two presses,
        one sends), and the send is audited there too."""
        poll = await self.get(actor, poll_id)
        now = self.clock()
        close_at = (
            to_db(now + timedelta(seconds=poll.close_after)) if poll.close_after else poll.close_at
        )
        if close_at is not None and close_at <= to_db(now):
            raise AnnouncementProblem(AnnouncementProblem.PAST_TIME)
        async with self.repo.db.transaction() as tx:
            current = await self.repo.get(poll.id, tx)
            if current is None or current.state != "draft":
                raise PollProblem(PollProblem.CHANGED, current.state if current else "draft")
            texts = await self.repo.texts(poll.id, tx)
            recipients = []
            for person, locale in await audience_members(self.people, current.audience, tx):
                if not _reachable(person):
                    continue
                text = self.text_for(current, texts, locale)
                payload = {
                    "poll": {
                        "question": text.question,
                        "options": text.options,
                        "allows_multiple_answers": current.multi,
                    },
                    "poll_id": current.id,
                }
                recipients.append(
                    Recipient(
                        person.user_id,
                        person.user_id,
                        payload,
                        locale=locale,
                        building_id=person.building_id,
                    )
                )
            if not recipients:
                raise AnnouncementProblem(AnnouncementProblem.NOBODY)
            job_id, _new = await self.delivery.repo.create_job(
                "poll", actor.id, update_id, f"poll:{poll.id}", recipients, 1, to_db(now), tx
            )
            if not await self.repo.opened(
                tx, poll.id, update_id, job_id, len(recipients), close_at
            ):
                raise PollProblem(PollProblem.CHANGED, current.state)
            await write_audit(
                tx,
                actor.id,
                "poll.send",
                details={"poll": poll.id, "recipients": len(recipients)},
            )
        return await self.repo.get(poll.id)

    async def mine(self, actor: Actor, limit: int = 20) -> list[tuple[PollRow, int]]:
        """/polls: the latest polls the actor manages (a steward: wholly within their
        buildings; an organiser: all), each with how many answered."""
        return [
            (poll, answered)
            for poll, answered in await self.repo.recent()
            if self.may_manage(actor, poll)
        ][:limit]

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
            if actor is not None:
                await write_audit(tx, actor.id, "poll.close", details={"poll": poll.id})
            # copies not sent yet never go out (a closed poll must not reach anyone); the
            # ones sent are stopped
            await self.delivery.cancel_for(f"poll:{poll.id}", ("poll",), tx)
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
        return Results(poll, counts, len(rows), poll.recipients or 0, breakdown, by)

    async def csv_rows(self, actor: Actor, poll_id: int) -> list[tuple[str, str, str, object]]:
        """(breakdown, group, option, count) rows: the totals (breakdown ``all``), then each
        breakdown with its cells as :func:`results` shows them (None: a small group, negative:
        hidden to protect one). Counts only: no names, no ids of people."""
        total = await self.results(actor, poll_id)
        rows: list[tuple[str, str, str, object]] = [
            ("all", "", option, n)
            for option, n in zip(total.poll.options, total.counts, strict=True)
        ]
        for by in BREAKDOWNS:
            cut = await self.results(actor, poll_id, by)
            for group, cells in (cut.breakdown or {}).items():
                rows += [(by, group, option, cells[option]) for option in total.poll.options]
        return rows

    async def export(self, user_id: int) -> list[dict]:
        return await self.repo.of_person(user_id)


def _reachable(person) -> bool:
    return person.status == "approved" and not person.paused and not person.unreachable
