"""Surveys in waves: the built-in agency survey, opened for an audience (as for /announce),
answered one question at a time, reminded once, closed at its time or by command.

Privacy: an answer is stored under a random response id; the link from a person to it lives
in ``survey_links`` only while the wave is open (answers stay editable) and goes at close and
by /forget. Response rates are counted per group when someone first answers, so no row of
the database ties a group to an answer. Organisers see distributions only once a wave is
closed (a live count would give away each new answer), and every count by group goes through
``smallgroups.hide_small``.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from enum import Enum

from bot import i18n
from bot.clock import Clock, from_db, system_clock, to_db
from bot.services.announcements import Audience
from bot.services.delivery import DeliveryService
from bot.services.problems import Problem
from bot.services.roles import Actor
from bot.services.smallgroups import PROTECTED, hide_small
from bot.services.survey_definitions import (
    ANSWER_MAX,
    MAX_OPTIONS,
    MAX_QUESTIONS,
    MIN_OPTIONS,
    OPTION_MAX,
    QUESTION_MAX,
    TITLE_MAX,
    Definition,
    FileError,
    parse,
    slug,
)
from bot.storage.announcements import AnnouncementsRepository
from bot.storage.audit import write_audit
from bot.storage.outbox import Recipient
from bot.storage.surveys import SurveysRepository, WaveRow

# The built-in agency survey: Likert items 1-5 (the last: no = 1, yes = 5).
AGENCY = ("say", "belong", "mix", "changes", "safe", "activity")
YES_NO = frozenset({"activity"})
SURVEYS = {"agency": AGENCY}
DEFAULT_DAYS = 7
MAX_DAYS = 28  # who was invited is read from the outbox, which keeps sent rows 30 days
SKIP = 0  # the Skip button's value
DIMENSIONS = ("building", "tenure", "affordability", "language")
OUTBOX_KINDS = ("survey", "survey.reminder")  # a wave's jobs: its invitations, its reminder


class SurveyProblem(Problem):
    class Kind(Enum):
        NOT_FOUND = "not_found"  # detail: the wave number
        UNKNOWN_SURVEY = "unknown_survey"  # detail: the name
        BAD_DAYS = "bad_days"
        CLOSED = "closed"  # the wave is closed: no answers, no second close
        NOT_INVITED = "not_invited"  # not (or no longer) an approved resident it was sent to
        NOBODY = "nobody"
        DRAFT_GONE = "draft_gone"  # saved or cancelled already (or someone else's)
        NAME_TAKEN = "name_taken"  # detail: the name
        TOO_LONG = "too_long"  # detail: the limit
        BAD_OPTIONS = "bad_options"  # a choice needs MIN_OPTIONS to MAX_OPTIONS options
        TOO_MANY_QUESTIONS = "too_many_questions"
        NO_QUESTIONS = "no_questions"
        NOT_TEXT = "not_text"  # typed text for a question answered by buttons

    QUIET = frozenset({Kind.DRAFT_GONE})


@dataclass(frozen=True)
class Invitee:
    user_id: int
    locale: str
    groups: dict[str, str]


@dataclass(frozen=True)
class Point:
    """One wave on the agency trend: its index (None when too few answered) and how many."""

    wave_id: int
    opened_at: str
    index: float | None
    respondents: int | None  # through hide_small: None is "fewer than k"


@dataclass(frozen=True)
class Rate:
    group: str
    respondents: int | None
    not_heard: int | None
    percent: int | None  # only when both cells can be shown


@dataclass(frozen=True)
class Results:
    wave: WaveRow
    respondents: int | None
    approved: int
    distributions: dict[str, dict[str, int | None]] | None  # None: not while open / too few
    trend: list[Point]
    rates: dict[str, list[Rate]]
    # an organiser's own survey: its definition, the typed answers of each text question
    # (None: fewer than k answered it), and each 1-5 question's mean (None: a cell is hidden)
    definition: Definition | None = None
    texts: dict[str, list[str] | None] = field(default_factory=dict)
    means: dict[str, float | None] = field(default_factory=dict)
    # answers to each question, skips and hidden cells included (a total the small-group
    # rule lets be shown: it hides a second cell for that); empty when distributions is None
    totals: dict[str, int] = field(default_factory=dict)


def _reason(wave_id: int) -> str:
    """The outbox reason of a wave's jobs (how its close finds them)."""
    return f"survey:{wave_id}"


def score(value: int) -> float:
    """A 1-5 answer on the 0-100 scale."""
    return (value - 1) * 25.0


class SurveyService:
    def __init__(
        self,
        repo: SurveysRepository,
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
        self._definitions: dict[str, Definition] = {}  # saved definitions never change

    # ---------------------------------------------------------------- what a survey asks
    async def definition(self, survey: str, q=None) -> Definition | None:
        """An organiser's own survey (None for the built-in one, or no such survey)."""
        if survey in SURVEYS:
            return None
        if survey not in self._definitions:
            body = await self.repo.definition(survey, q)
            if body is None:
                return None
            self._definitions[survey] = Definition.from_dict(body)
        return self._definitions[survey]

    async def exists(self, survey: str) -> bool:
        return survey in SURVEYS or await self.definition(survey) is not None

    def keys(self, survey: str) -> tuple[str, ...]:
        """The question keys of a survey (a custom one's once :meth:`definition` loaded it)."""
        if survey in SURVEYS:
            return SURVEYS[survey]
        known = self._definitions.get(survey)
        return tuple(f"q{i + 1}" for i in range(len(known.questions))) if known else ()

    def kind(self, survey: str, index: int) -> str:
        known = self._definitions.get(survey)
        return known.questions[index].kind if known else "likert"

    async def catalogue(self) -> list[Definition]:
        """The organisers' own surveys, by name."""
        return [Definition.from_dict(body) for body in await self.repo.definitions()]

    # ---------------------------------------------------------------- scope
    @staticmethod
    def scoped(actor: Actor, audience: Audience) -> Audience:
        """As for announcements: a steward's "all" is their buildings."""
        from bot.services.announcements import check_scope

        return check_scope(actor, audience)

    @staticmethod
    def may_manage(actor: Actor, wave: WaveRow) -> bool:
        """Organisers every wave; stewards those whose buildings they all look after *now*."""
        return actor.manages(wave.audience.get("buildings"))

    async def get(self, actor: Actor, wave_id: int) -> WaveRow:
        wave = await self.repo.get(wave_id)
        if wave is None or not self.may_manage(actor, wave):
            raise SurveyProblem(SurveyProblem.NOT_FOUND, str(wave_id))
        return wave

    async def waves(self, actor: Actor) -> list[WaveRow]:
        return [w for w in await self.repo.waves() if self.may_manage(actor, w)]

    # ---------------------------------------------------------------- opening
    async def audience_of(self, audience: Audience) -> tuple[list[Invitee], list[Invitee]]:
        """(approved residents of the audience, those of them who can be sent to now)."""
        people = await self.people.people(
            list(audience.buildings) if audience.buildings is not None else None
        )
        people = [p for p in people if p.status == "approved"]
        if audience.events:
            answered = await self.people.answered_events(list(audience.events))
            people = [p for p in people if p.user_id in answered]
        approved, reachable = [], []
        for person in people:
            locale = i18n.resolve_locale(person.locale, person.telegram_language)
            if not audience.admits(person, locale):
                continue
            groups = {
                "building": str(person.building_id),
                "tenure": person.tenure or "undisclosed",
                "affordability": person.affordability or "undisclosed",
                "language": locale,
            }
            invitee = Invitee(person.user_id, locale, groups)
            approved.append(invitee)
            if not person.paused and not person.unreachable:
                reachable.append(invitee)
        return approved, reachable

    async def open(
        self,
        actor: Actor,
        survey: str,
        days: int,
        audience: Audience,
        render: Callable[[int, str, str], dict],
        *,
        update_id: int | None,
    ) -> tuple[WaveRow, int]:
        """Open a wave and queue its invitations (one outbox job, in the same transaction as
        the wave; a replayed update opens nothing more). ``render(wave_id, locale, closes_at)``
        gives one invitation's payload. Returns (the wave, how many are invited)."""
        if not await self.exists(survey):
            raise SurveyProblem(SurveyProblem.UNKNOWN_SURVEY, survey)
        if not 1 <= days <= MAX_DAYS:
            raise SurveyProblem(SurveyProblem.BAD_DAYS)
        audience = self.scoped(actor, audience)
        approved, reachable = await self.audience_of(audience)
        if not reachable:
            raise SurveyProblem(SurveyProblem.NOBODY)
        now = self.clock()
        closes = now + timedelta(days=days)
        remind = max(now + (closes - now) / 2, closes - timedelta(days=1))
        async with self.repo.transaction() as tx:
            if update_id is not None:
                existing = await self.repo.by_update(update_id, tx)
                if existing is not None:
                    return existing, 0
            wave_id = await self.repo.create(
                tx,
                survey=survey,
                author_id=actor.id,
                update_id=update_id,
                audience=audience.to_dict(),
                opened_at=to_db(now),
                closes_at=to_db(closes),
                remind_at=to_db(remind),
            )
            cache: dict[str, dict] = {}
            recipients = []
            for person in reachable:
                if person.locale not in cache:
                    cache[person.locale] = render(wave_id, person.locale, to_db(closes))
                recipients.append(
                    Recipient(
                        person.user_id,
                        person.user_id,
                        cache[person.locale],
                        locale=person.locale,
                        building_id=int(person.groups["building"]),
                    )
                )
            job_id, _new = await self.delivery.start_job(
                "survey",
                recipients,
                created_by=actor.id,
                update_id=update_id,
                reason=_reason(wave_id),
                q=tx,
            )
            await self.repo.set_job(tx, wave_id, job_id)
            for dimension in DIMENSIONS:
                counts = Counter(p.groups[dimension] for p in approved if dimension in p.groups)
                await self.repo.add_groups(tx, wave_id, dimension, dict(counts))
            await write_audit(tx, actor.id, "survey.open", details={"wave": wave_id})
        return await self.repo.get(wave_id), len(recipients)

    # ---------------------------------------------------------------- closing, reminding
    async def close(self, actor: Actor | None, wave_id: int) -> WaveRow:
        """Close a wave (by command, or ``actor`` None: its time came): the links go in the
        same transaction, so afterwards nothing ties an answer to a person, and so do the
        wave's invitations and reminder not sent yet (skipped in the outbox, never sent: a
        large wave closed while they go out stops there; those delivered stay, and their
        Start answers that the wave is closed)."""
        if actor is not None:
            await self.get(actor, wave_id)
        async with self.repo.transaction() as tx:
            if not await self.repo.close(tx, wave_id, to_db(self.clock())):
                raise SurveyProblem(SurveyProblem.CLOSED, str(wave_id))
            await self.delivery.cancel_for(_reason(wave_id), OUTBOX_KINDS, tx)
            if actor is not None:
                await write_audit(tx, actor.id, "survey.close", details={"wave": wave_id})
        return await self.repo.get(wave_id)

    async def close_due(self) -> list[WaveRow]:
        closed = []
        for wave_id in await self.repo.due_to_close(to_db(self.clock())):
            try:
                closed.append(await self.close(None, wave_id))
            except SurveyProblem:
                continue
        return closed

    async def remind_due(self, render: Callable[[WaveRow, str], dict], locale_of) -> int:
        """Queue the one reminder of each wave whose time for it came, to those invited who
        have not finished; claimed and queued in one transaction (exactly once)."""
        sent = 0
        for wave_id in await self.repo.due_reminders(to_db(self.clock())):
            wave = await self.repo.get(wave_id)
            await self.definition(wave.survey)
            questions = len(self.keys(wave.survey))
            done = await self.repo.finished_users(wave_id, questions)
            people = [u for u in await self.repo.invitees(wave) if u not in done]
            recipients = []
            for user_id in people:
                recipients.append(
                    Recipient(user_id, user_id, render(wave, await locale_of(user_id)))
                )
            async with self.repo.transaction() as tx:
                if not await self.repo.claim_reminder(tx, wave_id, to_db(self.clock())):
                    continue
                if recipients:
                    await self.delivery.start_job(
                        "survey.reminder", recipients, reason=_reason(wave_id), q=tx
                    )
            sent += len(recipients)
        return sent

    # ---------------------------------------------------------------- answering
    async def _answerable(self, wave_id: int, user_id: int, q=None) -> WaveRow:
        wave = await self.repo.get(wave_id, q)
        if wave is None:
            raise SurveyProblem(SurveyProblem.NOT_INVITED)
        if wave.state != "open" or from_db(wave.closes_at) <= self.clock():
            raise SurveyProblem(SurveyProblem.CLOSED, str(wave_id))
        await self.definition(wave.survey, q)
        if not await self.repo.invited(wave, user_id, q):
            raise SurveyProblem(SurveyProblem.NOT_INVITED)
        person = await self.repo.person(user_id, q)
        if person is None or person["status"] != "approved":
            raise SurveyProblem(SurveyProblem.NOT_INVITED)
        return wave

    async def progress(self, wave_id: int, user_id: int) -> tuple[WaveRow, dict[str, int | None]]:
        """The wave and this person's answers so far (checked: open, invited, approved)."""
        wave = await self._answerable(wave_id, user_id)
        response = await self.repo.link(wave_id, user_id)
        answers = await self.repo.answers_of(wave_id, response) if response else {}
        return wave, answers

    def next_question(self, wave: WaveRow, answers: dict) -> int | None:
        """The index of the first question not answered (nor skipped); None when done."""
        for i, question in enumerate(self.keys(wave.survey)):
            if question not in answers:
                return i
        return None

    async def answer(
        self, wave_id: int, user_id: int, index: int, value: int
    ) -> tuple[WaveRow, dict[str, int | None], bool]:
        """Record (or replace) one answer; ``value`` 1-5, or SKIP. Returns (the wave, the
        answers now, whether this question was answered for the first time)."""
        async with self.repo.transaction() as tx:
            wave = await self._answerable(wave_id, user_id, tx)
            questions = self.keys(wave.survey)
            if not 0 <= index < len(questions) or (
                value != SKIP and not (1 <= value <= self._top(wave.survey, index))
            ):
                raise SurveyProblem(SurveyProblem.NOT_INVITED)
            value_or_none = None if value == SKIP else value
            before = await self._record(tx, wave, user_id, questions[index], value_or_none, None)
            answers = {**before, questions[index]: value_or_none}
        return wave, answers, questions[index] not in before

    async def answer_text(
        self, wave_id: int, user_id: int, index: int, text: str
    ) -> tuple[WaveRow, dict[str, int | str | None], bool]:
        """Record (or replace) a typed answer to a text question; as :meth:`answer`."""
        text = text.strip()
        if len(text) > ANSWER_MAX:
            raise SurveyProblem(SurveyProblem.TOO_LONG, str(ANSWER_MAX))
        async with self.repo.transaction() as tx:
            wave = await self._answerable(wave_id, user_id, tx)
            questions = self.keys(wave.survey)
            if not 0 <= index < len(questions) or self.kind(wave.survey, index) != "text":
                raise SurveyProblem(SurveyProblem.NOT_TEXT)
            before = await self._record(tx, wave, user_id, questions[index], None, text or None)
            answers = {**before, questions[index]: text or None}
        return wave, answers, questions[index] not in before

    def _top(self, survey: str, index: int) -> int:
        """The highest value a button of this question can carry (0: typed, no buttons)."""
        known = self._definitions.get(survey)
        if known is None:
            return 5
        question = known.questions[index]
        return {"likert": 5, "choice": len(question.options)}.get(question.kind, 0)

    async def _record(self, tx, wave: WaveRow, user_id: int, question: str, value, text) -> dict:
        """Write one answer under the person's response id (made at their first answer, when
        they are also counted in their groups); returns their answers before it."""
        response = await self.repo.link(wave.id, user_id, tx)
        if response is None:
            response = secrets.token_hex(12)
            await self.repo.add_link(tx, wave.id, user_id, response)
            await self.repo.count_respondent(tx, wave.id, await self._groups(user_id, tx))
        before = await self.repo.answers_of(wave.id, response, tx)
        await self.repo.put_answer(tx, wave.id, response, question, value, text)
        return before

    async def _groups(self, user_id: int, q) -> dict[str, str]:
        """The groups a person counts in, as they are at their first answer."""
        person = await self.repo.person(user_id, q)
        if person is None:
            return {}
        groups = {
            "building": str(person["building_id"]),
            "tenure": person["tenure"] or "undisclosed",
            "affordability": person["affordability"] or "undisclosed",
            "language": i18n.resolve_locale(person["locale"], person["telegram_language"]),
        }
        return groups

    # ---------------------------------------------------------------- results
    async def _scores(self, wave: WaveRow) -> tuple[dict[str, dict], int, float | None]:
        """(question -> value -> count, respondents, the index)."""
        answers = await self.repo.answers(wave.id)
        await self.definition(wave.survey)
        questions = self.keys(wave.survey)
        table: dict[str, Counter] = {q: Counter() for q in questions}
        responses = set()
        scores = []
        for response, question, value in answers:
            if question not in table:
                continue
            responses.add(response)
            table[question]["skip" if value is None else str(value)] += 1
            if value is not None and wave.survey in SURVEYS:
                scores.append(score(value))
        index = sum(scores) / len(scores) if scores else None
        return table, len(responses), index

    def shown_total(self, n: int) -> int | None:
        return hide_small({"all": n}, self.min_group)["all"]

    async def trend(self, wave: WaveRow) -> list[Point]:
        points = []
        for other in await self.repo.waves(wave.survey):
            if other.state != "closed" and other.id != wave.id:
                continue
            if other.id > wave.id:
                break
            if not self._comparable(wave, other):
                continue
            _table, n, index = await self._scores(other)
            big_enough = n >= self.min_group and other.state == "closed"
            shown_index = index if big_enough else None
            points.append(Point(other.id, other.opened_at, shown_index, self.shown_total(n)))
        return points

    @staticmethod
    def _comparable(wave: WaveRow, other: WaveRow) -> bool:
        return wave.audience.get("buildings") == other.audience.get("buildings")

    async def results(self, actor: Actor, wave_id: int) -> Results:
        wave = await self.get(actor, wave_id)
        table, respondents, _index = await self._scores(wave)
        groups = await self.repo.groups(wave.id)
        approved = sum(a for a, _r in groups.get("building", {}).values())
        definition = await self.definition(wave.survey)
        distributions = None
        totals: dict[str, int] = {}
        texts: dict[str, list[str] | None] = {}
        means: dict[str, float | None] = {}
        if wave.state == "closed" and respondents >= self.min_group:
            totals = {question: sum(counts.values()) for question, counts in table.items()}
            distributions = {}
            for i, (question, counts) in enumerate(table.items()):
                values = self.values(wave.survey, i)
                cells = hide_small({v: counts.get(v, 0) for v in values}, self.min_group)
                distributions[question] = cells
                if definition is None:
                    continue
                kind = definition.questions[i].kind
                if kind == "text":  # the words only when their count itself can be shown
                    shown = cells["text"] is not None and cells["text"] >= self.min_group
                    texts[question] = await self.repo.texts(wave.id, question) if shown else None
                elif kind == "likert":
                    means[question] = self._mean(counts, cells)
        return Results(
            wave=wave,
            respondents=self.shown_total(respondents),
            approved=approved,
            distributions=distributions,
            totals=totals,
            trend=await self.trend(wave) if definition is None else [],
            rates={dim: self.rates(cells) for dim, cells in groups.items()},
            definition=definition,
            texts=texts,
            means=means,
        )

    def values(self, survey: str, index: int) -> tuple[str, ...]:
        """The cells of one question's distribution (a typed answer counts under "text")."""
        known = self._definitions.get(survey)
        if known is not None and known.questions[index].kind == "text":
            return ("text", "skip")
        top = self._top(survey, index)
        return (*(str(v) for v in range(1, top + 1)), "skip")

    @staticmethod
    def _mean(counts: Counter, cells: dict[str, int | None]) -> float | None:
        """A 1-5 question's mean, only when every cell is shown (with a hidden pair, the
        mean and the total would give both back)."""
        if any(n is None or n == PROTECTED for n in cells.values()):
            return None
        total = sum(counts.get(str(v), 0) for v in range(1, 6))
        if not total:
            return None
        return sum(v * counts.get(str(v), 0) for v in range(1, 6)) / total

    def rates(self, cells: dict[str, tuple[int, int]]) -> list[Rate]:
        """A response-rate breakdown: who answered and who did not, per group, each column
        through hide_small against its own total (so neither a cell nor a difference gives
        a small group away); a group's rate only when both of its cells are shown."""
        answered = hide_small({g: r for g, (_a, r) in cells.items()}, self.min_group)
        silent = hide_small({g: max(a - r, 0) for g, (a, r) in cells.items()}, self.min_group)
        out = []
        for group, (_a, _r) in cells.items():
            yes, no = answered[group], silent[group]
            # a percentage only when both cells show a number: 0% or 100% would tell an
            # empty cell from a hidden one, which must look alike
            shown = yes is not None and no is not None and yes > 0 and no > 0
            percent = round(100 * yes / (yes + no)) if shown else None
            out.append(Rate(group, yes, no, percent))
        return out

    async def csv_rows(self, actor: Actor, wave_id: int) -> list[list[str]]:
        """The results as a table (what the chat shows, no more): section, key, value."""
        results = await self.results(actor, wave_id)
        rows = [["section", "item", "group", "count"]]
        hidden = lambda n: "" if n is None or n <= 0 else str(n)  # noqa: E731 (empty = hidden)
        rows.append(["respondents", "", "", hidden(results.respondents)])
        for question, cells in (results.distributions or {}).items():
            for value, n in cells.items():
                rows.append(["answers", question, value, hidden(n)])
        for question, mean in results.means.items():
            rows.append(["mean", question, "", "" if mean is None else f"{mean:.1f}"])
        for question, texts in results.texts.items():
            for text in texts or ():
                rows.append(["text", question, "", text])
        for point in results.trend:
            rows.append(
                [
                    "agency_index",
                    str(point.wave_id),
                    "" if point.index is None else f"{point.index:.0f}",
                    hidden(point.respondents),
                ]
            )
        for dim, rates in results.rates.items():
            for rate in rates:
                rows.append([f"answered_{dim}", rate.group, "yes", hidden(rate.respondents)])
                rows.append([f"answered_{dim}", rate.group, "not_yet", hidden(rate.not_heard)])
        return rows

    # ---------------------------------------------------------------- organisers' own surveys
    async def check_file(
        self, data: bytes, *, json_file: bool
    ) -> tuple[Definition | None, list[FileError]]:
        """A YAML or JSON file -> its definition, or what is wrong with it (line-numbered)."""
        return parse(data, taken=await self.repo.names(), json_file=json_file)

    async def stage(self, actor: Actor, definition: Definition) -> int:
        """Keep a checked definition as the actor's draft, for its Save button."""
        async with self.repo.transaction() as tx:
            return await self.repo.new_draft(
                tx, actor.id, definition.to_dict(), "preview", to_db(self.clock())
            )

    async def draft(self, actor: Actor, draft_id: int, step: str | None = None, q=None) -> dict:
        """The actor's own draft (at ``step``, when given); else the draft is gone."""
        draft = await self.repo.draft(draft_id, q)
        if draft is None or draft["user_id"] != actor.id:
            raise SurveyProblem(SurveyProblem.DRAFT_GONE)
        if step is not None and draft["step"] != step:
            raise SurveyProblem(SurveyProblem.DRAFT_GONE)
        return draft

    @staticmethod
    def drafted(draft: dict) -> Definition:
        body = draft["body"]
        return Definition.from_dict({**body, "name": body.get("name") or "survey"})

    async def save(self, actor: Actor, draft_id: int) -> Definition:
        """Save a previewed draft as a survey (once: a second press finds it gone), audited
        in the same transaction."""
        async with self.repo.transaction() as tx:
            draft = await self.draft(actor, draft_id, "preview", tx)
            body = draft["body"]
            if not body["questions"]:
                raise SurveyProblem(SurveyProblem.NO_QUESTIONS)
            if not await self.repo.add_definition(tx, body, actor.id, to_db(self.clock())):
                raise SurveyProblem(SurveyProblem.NAME_TAKEN, body["name"])
            await self.repo.drop_draft(tx, draft_id)
            await write_audit(
                tx,
                actor.id,
                "survey.define",
                details={"name": body["name"], "questions": len(body["questions"])},
            )
        return Definition.from_dict(body)

    async def cancel(self, actor: Actor, draft_id: int) -> None:
        async with self.repo.transaction() as tx:
            await self.draft(actor, draft_id, None, tx)
            await self.repo.drop_draft(tx, draft_id)

    # the guided flow (/survey new): name -> question -> kind -> (options) -> more or done
    async def start_draft(self, actor: Actor, language: str) -> int:
        body = {"name": None, "language": language, "title": {}, "questions": [], "pending": None}
        async with self.repo.transaction() as tx:
            return await self.repo.new_draft(tx, actor.id, body, "name", to_db(self.clock()))

    async def _step(self, actor: Actor, draft_id: int, step: str, change) -> dict:
        """Move a draft on from ``step`` (checked inside the write's transaction, so a
        repeated press or message does nothing twice); ``change(body)`` returns the next
        step."""
        async with self.repo.transaction() as tx:
            draft = await self.draft(actor, draft_id, step, tx)
            body = draft["body"]
            next_step = change(body)
            await self.repo.set_draft(tx, draft_id, body, next_step)
            return {**draft, "body": body, "step": next_step}

    async def name_draft(self, actor: Actor, draft_id: int, title: str) -> dict:
        title = " ".join(title.split())
        if not title or len(title) > TITLE_MAX:
            raise SurveyProblem(SurveyProblem.TOO_LONG, str(TITLE_MAX))
        taken = await self.repo.names()

        def change(body: dict) -> str:
            body["title"] = {body["language"]: title}
            body["name"] = slug(title, taken)
            return "question"

        return await self._step(actor, draft_id, "name", change)

    async def question_draft(self, actor: Actor, draft_id: int, text: str) -> dict:
        text = text.strip()
        if not text or len(text) > QUESTION_MAX:
            raise SurveyProblem(SurveyProblem.TOO_LONG, str(QUESTION_MAX))

        def change(body: dict) -> str:
            body["pending"] = {body["language"]: text}
            return "kind"

        return await self._step(actor, draft_id, "question", change)

    async def kind_draft(self, actor: Actor, draft_id: int, kind: str) -> dict:
        def change(body: dict) -> str:
            if kind == "choice":
                body["pending_kind"] = "choice"
                return "options"
            body["questions"].append({"kind": kind, "text": body.pop("pending"), "options": []})
            return "more"

        return await self._step(actor, draft_id, "kind", change)

    async def options_draft(self, actor: Actor, draft_id: int, typed: str) -> dict:
        """Options typed one per line (or, on one line, separated by commas)."""
        lines = [line.strip() for line in typed.splitlines() if line.strip()]
        if len(lines) == 1:
            lines = [part.strip() for part in lines[0].split(",") if part.strip()]
        if (
            not MIN_OPTIONS <= len(lines) <= MAX_OPTIONS
            or len(set(lines)) != len(lines)
            or any(len(line) > OPTION_MAX for line in lines)
        ):
            raise SurveyProblem(SurveyProblem.BAD_OPTIONS)

        def change(body: dict) -> str:
            language = body["language"]
            body.pop("pending_kind", None)
            body["questions"].append(
                {
                    "kind": "choice",
                    "text": body.pop("pending"),
                    "options": [{language: line} for line in lines],
                }
            )
            return "more"

        return await self._step(actor, draft_id, "options", change)

    async def more_draft(self, actor: Actor, draft_id: int, done: bool) -> dict:
        def change(body: dict) -> str:
            if done:
                return "preview"
            if len(body["questions"]) >= MAX_QUESTIONS:
                raise SurveyProblem(SurveyProblem.TOO_MANY_QUESTIONS)
            return "question"

        return await self._step(actor, draft_id, "more", change)
