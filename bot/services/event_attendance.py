"""Events, after the answer (issue 12): the waitlist's offers with a time limit, what
residents need to take part, attendance, the one follow-up, and the report.

Offers: when a place frees up (someone Going changes their answer, the capacity grows, an offer
is declined or lapses), the first on the waitlist who holds no open offer is offered it until
``now + BOT_WAITLIST_HOURS`` (or the event's start, if sooner). An open offer holds the place.
Every transition (offered -> accepted / declined / lapsed / void) is an ``UPDATE ... WHERE
state = 'open'`` inside the transaction that also writes the answer and the next offer, so a
double press, two ticks or a crash act once. The notice of an offer is queued by the tick (or
right after the press) in one transaction with ``job_id`` set: at most once.

Follow-up answers are stored without any user id (``event_feedback``); the links that refuse a
second answer (``event_followup_links``) are deleted when the follow-up window closes and on
/forget. Every count by a group of residents in the report goes through
``smallgroups.hide_small``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum

from bot import i18n
from bot.clock import Clock, from_db, system_clock, to_db
from bot.services.delivery import DeliveryService
from bot.services.problems import Problem
from bot.services.roles import Actor
from bot.services.signup import AFFORDABILITIES, TENURES
from bot.services.smallgroups import hide_small
from bot.storage.audit import write_audit
from bot.storage.event_attendance import NEEDS, AttendanceRepository
from bot.storage.events import EventRow, EventsRepository
from bot.storage.outbox import Recipient

DEFAULT_WAITLIST_HOURS = 12
DEFAULT_ATTENDANCE_HOURS = 48
FOLLOW_UP_DAYS = 7  # follow-up answers close this long after the start (or with attendance)
COMMENT_MAX = 500
SKIP_PAUSED, SKIP_UNREACHABLE = "paused", "unreachable"

Render = Callable[[EventRow, str], dict]  # (event, locale) -> an outbox payload
OfferRender = Callable[[EventRow, str, int, str], dict]  # (+ offer id, its deadline)


class AttendanceProblem(Problem):
    class Kind(Enum):
        OFFER_GONE = "offer_gone"  # the offer was answered, lapsed, or the event moved on
        NOT_GOING = "not_going"  # needs from someone who is not Going (or waiting)
        NOT_YET = "not_yet"  # attendance before the event started
        WINDOW_CLOSED = "window_closed"  # "I was there" or a follow-up after the window
        NOT_ANSWERED = "not_answered"  # "I was there" from someone who did not say Going/Maybe
        ALREADY = "already"  # a second rating or comment
        BAD_COMMENT = "bad_comment"  # detail: the limit


@dataclass(frozen=True)
class Breakdown:
    """One table of the report: counts per group as shown (None: fewer than k; PROTECTED:
    hidden so a small one cannot be worked out)."""

    shown: dict[str, int | None]


@dataclass(frozen=True)
class Report:
    event: EventRow
    started: bool
    answers: dict[str, int]
    present: int
    no_shows: int | None  # Going residents not marked present (after the start)
    needs: dict[str, int | None]
    languages: dict[str, int | None]
    contacts: dict[str, list[str]]
    ratings: int
    mean: float | None
    comments: list[str]
    # attendance by group: "building", "tenure" and "affordability" (see attendance_groups)
    groups: dict[str, Breakdown] = field(default_factory=dict)


def clean_comment(raw: str) -> str:
    text = unicodedata.normalize("NFC", raw or "")
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf"))
    text = " ".join(text.split())
    if not text or len(text) > COMMENT_MAX:
        raise AttendanceProblem(AttendanceProblem.BAD_COMMENT, str(COMMENT_MAX))
    return text


async def offer_free_places(
    tx,
    repo: AttendanceRepository,
    events: EventsRepository,
    event: EventRow,
    now: datetime,
    hours: int,
) -> tuple[int, ...]:
    """Offer every free place (capacity - Going - open offers) to the next who wait, in
    order, inside the caller's transaction. Returns who was offered one."""
    if event.capacity is None or event.state != "published":
        return ()
    starts = from_db(event.starts_at)
    if starts <= now:
        return ()
    going = (await events.counts(event.id, tx))["going"]
    free = event.capacity - going - await repo.open_offers(event.id, tx)
    if free <= 0:
        return ()
    expires = min(now + timedelta(hours=hours), starts)
    offered = await repo.next_waiting(tx, event.id, free)
    for user_id in offered:
        await repo.add_offer(tx, event.id, user_id, to_db(now), to_db(expires))
    return tuple(offered)


class AttendanceService:
    def __init__(
        self,
        repo: AttendanceRepository,
        events: EventsRepository,
        delivery: DeliveryService,
        *,
        may_manage: Callable[[Actor, EventRow], bool],
        waitlist_hours: int = DEFAULT_WAITLIST_HOURS,
        attendance_hours: int = DEFAULT_ATTENDANCE_HOURS,
        min_group: int = 5,
        clock: Clock = system_clock,
    ) -> None:
        self.repo = repo
        self.events = events
        self.delivery = delivery
        self.may_manage = may_manage
        self.waitlist_hours = waitlist_hours
        self.attendance_hours = attendance_hours
        self.min_group = min_group
        self.clock = clock

    # ---------------------------------------------------------------- windows
    def there_closes(self, event: EventRow) -> datetime:
        return from_db(event.starts_at) + timedelta(hours=self.attendance_hours)

    def follow_up_closes(self, event: EventRow) -> datetime:
        return max(
            self.there_closes(event), from_db(event.starts_at) + timedelta(days=FOLLOW_UP_DAYS)
        )

    async def _event(self, event_id: int, q=None) -> EventRow:
        from bot.services.events import EventProblem  # (events.py imports this module)

        event = await self.events.get(event_id, q)
        if event is None or event.state == "draft":
            raise EventProblem(EventProblem.NOT_FOUND, str(event_id))
        return event

    async def _managed(self, actor: Actor, event_id: int) -> EventRow:
        """The event, if the actor manages it now (checked at every press)."""
        from bot.services.events import EventProblem

        event = await self.events.get(event_id)
        if event is None or event.state == "draft" or not self.may_manage(actor, event):
            raise EventProblem(EventProblem.NOT_FOUND, str(event_id))
        return event

    # ---------------------------------------------------------------- offers
    async def offers(self, event_id: int):
        return await self.repo.offers_of(event_id)

    async def tell_offer(self, offer_id: int, render: OfferRender) -> bool:
        """Queue the notice of one open offer, once (with its job in the same transaction).
        An offer whose event was cancelled or started is void instead."""
        now = self.clock()
        async with self.repo.transaction() as tx:
            offer = await self.repo.offer(offer_id, tx)
            if offer is None or offer.state != "open" or offer.job_id is not None:
                return False
            event = await self.events.get(offer.event_id, tx)
            if event is None or event.state != "published" or from_db(event.starts_at) <= now:
                await self.repo.settle_offer(tx, offer.id, "void", to_db(now))
                return False
            reader = next(
                (
                    r
                    for r in await self.events.answered(event.id, ("waitlist",), tx)
                    if r.user_id == offer.user_id
                ),
                None,
            )
            locale = i18n.resolve_locale(
                reader.locale if reader else None, reader.telegram_language if reader else None
            )
            payload = render(event, locale, offer.id, offer.expires_at)
            job_id, _new = await self.delivery.start_job(
                "event.offer",
                [Recipient(offer.user_id, offer.user_id, payload, locale=locale)],
                reason=f"event:{event.id}:offer:{offer.id}",
                q=tx,
            )
            return await self.repo.offer_sent(tx, offer.id, job_id)

    async def lapse(self, offer_id: int) -> tuple[int, ...] | None:
        """An open offer past its deadline lapses (the resident leaves the waitlist) and the
        place goes to the next who waits. Returns who was offered it; None when the offer
        was not open and due (another tick, or an answer, came first)."""
        now = self.clock()
        async with self.repo.transaction() as tx:
            offer = await self.repo.offer(offer_id, tx)
            if offer is None or offer.state != "open" or offer.expires_at > to_db(now):
                return None
            event = await self.events.get(offer.event_id, tx)
            if event is None or event.state != "published" or from_db(event.starts_at) <= now:
                # the event was cancelled or has started: nothing to pass on, nobody loses
                # their answer
                await self.repo.settle_offer(tx, offer.id, "void", to_db(now))
                return ()
            await self.repo.settle_offer(tx, offer.id, "lapsed", to_db(now))
            if await self.repo.answer_of(tx, offer.event_id, offer.user_id) == "waitlist":
                await self.events.put_rsvp(tx, offer.event_id, offer.user_id, "no")
            offered = await offer_free_places(
                tx, self.repo, self.events, event, now, self.waitlist_hours
            )
            await self.events.want_refresh(tx, event.id)
        return offered

    async def respond(self, offer_id: int, user_id: int, accept: bool) -> tuple[EventRow, str]:
        """Accept (-> Going) or No thanks (-> the next who waits), within the limit, once."""
        now = self.clock()
        async with self.repo.transaction() as tx:
            offer = await self.repo.offer(offer_id, tx)
            if offer is None or offer.user_id != user_id:
                raise AttendanceProblem(AttendanceProblem.OFFER_GONE)
            event = await self.events.get(offer.event_id, tx)
            if (
                offer.state != "open"
                or offer.expires_at <= to_db(now)
                or event.state != "published"
                or from_db(event.starts_at) <= now
            ):
                raise AttendanceProblem(AttendanceProblem.OFFER_GONE)
            state = "accepted" if accept else "declined"
            await self.repo.settle_offer(tx, offer.id, state, to_db(now))
            await self.events.put_rsvp(tx, event.id, user_id, "going" if accept else "no")
            if not accept:
                await offer_free_places(tx, self.repo, self.events, event, now, self.waitlist_hours)
            await self.events.want_refresh(tx, event.id)
        return event, state

    # ---------------------------------------------------------------- needs
    async def needs(self, event_id: int, user_id: int) -> tuple[set[str], bool]:
        return await self.repo.needs_of(event_id, user_id)

    async def _answering(self, tx, event_id: int, user_id: int) -> EventRow:
        event = await self._event(event_id, tx)
        if event.state != "published" or from_db(event.starts_at) <= self.clock():
            from bot.services.events import EventProblem

            raise EventProblem(EventProblem.CLOSED)
        if await self.repo.answer_of(tx, event_id, user_id) not in ("going", "waitlist"):
            raise AttendanceProblem(AttendanceProblem.NOT_GOING)
        return event

    async def toggle_need(
        self, event_id: int, user_id: int, need: str, language: str
    ) -> tuple[set[str], bool]:
        assert need in NEEDS, need
        async with self.repo.transaction() as tx:
            await self._answering(tx, event_id, user_id)
            await self.repo.toggle_need(tx, event_id, user_id, need, language)
        return await self.repo.needs_of(event_id, user_id)

    async def set_contact(
        self, event_id: int, user_id: int, contact: bool
    ) -> tuple[set[str], bool]:
        async with self.repo.transaction() as tx:
            await self._answering(tx, event_id, user_id)
            await self.repo.set_contact(tx, event_id, user_id, contact)
        return await self.repo.needs_of(event_id, user_id)

    # ---------------------------------------------------------------- attendance
    async def attendance_page(
        self, actor: Actor, event_id: int, offset: int, limit: int
    ) -> tuple[EventRow, list[dict], int]:
        event = await self._managed(actor, event_id)
        if event.state != "published" or from_db(event.starts_at) > self.clock():
            raise AttendanceProblem(AttendanceProblem.NOT_YET)
        rows, total = await self.repo.answered_people(event.id, max(0, offset), limit)
        return event, rows, total

    async def toggle_attendance(self, actor: Actor, event_id: int, user_id: int) -> bool:
        """A steward marks one Going/Maybe resident present or not (the role and the event's
        buildings checked now). Returns present now."""
        event = await self._managed(actor, event_id)
        now = self.clock()
        async with self.repo.transaction() as tx:
            if from_db(event.starts_at) > now:
                raise AttendanceProblem(AttendanceProblem.NOT_YET)
            if await self.repo.answer_of(tx, event.id, user_id) not in ("going", "maybe"):
                raise AttendanceProblem(AttendanceProblem.NOT_ANSWERED)
            present = not await self.repo.present(tx, event.id, user_id)
            await self.repo.mark(tx, event.id, user_id, present, "steward", to_db(now))
            await write_audit(
                tx,
                actor.id,
                "event.attendance",
                subject_id=user_id,
                details={"event": event.id, "present": present},
            )
        return present

    async def mark_all_going(self, actor: Actor, event_id: int) -> int:
        event = await self._managed(actor, event_id)
        now = self.clock()
        async with self.repo.transaction() as tx:
            if from_db(event.starts_at) > now:
                raise AttendanceProblem(AttendanceProblem.NOT_YET)
            marked = await self.repo.mark_all_going(tx, event.id, to_db(now))
            await write_audit(
                tx, actor.id, "event.attendance_all", details={"event": event.id, "count": marked}
            )
        return marked

    async def i_was_there(self, event_id: int, user_id: int) -> EventRow:
        now = self.clock()
        async with self.repo.transaction() as tx:
            event = await self._event(event_id, tx)
            if event.state != "published" or from_db(event.starts_at) > now:
                raise AttendanceProblem(AttendanceProblem.NOT_YET)
            if now >= self.there_closes(event):
                raise AttendanceProblem(AttendanceProblem.WINDOW_CLOSED)
            if await self.repo.answer_of(tx, event.id, user_id) not in ("going", "maybe"):
                raise AttendanceProblem(AttendanceProblem.NOT_ANSWERED)
            if not await self.repo.present(tx, event.id, user_id):
                await self.repo.mark(tx, event.id, user_id, True, "self", to_db(now))
        return event

    # ---------------------------------------------------------------- the tick's work
    async def due_work(self) -> dict[str, list]:
        now = self.clock()
        window = timedelta(hours=self.attendance_hours)
        closes = max(window, timedelta(days=FOLLOW_UP_DAYS))
        return await self.repo.work_due(to_db(now), to_db(now - window), to_db(now - closes))

    def _recipients(self, event: EventRow, readers, render: Render) -> list[Recipient]:
        out = []
        for reader in readers:
            locale = i18n.resolve_locale(reader.locale, reader.telegram_language)
            skip = (
                SKIP_PAUSED if reader.paused else SKIP_UNREACHABLE if reader.unreachable else None
            )
            out.append(
                Recipient(
                    reader.user_id,
                    reader.user_id,
                    render(event, locale) if skip is None else {},
                    skip_reason=skip,
                    locale=locale,
                )
            )
        return out

    async def queue_there(self, event_id: int, render: Render) -> bool:
        """After the start, once per event: "I was there" to Going and Maybe residents."""
        now = self.clock()
        async with self.repo.transaction() as tx:
            event = await self.events.get(event_id, tx)
            if (
                event is None
                or event.state != "published"
                or from_db(event.starts_at) > now
                or now >= self.there_closes(event)
                or await self.repo.there_was_sent(event.id, tx)
            ):
                return False
            readers = await self.events.answered(event.id, ("going", "maybe"), tx)
            job_id, _new = await self.delivery.start_job(
                "event.there",
                self._recipients(event, readers, render),
                reason=f"event:{event.id}:there",
                q=tx,
            )
            return await self.repo.there_sent(tx, event.id, job_id)

    async def queue_follow_ups(self, event_id: int, render: Render) -> int:
        """The one follow-up to everyone marked present who has not had it (their link is
        written with the job, in one transaction)."""
        now = self.clock()
        async with self.repo.transaction() as tx:
            event = await self.events.get(event_id, tx)
            if event is None or now >= self.follow_up_closes(event):
                return 0
            targets = set(await self.repo.follow_up_targets(tx, event.id))
            if not targets:
                return 0
            readers = [
                r
                for r in await self.events.answered(event.id, ("going", "maybe"), tx)
                if r.user_id in targets
            ]
            for user_id in targets:
                await self.repo.link(tx, event.id, user_id)
            await self.delivery.start_job(
                "event.followup",
                self._recipients(event, readers, render),
                reason=f"event:{event.id}:followup",
                q=tx,
            )
        return len(readers)

    async def close_follow_ups(self, event_id: int) -> int:
        """When the follow-up window has closed: the links go (answers stay, unlinked)."""
        now = self.clock()
        async with self.repo.transaction() as tx:
            event = await self.events.get(event_id, tx)
            if event is not None and now < self.follow_up_closes(event):
                return 0
            return await self.repo.close_followups(tx, event_id)

    # ---------------------------------------------------------------- follow-up answers
    async def _follow_up(self, tx, event_id: int, user_id: int, column: str) -> None:
        event = await self._event(event_id, tx)
        if self.clock() >= self.follow_up_closes(event):
            raise AttendanceProblem(AttendanceProblem.WINDOW_CLOSED)
        if not await self.repo.take_answer(tx, event_id, user_id, column):
            raise AttendanceProblem(AttendanceProblem.ALREADY)

    async def rate(self, event_id: int, user_id: int, stars: int) -> None:
        assert 1 <= stars <= 5, stars
        async with self.repo.transaction() as tx:
            await self._follow_up(tx, event_id, user_id, "rated")
            await self.repo.add_feedback(tx, event_id, stars, None)

    async def may_comment(self, event_id: int, user_id: int) -> EventRow:
        event = await self._event(event_id)
        if self.clock() >= self.follow_up_closes(event):
            raise AttendanceProblem(AttendanceProblem.WINDOW_CLOSED)
        if not await self.repo.may_comment(event_id, user_id):
            raise AttendanceProblem(AttendanceProblem.ALREADY)
        return event

    async def comment(self, event_id: int, user_id: int, text: str) -> None:
        comment = clean_comment(text)
        async with self.repo.transaction() as tx:
            await self._follow_up(tx, event_id, user_id, "commented")
            await self.repo.add_feedback(tx, event_id, None, comment)

    # ---------------------------------------------------------------- the report
    async def attendance_groups(self, event_id: int, building_names: dict[int, str]):
        """Attendance by group (building, and the two sign-up questions: tenure and
        affordability), each breakdown through hide_small."""
        rows = await self.repo.attendance_by(event_id)
        tenure = dict.fromkeys(TENURES, 0)
        affordability = dict.fromkeys(AFFORDABILITIES, 0)
        buildings: dict[str, int] = {}
        for row in rows:
            tenure[row["tenure"] or "undisclosed"] += 1
            affordability[row["affordability"] or "undisclosed"] += 1
            name = building_names.get(row["building_id"], "?")
            buildings[name] = buildings.get(name, 0) + 1
        return {
            "tenure": Breakdown(hide_small(tenure, self.min_group)),
            "affordability": Breakdown(hide_small(affordability, self.min_group)),
            "building": Breakdown(hide_small(buildings, self.min_group)),
        }

    async def report(self, actor: Actor, event_id: int, building_names: dict[int, str]) -> Report:
        event = await self._managed(actor, event_id)
        started = from_db(event.starts_at) <= self.clock()
        answers = await self.events.counts(event.id)
        rows = await self.repo.attendance_by(event.id)
        present = len(rows)
        going_present = sum(1 for r in rows if r["answer"] == "going")
        no_shows = answers["going"] - going_present if started else None
        per_need, languages = await self.repo.need_counts(event.id)
        ratings, comments = await self.repo.feedback(event.id)
        return Report(
            event=event,
            started=started,
            answers=answers,
            present=present,
            no_shows=no_shows,
            needs=hide_small(per_need, self.min_group),
            languages=hide_small(languages, self.min_group),
            contacts=await self.repo.contactable(event.id),
            ratings=len(ratings),
            mean=(sum(ratings) / len(ratings)) if ratings else None,
            comments=comments,
            groups=await self.attendance_groups(event.id, building_names),
        )
