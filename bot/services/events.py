"""Events: a steward or organiser creates a meeting in one line, publishes it to the residents
of its buildings through the delivery engine, residents answer (Going / Maybe / Can't go, a
waitlist in order when there is a capacity), and reminders go out at their lead times.

The life of one: ``draft`` -> ``published`` -> ``cancelled`` (or it simply takes place). Every
decision reads its precondition and writes its change, its outbox job and its audit entry in
one transaction, so a double press or a replayed update acts once, and a reminder is queued at
most once even across a crash (``pending`` -> ``queued`` together with its outbox job).
Rendering (each recipient's language, the buttons) belongs to the handlers: they pass
``render`` functions of (event, locale) to the payload.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from zoneinfo import ZoneInfo

from icalendar import Calendar
from icalendar import Event as VEvent

from bot import i18n
from bot.clock import Clock, from_db, system_clock, to_db
from bot.numbers import parse_int
from bot.services.delivery import DeliveryService
from bot.services.event_attendance import offer_free_places
from bot.services.problems import Problem
from bot.services.roles import Actor, Role
from bot.storage.announcements import AnnouncementsRepository
from bot.storage.audit import write_audit
from bot.storage.event_attendance import AttendanceRepository
from bot.storage.events import EventRow, EventsRepository, Reader
from bot.storage.outbox import Recipient

TITLE_MAX = 200
CAPACITY_MAX = 100000
DEFAULT_LENGTH = timedelta(hours=2)
REFRESH_EVERY = timedelta(seconds=30)  # the other copies' counts: at most one edit job per 30 s
EDITABLE = ("when", "title", "place", "capacity")
UID_DOMAIN = "commonground"
UTC_ZONE = ZoneInfo("UTC")
# Who gets nothing, and why (as announcements say it).
SKIP_PAUSED, SKIP_UNREACHABLE = "paused", "unreachable"


class EventProblem(Problem):
    class Kind(Enum):
        NOT_FOUND = "not_found"  # detail: the number
        BAD_LINE = "bad_line"  # the one-line form was not followed
        BAD_DATE = "bad_date"  # detail: what was written
        PAST = "past"
        TOO_LONG = "too_long"
        BAD_CAPACITY = "bad_capacity"
        NOT_YOURS = "not_yours"  # detail: a building the steward does not look after
        CHANGED = "changed"  # detail: the state it is in now
        CLOSED = "closed"  # answers to a cancelled or started event
        NOT_INVITED = "not_invited"  # an answer from someone outside the audience
        BAD_EDIT = "bad_edit"


Render = Callable[[EventRow, str], dict]  # (event, locale) -> an outbox payload


@dataclass(frozen=True)
class Draft:
    buildings: tuple[int, ...] | None
    starts_at: datetime
    title: str
    place: str
    capacity: int | None


@dataclass(frozen=True)
class Answered:
    """What one press did: the answer now, whether anything changed, the waitlist place,
    and who was offered a freed place because of it."""

    answer: str
    changed: bool
    position: int | None
    promoted: tuple[int, ...]


def clean_line(raw: str, limit: int = TITLE_MAX) -> str:
    text = unicodedata.normalize("NFC", raw or "")
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf"))
    text = " ".join(text.split())
    if not text:
        raise EventProblem(EventProblem.BAD_LINE)
    if len(text) > limit:
        raise EventProblem(EventProblem.TOO_LONG, str(limit))
    return text


def parse_moment(date_text: str, time_text: str, now: datetime, zone: ZoneInfo) -> datetime:
    """``2026-12-05`` and ``18:30`` in the community's time zone, in the future."""
    try:
        moment = datetime.strptime(f"{date_text} {time_text}", "%Y-%m-%d %H:%M")
    except ValueError:
        raise EventProblem(EventProblem.BAD_DATE, f"{date_text} {time_text}") from None
    moment = moment.replace(tzinfo=zone)
    # a time skipped by a clock change (02:30 on a spring-forward night) does not exist
    if moment.astimezone(UTC_ZONE).astimezone(zone).replace(tzinfo=None) != (
        moment.replace(tzinfo=None)
    ):
        raise EventProblem(EventProblem.BAD_DATE, f"{date_text} {time_text}")
    if moment <= now:
        raise EventProblem(EventProblem.PAST)
    return moment


def parse_capacity(text: str) -> int:
    value = parse_int(text.strip(), max_digits=6)
    if value is None or not 0 < value <= CAPACITY_MAX:
        raise EventProblem(EventProblem.BAD_CAPACITY)
    return value


def parse_buildings(word: str) -> tuple[int, ...] | None:
    numbers = [parse_int(part, max_digits=9) for part in word.split(",") if part]
    if not numbers or any(n is None or n <= 0 for n in numbers):
        return None
    return tuple(sorted(set(numbers)))


def parse_new_line(text: str, now: datetime, zone: ZoneInfo) -> Draft:
    """``[BUILDING[,BUILDING]] 2026-12-05 18:30 | Title | Place [| capacity]``."""
    fields = [part.strip() for part in text.split("|")]
    if len(fields) not in (3, 4):
        raise EventProblem(EventProblem.BAD_LINE)
    words = fields[0].split()
    buildings = None
    if len(words) == 3:
        buildings = parse_buildings(words[0])
        if buildings is None:
            raise EventProblem(EventProblem.BAD_LINE)
        words = words[1:]
    if len(words) != 2:
        raise EventProblem(EventProblem.BAD_LINE)
    starts = parse_moment(words[0], words[1], now, zone)
    capacity = parse_capacity(fields[3]) if len(fields) == 4 else None
    return Draft(buildings, starts, clean_line(fields[1]), clean_line(fields[2]), capacity)


def calendar_file(event: EventRow, zone: ZoneInfo, stamp: datetime) -> bytes:
    """The event as an RFC 5545 calendar (PUBLISH, or CANCEL once cancelled), with the
    community's VTIMEZONE, a stable UID and the event's SEQUENCE."""
    cal = Calendar()
    cal.add("prodid", "-//Common Ground//Events//EN")
    cal.add("version", "2.0")
    cancelled = event.state == "cancelled"
    cal.add("method", "CANCEL" if cancelled else "PUBLISH")
    item = VEvent()
    item.add("uid", f"event-{event.id}@{UID_DOMAIN}")
    item.add("dtstamp", stamp)
    start = from_db(event.starts_at).astimezone(zone)
    item.add("dtstart", start)
    item.add("dtend", start + DEFAULT_LENGTH)
    item.add("summary", event.title)
    item.add("location", event.place)
    item.add("sequence", event.sequence)
    item.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if event.description:
        item.add("description", event.description)
    cal.add_component(item)
    cal.add_missing_timezones()
    return cal.to_ical()


class EventService:
    def __init__(
        self,
        repo: EventsRepository,
        people: AnnouncementsRepository,
        delivery: DeliveryService,
        *,
        timezone: ZoneInfo = UTC_ZONE,
        reminder_leads: tuple[int, ...] = (1440, 60),
        remind_maybe: bool = True,
        waitlist_hours: int = 12,
        clock: Clock = system_clock,
    ) -> None:
        self.repo = repo
        self.people = people
        self.delivery = delivery
        self.timezone = timezone
        self.reminder_leads = reminder_leads
        self.remind_maybe = remind_maybe
        self.waitlist_hours = waitlist_hours  # how long an offered place waits for a yes
        self.offers = AttendanceRepository(repo.db)
        self.clock = clock

    # ---------------------------------------------------------------- scope
    def _scope(self, actor: Actor, buildings: tuple[int, ...] | None) -> tuple[int, ...] | None:
        """A steward's event without buildings is for their buildings; others are refused."""
        if actor.buildings is None:
            return buildings
        if buildings is None:
            return tuple(sorted(actor.buildings))
        outside = [b for b in buildings if b not in actor.buildings]
        if outside:
            raise EventProblem(EventProblem.NOT_YOURS, str(outside[0]))
        return buildings

    def may_manage(self, actor: Actor, event: EventRow) -> bool:
        if actor.role >= Role.ORGANISER or event.created_by == actor.id:
            return True
        targets = event.buildings
        return (
            actor.role >= Role.STEWARD
            and targets is not None
            and set(targets) <= set(actor.buildings or ())
        )

    async def get(self, event_id: int) -> EventRow | None:
        return await self.repo.get(event_id)

    async def managed(self, actor: Actor, event_id: int) -> EventRow:
        event = await self.repo.get(event_id)
        if event is None or not self.may_manage(actor, event):
            raise EventProblem(EventProblem.NOT_FOUND, str(event_id))
        return event

    # ---------------------------------------------------------------- create and publish
    async def create(self, actor: Actor, update_id: int | None, line: str) -> EventRow:
        draft = parse_new_line(line, self.clock(), self.timezone)
        buildings = self._scope(actor, draft.buildings)
        async with self.repo.transaction() as tx:
            event_id = await self.repo.create(
                tx,
                actor.id,
                update_id,
                audience={"buildings": list(buildings) if buildings is not None else None},
                title=draft.title,
                place=draft.place,
                starts_at=to_db(draft.starts_at),
                capacity=draft.capacity,
            )
        return await self.repo.get(event_id)

    async def publish(
        self, actor: Actor, event_id: int, render: Render, *, update_id: int | None
    ) -> tuple[EventRow, int]:
        """The post to every resident of the audience (skipped ones with their reason), its
        reminders armed, in one transaction whose precondition is ``state = 'draft'``.
        Returns (the event, how many will get it)."""
        event = await self.managed(actor, event_id)
        now = self.clock()
        if from_db(event.starts_at) <= now:
            raise EventProblem(EventProblem.PAST)
        people = await self.people.people(event.buildings)
        recipients, sending = [], 0
        for person in people:
            locale = i18n.resolve_locale(person.locale, person.telegram_language)
            skip = None
            if person.status != "approved":
                skip = person.status
            elif person.paused:
                skip = SKIP_PAUSED
            elif person.unreachable:
                skip = SKIP_UNREACHABLE
            sending += skip is None
            recipients.append(
                Recipient(
                    person.user_id,
                    person.user_id,
                    render(event, locale) if skip is None else {},
                    skip_reason=skip,
                    locale=locale,
                    building_id=person.building_id,
                )
            )
        async with self.repo.transaction() as tx:
            current = await self.repo.get(event.id, tx)
            if current.state != "draft":
                raise EventProblem(EventProblem.CHANGED, current.state)
            job_id, _new = await self.delivery.start_job(
                "event",
                recipients,
                created_by=actor.id,
                update_id=update_id,
                reason=f"event:{event.id}",
                q=tx,
            )
            await self.repo.change(tx, event.id, ("draft",), bump=False, state="published")
            await self.repo.change(tx, event.id, ("published",), bump=False, job_id=job_id)
            await self._arm(tx, event.id, from_db(event.starts_at), now)
            await write_audit(tx, actor.id, "event.publish", details={"event": event.id})
        return await self.repo.get(event.id), sending

    async def discard(self, actor: Actor, event_id: int) -> EventRow:
        """A draft not published: cancelled (it was never sent)."""
        event = await self.managed(actor, event_id)
        async with self.repo.transaction() as tx:
            if not await self.repo.change(tx, event.id, ("draft",), bump=False, state="cancelled"):
                raise EventProblem(EventProblem.CHANGED, event.state)
        return await self.repo.get(event.id)

    async def _arm(self, tx, event_id: int, starts: datetime, now: datetime) -> None:
        """One pending reminder per lead time still ahead; a lead whose time passed has
        its pending reminder dropped."""
        passed = []
        for lead in self.reminder_leads:
            due = starts - timedelta(minutes=lead)
            if due > now:
                await self.repo.arm(tx, event_id, lead, to_db(due))
            else:
                passed.append(lead)
        if passed:
            await self.repo.drop_pending(tx, event_id, tuple(passed))

    # ---------------------------------------------------------------- answers
    async def answer(self, event_id: int, user_id: int, answer: str) -> Answered:
        """Record a resident's answer once. With a capacity, a Going beyond it joins the
        waitlist; a Going who changes their mind frees a place for the first who waits."""
        assert answer in ("going", "maybe", "no"), answer
        async with self.repo.transaction() as tx:
            event = await self.repo.get(event_id, tx)
            if event is None or event.state == "draft":
                raise EventProblem(EventProblem.NOT_FOUND, str(event_id))
            if event.state != "published" or from_db(event.starts_at) <= self.clock():
                raise EventProblem(EventProblem.CLOSED)
            residence = await self.repo.residence(user_id, tx)
            if (
                residence is None
                or residence[1] != "approved"
                or (event.buildings is not None and residence[0] not in event.buildings)
            ):
                raise EventProblem(EventProblem.NOT_INVITED)
            current = await self.repo.rsvp(event.id, user_id, tx)
            before = current.answer if current else None
            if answer == "going" and before in ("going", "waitlist"):
                return Answered(before, False, current.position, ())
            if answer == before:
                return Answered(before, False, None, ())
            stored = answer
            if answer == "going" and event.capacity is not None:
                going = (await self.repo.counts(event.id, tx))["going"]
                held = await self.offers.open_offers(event.id, tx)  # offered places wait
                if going + held >= event.capacity:
                    stored = "waitlist"
            position = await self.repo.put_rsvp(tx, event.id, user_id, stored)
            if before == "waitlist":  # leaving the waitlist gives back an offered place
                await self.offers.void_offer_of(tx, event.id, user_id, to_db(self.clock()))
            promoted = await self._promote(tx, event)
            await self.repo.want_refresh(tx, event.id)
        return Answered(stored, True, position, promoted)

    async def _promote(self, tx, event: EventRow) -> tuple[int, ...]:
        """Free places are *offered* to the first who wait, in order, with a time limit
        (services/event_attendance.py); returns who was offered one."""
        return await offer_free_places(
            tx, self.offers, self.repo, event, self.clock(), self.waitlist_hours
        )

    async def counts(self, event_id: int) -> dict[str, int]:
        return await self.repo.counts(event_id)

    async def my_answer(self, event_id: int, user_id: int) -> str | None:
        found = await self.repo.rsvp(event_id, user_id)
        return found.answer if found else None

    # ---------------------------------------------------------------- calendar
    async def calendar(self, actor: Actor, event_id: int) -> tuple[EventRow, bytes]:
        """The .ics of an event, for a resident of its audience, someone who answered, or
        someone who manages it."""
        event = await self.repo.get(event_id)
        if event is None or event.state == "draft":
            raise EventProblem(EventProblem.NOT_FOUND, str(event_id))
        if not self.may_manage(actor, event):
            residence = await self.repo.residence(actor.id, self.repo.db)
            answered = await self.repo.rsvp(event.id, actor.id)
            invited = residence is not None and (
                event.buildings is None or residence[0] in event.buildings
            )
            if answered is None and not invited:
                raise EventProblem(EventProblem.NOT_FOUND, str(event_id))
        return event, calendar_file(event, self.timezone, self.clock())

    # ---------------------------------------------------------------- lists
    async def upcoming_for(self, actor: Actor, building_id: int | None) -> list[EventRow]:
        """Organisers: every upcoming event; others: those for every building, their own
        building's, and (stewards) their buildings'."""
        events = await self.repo.upcoming(to_db(self.clock()))
        if actor.buildings is None:
            return events
        mine = set(actor.buildings) | ({building_id} if building_id else set())
        return [e for e in events if e.buildings is None or set(e.buildings) & mine]

    async def mine(self, user_id: int) -> list[tuple[EventRow, str]]:
        return await self.repo.mine(user_id, to_db(self.clock()))

    async def reminders(self, event_id: int) -> list[dict]:
        return await self.repo.reminders(event_id)

    # ---------------------------------------------------------------- changes
    def _recipients(self, event: EventRow, readers: list[Reader], render: Render):
        out = []
        for reader in readers:
            locale = i18n.resolve_locale(reader.locale, reader.telegram_language)
            out.append(
                Recipient(reader.user_id, reader.user_id, render(event, locale), locale=locale)
            )
        return out

    async def cancel(
        self, actor: Actor, event_id: int, reason: str, render: Render, *, update_id: int | None
    ) -> tuple[EventRow, int]:
        """Cancelled (sequence + 1), its reminders dropped, and everyone who answered told, in
        one transaction. Returns (the event, how many are told)."""
        event = await self.managed(actor, event_id)
        why = clean_line(reason, 500)
        async with self.repo.transaction() as tx:
            if not await self.repo.change(
                tx, event.id, ("published",), bump=True, state="cancelled", cancel_reason=why
            ):
                raise EventProblem(EventProblem.CHANGED, event.state)
            await self.repo.drop_pending(tx, event.id, None)
            after = await self.repo.get(event.id, tx)
            readers = await self.repo.answered(event.id, ("going", "maybe", "no", "waitlist"), tx)
            await self.delivery.start_job(
                "event.cancel",
                self._recipients(after, readers, render),
                created_by=actor.id,
                update_id=update_id,
                reason=f"event:{event.id}",
                q=tx,
            )
            await write_audit(tx, actor.id, "event.cancel", details={"event": event.id}, reason=why)
        return after, len(readers)

    async def edit(
        self,
        actor: Actor,
        event_id: int,
        what: str,
        value: str,
        render: Render,
        *,
        update_id: int | None,
    ) -> tuple[EventRow, int, tuple[int, ...]]:
        """``when 2026-12-06 19:00``, ``title ...``, ``place ...`` or ``capacity 40``: saved,
        sequence + 1, reminders moved, everyone who answered told (in one transaction).
        Returns (the event, how many are told, who moved from the waitlist to Going)."""
        event = await self.managed(actor, event_id)
        what = what.lower()
        now = self.clock()
        changes: dict = {}
        if what == "when":
            words = value.split()
            if len(words) != 2:
                raise EventProblem(EventProblem.BAD_EDIT)
            changes["starts_at"] = to_db(parse_moment(words[0], words[1], now, self.timezone))
        elif what in ("title", "place"):
            changes[what] = clean_line(value)
        elif what == "capacity":
            changes["capacity"] = parse_capacity(value)
        else:
            raise EventProblem(EventProblem.BAD_EDIT)
        async with self.repo.transaction() as tx:
            editable = ("draft", "published")
            if not await self.repo.change(tx, event.id, editable, bump=True, **changes):
                raise EventProblem(EventProblem.CHANGED, event.state)
            after = await self.repo.get(event.id, tx)
            promoted: tuple[int, ...] = ()
            readers: list[Reader] = []
            if after.state == "published":
                if "starts_at" in changes:
                    await self._arm(tx, event.id, from_db(after.starts_at), now)
                if "capacity" in changes:
                    promoted = await self._promote(tx, after)
                await self.repo.want_refresh(tx, event.id)
                readers = await self.repo.answered(
                    event.id, ("going", "maybe", "no", "waitlist"), tx
                )
                await self.delivery.start_job(
                    "event.edit",
                    self._recipients(after, readers, render),
                    created_by=actor.id,
                    update_id=update_id,
                    reason=f"event:{event.id}",
                    q=tx,
                )
            await write_audit(
                tx, actor.id, "event.edit", details={"event": event.id, "changed": what}
            )
        return after, len(readers), promoted

    # ---------------------------------------------------------------- reminders
    async def due_work(self) -> tuple[list[int], list[int]]:
        """(reminders due, events whose copies' counts may be refreshed): one read."""
        now = self.clock()
        return await self.repo.work_due(to_db(now), to_db(now - REFRESH_EVERY))

    async def send_reminder(self, reminder_id: int, render: Render) -> str | None:
        """Queue one due reminder, or drop it when its event started (or is gone), in ONE
        transaction with the outbox job: whatever runs twice, it is queued once. Returns
        the reminder's new state, or None when another tick took it first."""
        now = self.clock()
        async with self.repo.transaction() as tx:
            row = await self.repo.reminder(tx, reminder_id)
            if row is None or row["state"] != "pending" or row["due_at"] > to_db(now):
                return None
            event = await self.repo.get(row["event_id"], tx)
            if event is None or event.state != "published" or from_db(event.starts_at) <= now:
                await self.repo.settle_reminder(tx, reminder_id, "dropped")
                return "dropped"
            answers = ("going", "maybe") if self.remind_maybe else ("going",)
            readers = await self.repo.answered(event.id, answers, tx)
            recipients = []
            for reader in readers:
                locale = i18n.resolve_locale(reader.locale, reader.telegram_language)
                skip = (
                    SKIP_PAUSED
                    if reader.paused
                    else SKIP_UNREACHABLE
                    if reader.unreachable
                    else None
                )
                recipients.append(
                    Recipient(
                        reader.user_id,
                        reader.user_id,
                        render(event, locale) if skip is None else {},
                        skip_reason=skip,
                        locale=locale,
                    )
                )
            job_id, _new = await self.delivery.start_job(
                "event.reminder",
                recipients,
                reason=f"event:{event.id}:reminder:{row['lead_minutes']}",
                q=tx,
            )
            await self.repo.settle_reminder(tx, reminder_id, "queued", job_id)
        return "queued"

    async def refresh_copies(
        self, event_id: int, render: Callable[[EventRow, str, dict], dict]
    ) -> int | None:
        """At most once per ``REFRESH_EVERY`` per event: one bulk job editing every delivered
        copy of the post with the counts now (``render(event, locale, counts)`` gives the
        edit). Returns the job's id, or None when not due (or taken by another tick)."""
        now = self.clock()
        async with self.repo.transaction() as tx:
            if not await self.repo.take_refresh(
                tx, event_id, to_db(now), to_db(now - REFRESH_EVERY)
            ):
                return None
            event = await self.repo.get(event_id, tx)
            if event is None or event.job_id is None:
                return None
            counts = await self.repo.counts(event.id, tx)
            copies = await self.repo.copies(event.job_id, tx)
            rendered: dict[str, dict] = {}
            recipients = []
            for copy in copies:
                locale = copy["locale"] or i18n.resolve_locale(None, None)
                if locale not in rendered:
                    rendered[locale] = render(event, locale, counts)
                edit = {**rendered[locale], "message_id": copy["message_id"]}
                recipients.append(
                    Recipient(copy["chat_id"], copy["user_id"], {"op": "edit", "edits": [edit]})
                )
            if not recipients:
                return None
            job_id, _new = await self.delivery.start_job(
                "event.counts", recipients, reason=f"event:{event.id}:counts", q=tx
            )
        return job_id
