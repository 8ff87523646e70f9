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

import calendar as month_days
import itertools
import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from enum import Enum
from zoneinfo import ZoneInfo

from icalendar import Calendar
from icalendar import Event as VEvent

from bot import i18n
from bot.clock import Clock, from_db, system_clock, to_db
from bot.numbers import parse_int
from bot.services.delivery import DeliveryService
from bot.services.event_attendance import offer_free_places
from bot.services.problems import ButtonProblem, Problem
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
        BAD_REPEAT = "bad_repeat"  # ``every week until 2027-03-01`` was not followed
        NOT_RESIDENT = "not_resident"  # a press in a group by someone who has not signed up
        EDIT_DONE = "edit_done"  # the dates of a kept edit were chosen already


Render = Callable[[EventRow, str], dict]  # (event, locale) -> an outbox payload
RenderMany = Callable[[list[EventRow], str], dict]  # several dates of a series, one message
SCOPES = ("one", "later", "all")  # an edit: the date named, and its later dates, every date
ANSWERS = ("going", "maybe", "no", "waitlist")  # who answered is told of a change


@dataclass(frozen=True)
class Repeat:
    """A series: ``every`` 'week' or 'month', until a local date (inclusive)."""

    every: str
    until: date


@dataclass(frozen=True)
class Draft:
    buildings: tuple[int, ...] | None
    starts_at: datetime
    title: str
    place: str
    capacity: int | None
    description: str | None = None
    repeat: Repeat | None = None


@dataclass(frozen=True)
class Edited:
    """What an edit did: the dates changed (the one named first), how many residents are
    told (one message each), and who was offered a freed place, by event."""

    events: list[EventRow]
    told: int
    promoted: dict[int, tuple[int, ...]]


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
    """``[BUILDING[,BUILDING]] 2026-12-05 18:30 | Title | Place [| capacity]
    [| every week until 2027-03-01]``."""
    fields = [part.strip() for part in text.split("|")]
    repeat = None
    if len(fields) in (4, 5) and fields[-1].lower().startswith("every"):
        repeat = parse_repeat(fields.pop())
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
    draft = Draft(buildings, starts, clean_line(fields[1]), clean_line(fields[2]), capacity)
    if repeat is not None:
        check_repeat(starts, repeat, zone)
        draft = replace(draft, repeat=repeat)
    return draft


# ------------------------------------------------------------------------------ series
MAX_OCCURRENCES = 52  # a series makes at most this many events (a year of weekly meetings)
_REPEAT = re.compile(r"every\s+(week|month)\s+until\s+(\S+)", re.IGNORECASE)


def parse_repeat(text: str) -> Repeat:
    """``every week until 2027-03-01`` or ``every month until 2027-06-30``."""
    found = _REPEAT.fullmatch(" ".join(text.split()))
    if found is None:
        raise EventProblem(EventProblem.BAD_REPEAT)
    try:
        until = date.fromisoformat(found[2])
    except ValueError:
        raise EventProblem(EventProblem.BAD_REPEAT) from None
    return Repeat(found[1].lower(), until)


def check_repeat(starts: datetime, repeat: Repeat, zone: ZoneInfo) -> None:
    """The end date must leave room for a second occurrence."""
    if len(occurrences(starts, repeat, zone)) < 2:
        raise EventProblem(EventProblem.BAD_REPEAT)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day (31 Jan + 1 = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, month_days.monthrange(year, month)[1]))


def occurrences(starts: datetime, repeat: Repeat, zone: ZoneInfo) -> list[datetime]:
    """Every start of the series (the first included), at the same local wall-clock time
    across clock changes, up to ``repeat.until`` and at most ``MAX_OCCURRENCES``; in UTC."""
    local = starts.astimezone(zone)
    wall, first = local.time().replace(tzinfo=None), local.date()
    found = []
    for k in range(MAX_OCCURRENCES):
        day = first + timedelta(weeks=k) if repeat.every == "week" else add_months(first, k)
        if day > repeat.until:
            break
        found.append(datetime.combine(day, wall, tzinfo=zone).astimezone(UTC_ZONE))
    return found


def calendar_file(event: EventRow, zone: ZoneInfo, stamp: datetime) -> bytes:
    """The event as an RFC 5545 calendar (PUBLISH, or CANCEL once cancelled), with the
    community's VTIMEZONE, a stable UID and the event's SEQUENCE."""
    return calendar_of([event], zone, stamp, cancel=event.state == "cancelled")


def series_calendar_file(events: list[EventRow], zone: ZoneInfo, stamp: datetime) -> bytes:
    """Several dates of a series in one calendar (PUBLISH): one VEVENT each, with its own
    UID and SEQUENCE, so a calendar app updates each date it already has."""
    return calendar_of(events, zone, stamp, cancel=False)


def calendar_of(events: list[EventRow], zone: ZoneInfo, stamp: datetime, *, cancel: bool) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//Common Ground//Events//EN")
    cal.add("version", "2.0")
    cal.add("method", "CANCEL" if cancel else "PUBLISH")
    for event in events:
        cancelled = event.state == "cancelled"
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


def group_language(people: list, building_id: int) -> str:
    """The language of a building's group: the one most of the building's approved residents
    read the bot in (their choice, else their Telegram app's); a tie goes to the community's
    default language when it is among the most used, else to the first in ``i18n.LOCALES``;
    no resident yet: the community's default. A group has no language of its own in Telegram,
    and its members are the building's residents, so the post reads as most of them would."""
    counts = Counter(
        i18n.resolve_locale(p.locale, p.telegram_language)
        for p in people
        if p.building_id == building_id and p.status == "approved"
    )
    if not counts:
        return i18n.default_locale()
    most = max(counts.values())
    top = [loc for loc, n in counts.items() if n == most]
    if i18n.default_locale() in top:
        return i18n.default_locale()
    return min(top, key=lambda loc: i18n.LOCALES.index(loc) if loc in i18n.LOCALES else 99)


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
        """Organisers every event; stewards those wholly within their buildings now."""
        return actor.manages(event.buildings)

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
        return await self._create(actor, update_id, draft)

    async def _create(self, actor: Actor, update_id: int | None, draft: Draft) -> EventRow:
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
            await self._save_extras(tx, event_id, draft)
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
        recipients, sending = await self._post_recipients(event, render)
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
            await self._spawn_series(tx, current, now)
            await write_audit(tx, actor.id, "event.publish", details={"event": event.id})
        return await self.repo.get(event.id), sending

    async def _post_recipients(self, event: EventRow, render: Render) -> tuple[list, int]:
        """The post's rows: every resident of the audience (skipped ones with their reason)
        and each linked group of its buildings (a group row: user_id NULL, in the group's
        language: :func:`group_language`). Returns (rows, how many residents will get it)."""
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
        for building_id, chat_id in await self.repo.groups_of(event.buildings):
            locale = group_language(people, building_id)
            recipients.append(
                Recipient(
                    chat_id,
                    None,
                    render(event, locale),
                    locale=locale,
                    building_id=building_id,
                )
            )
        return recipients, sending

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

    async def series_calendar(self, actor: Actor, event_id: int) -> tuple[EventRow, bytes]:
        """Every date still to come of ``event_id``'s series in one .ics, for whoever may
        have the calendar file of ``event_id`` itself."""
        event, _single = await self.calendar(actor, event_id)
        dates = await self.repo.upcoming_in_series(event, to_db(self.clock()), self.repo.db)
        return event, series_calendar_file(dates or [event], self.timezone, self.clock())

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

    # ---------------------------------------------------------------- edits (one date or more)
    def _check_edit(self, event: EventRow, what: str, value: str) -> tuple[str, str]:
        """``when 2026-12-06 19:00`` (or ``when 19:00``: the same day), ``title ...``,
        ``place ...`` or ``capacity 40``, checked now (so a mistake is answered at once);
        returns (what, value) as they will be applied."""
        what, value = what.lower(), " ".join(value.split())
        if what not in EDITABLE or not value:
            raise EventProblem(EventProblem.BAD_EDIT)
        self._changes(event, event, what, value, self.clock())
        return what, value

    def _changes(
        self, target: EventRow, anchor: EventRow, what: str, value: str, now: datetime
    ) -> dict:
        """The columns ``target`` gets when ``anchor`` (the date named) gets ``what value``.
        A new date moves every target by as many days as the anchor moves; a new time is
        the same wall-clock time on each target's own day (across clock changes)."""
        if what in ("title", "place"):
            return {what: clean_line(value)}
        if what == "capacity":
            return {"capacity": parse_capacity(value)}
        words = value.split()
        if len(words) not in (1, 2):
            raise EventProblem(EventProblem.BAD_EDIT)
        zone = self.timezone
        anchor_day = from_db(anchor.starts_at).astimezone(zone).date()
        shift = timedelta(0)
        if len(words) == 2:
            moved = parse_moment(words[0], words[1], now, zone)
            shift = moved.date() - anchor_day
        day = from_db(target.starts_at).astimezone(zone).date() + shift
        return {"starts_at": to_db(parse_moment(day.isoformat(), words[-1], now, zone))}

    async def in_series(self, event: EventRow) -> bool:
        """Whether ``event`` is one of several dates still to come of a series (an edit then
        asks which dates it is for)."""
        if event.series_id is None or event.state != "published":
            return False
        dates = await self.repo.upcoming_in_series(event, to_db(self.clock()), self.repo.db)
        return len(dates) > 1

    async def propose_edit(
        self, actor: Actor, event_id: int, what: str, value: str, *, update_id: int | None
    ) -> tuple[EventRow, int, bool]:
        """An edit of one date of a series, checked and kept until its author chooses the
        dates (:meth:`apply_edit`). Returns (the event, the edit's id, whether earlier dates
        are still to come, so that "every date" differs from "this and the later ones")."""
        event = await self.managed(actor, event_id)
        what, value = self._check_edit(event, what, value)
        edit_id = await self.repo.add_edit(event.id, actor.id, what, value, update_id)
        dates = await self.repo.upcoming_in_series(event, to_db(self.clock()), self.repo.db)
        return event, edit_id, bool(dates) and dates[0].id != event.id

    async def apply_edit(
        self,
        actor: Actor,
        edit_id: int,
        scope: str,
        render: Render,
        render_many: RenderMany,
        *,
        update_id: int | None,
    ) -> Edited:
        """The author's choice pressed: the kept edit applied to ``scope`` (once), with the
        author's permission checked again now."""
        async with self.repo.transaction() as tx:
            row = await self.repo.edit_row(tx, edit_id)
        if row is None or row["user_id"] != actor.id:
            raise ButtonProblem(ButtonProblem.STALE)
        event = await self.managed(actor, row["event_id"])
        return await self._apply(
            actor,
            event,
            row["what"],
            row["value"],
            scope,
            render,
            render_many,
            update_id=update_id,
            pending=edit_id,
        )

    async def edit(
        self,
        actor: Actor,
        event_id: int,
        what: str,
        value: str,
        render: Render,
        *,
        update_id: int | None,
        scope: str = "one",
        render_many: RenderMany | None = None,
    ) -> Edited:
        """``/editevent 4 [series|all] when 2026-12-06 19:00`` (or ``title``, ``place``,
        ``capacity``): saved on the date named (``one``), on it and its series' later dates
        (``later``), or on every date of its series still to come (``all``); each date's
        sequence + 1 and its reminders moved; everyone who answered any of them told once (in
        one transaction). ``render_many(events, locale)`` tells of several dates in one
        message."""
        event = await self.managed(actor, event_id)
        if scope != "one" and event.series_id is None:
            raise EventProblem(EventProblem.BAD_REPEAT)
        what, value = self._check_edit(event, what, value)
        return await self._apply(
            actor, event, what, value, scope, render, render_many, update_id=update_id
        )

    async def _apply(
        self,
        actor: Actor,
        event: EventRow,
        what: str,
        value: str,
        scope: str,
        render: Render,
        render_many: RenderMany | None,
        *,
        update_id: int | None,
        pending: int | None = None,
    ) -> Edited:
        assert scope in SCOPES, scope
        now = self.clock()
        async with self.repo.transaction() as tx:
            if pending is not None and not await self.repo.edit_applied(tx, pending, scope):
                raise EventProblem(EventProblem.EDIT_DONE)
            anchor = await self.repo.get(event.id, tx)
            targets = [anchor]
            if scope == "later":
                targets += await self.repo.later_in_series(anchor, tx)
            elif scope == "all":
                dates = await self.repo.upcoming_in_series(anchor, to_db(now), tx)
                targets += [d for d in dates if d.id != anchor.id]
            changed: list[EventRow] = []
            promoted: dict[int, tuple[int, ...]] = {}
            told: dict[int, tuple[Reader, list[EventRow]]] = {}
            for target in targets:
                if not self.may_manage(actor, target):
                    raise EventProblem(EventProblem.NOT_FOUND, str(target.id))
                changes = self._changes(target, event, what, value, now)
                states = ("draft", "published") if target.id == anchor.id else ("published",)
                if not await self.repo.change(tx, target.id, states, bump=True, **changes):
                    if target.id == anchor.id:
                        raise EventProblem(EventProblem.CHANGED, anchor.state)
                    continue  # cancelled meanwhile
                after = await self.repo.get(target.id, tx)
                changed.append(after)
                if after.state != "published":
                    continue
                if "starts_at" in changes:
                    await self._arm(tx, after.id, from_db(after.starts_at), now)
                if "capacity" in changes:
                    promoted[after.id] = await self._promote(tx, after)
                await self.repo.want_refresh(tx, after.id)
                for reader in await self.repo.answered(after.id, ANSWERS, tx):
                    told.setdefault(reader.user_id, (reader, []))[1].append(after)
            if what == "when" and anchor.series_id is not None:
                await self.repo.repost_after_previous(tx, anchor.series_id)
            recipients = []
            for reader, events in told.values():
                locale = i18n.resolve_locale(reader.locale, reader.telegram_language)
                payload = (
                    render(events[0], locale)
                    if len(events) == 1 or render_many is None
                    else render_many(events, locale)
                )
                recipients.append(Recipient(reader.user_id, reader.user_id, payload, locale=locale))
            if anchor.state == "published":
                await self.delivery.start_job(
                    "event.edit",
                    recipients,
                    created_by=actor.id,
                    update_id=update_id,
                    reason=f"event:{anchor.id}",
                    q=tx,
                )
            details: dict = {"event": anchor.id, "changed": what}
            if scope != "one":
                details.update(scope=scope, events=[e.id for e in changed])
            await write_audit(tx, actor.id, "event.edit", details=details)
        return Edited(changed, len(recipients), promoted)

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
            return await self._edit_copies_job(tx, event, render, "counts")

    # ---------------------------------------------------------------- series (0016)
    async def _save_extras(self, tx, event_id: int, draft: Draft) -> None:
        """What the first form did not carry: a description, and a series' rule."""
        extras: dict = {}
        if draft.description:
            extras["description"] = draft.description
        if draft.repeat is not None:
            extras.update(
                series_id=event_id,
                repeat=draft.repeat.every,
                repeat_until=draft.repeat.until.isoformat(),
            )
        if extras:
            await self.repo.change(tx, event_id, ("draft",), bump=False, **extras)

    def occurrences_of(self, event: EventRow) -> list[datetime]:
        """Every start of ``event``'s series (just its own start when it does not repeat)."""
        if event.repeat is None or event.repeat_until is None:
            return [from_db(event.starts_at)]
        rule = Repeat(event.repeat, date.fromisoformat(event.repeat_until))
        return occurrences(from_db(event.starts_at), rule, self.timezone)

    async def _spawn_series(self, tx, first: EventRow, now: datetime) -> list[int]:
        """At publish: one published event per later occurrence, each with its own reminders;
        each is posted when the one before it starts (the tick, ``post_due``)."""
        if first.repeat is None:
            return []
        made = []
        starts = self.occurrences_of(first)
        for before, start in itertools.pairwise(starts):
            event_id = await self.repo.add_occurrence(tx, first, to_db(start), to_db(before))
            await self._arm(tx, event_id, start, now)
            made.append(event_id)
        return made

    async def series(self, event: EventRow) -> list[EventRow]:
        return await self.repo.series(event.series_id) if event.series_id else [event]

    async def post_due(self, render: Render) -> list[int]:
        """Start the post of every later occurrence whose time to be posted came (once: its
        ``job_id`` is the precondition). Returns the events posted."""
        posted = []
        for event_id in await self.repo.posts_due(to_db(self.clock())):
            event = await self.repo.get(event_id)
            recipients, _sending = await self._post_recipients(event, render)
            async with self.repo.transaction() as tx:
                current = await self.repo.get(event_id, tx)
                if current.state != "published" or current.job_id is not None:
                    continue
                job_id, _new = await self.delivery.start_job(
                    "event", recipients, reason=f"event:{event_id}", q=tx
                )
                await self.repo.change(tx, event_id, ("published",), bump=False, job_id=job_id)
            posted.append(event_id)
        return posted

    async def cancel_series(
        self, actor: Actor, event_id: int, reason: str, render: Render, *, update_id: int | None
    ) -> tuple[list[EventRow], int]:
        """This occurrence and every later one of its series cancelled, each telling everyone
        who answered it. Returns (the events cancelled, how many are told in all)."""
        event = await self.managed(actor, event_id)
        if event.series_id is None:
            raise EventProblem(EventProblem.BAD_REPEAT)
        later = await self.repo.later_in_series(event, self.repo.db)
        first, told = await self.cancel(actor, event.id, reason, render, update_id=update_id)
        done = [first]
        for other in later:
            try:
                cancelled, n = await self.cancel(actor, other.id, reason, render, update_id=None)
            except EventProblem:  # cancelled meanwhile
                continue
            done.append(cancelled)
            told += n
        return done, told

    async def edit_copies(
        self, event_id: int, render: Callable[[EventRow, str, dict], dict]
    ) -> int | None:
        """At once (no debounce): one bulk job editing every delivered copy of the post (in
        each chat, groups included) to the event as it is now, ``render(event, locale,
        counts)``; a cancelled event's copies lose their buttons, and its copies not sent yet
        are skipped ('cancelled'). Returns the job's id."""
        async with self.repo.transaction() as tx:
            event = await self.repo.get(event_id, tx)
            if event is None or event.job_id is None:
                return None
            await tx.execute(
                "UPDATE events SET refresh_wanted = 0, refreshed_at = ? WHERE id = ?",
                (to_db(self.clock()), event_id),
            )
            if event.state == "cancelled" and await self.repo.skip_unsent(tx, event.job_id):
                await self.delivery.repo.finish_jobs({event.job_id}, tx)
            return await self._edit_copies_job(tx, event, render, "copies")

    async def _edit_copies_job(self, tx, event: EventRow, render, what: str) -> int | None:
        """One edit job (in ``tx``) that rewrites every delivered copy of the event's post,
        rendered once per language by ``render(event, locale, counts)``; None: no copies."""
        counts = await self.repo.counts(event.id, tx)
        rendered: dict[str, dict] = {}
        recipients = []
        for copy in await self.repo.copies(event.job_id, tx):
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
            f"event.{what}", recipients, reason=f"event:{event.id}:{what}", q=tx
        )
        return job_id

    async def require_resident(self, user_id: int) -> None:
        """A press in a group: only residents who signed up (and were approved) answer."""
        residence = await self.repo.residence(user_id, self.repo.db)
        if residence is None or residence[1] != "approved":
            raise EventProblem(EventProblem.NOT_RESIDENT)

    # ---------------------------------------------------------------- the guided flow (0016)
    async def _draft(self, actor: Actor, draft_id: int) -> dict:
        """The presser's own unfinished draft; anything else is a stale button."""
        found = await self.repo.draft(draft_id, actor.id)
        if found is None or actor.role < Role.STEWARD:
            raise ButtonProblem(ButtonProblem.STALE)
        return found

    async def draft_start(self, actor: Actor) -> dict:
        """The author's unfinished draft (resumed where they left it), else a new one whose
        audience is every building (organisers) or the steward's buildings."""
        found = await self.repo.draft_of(actor.id)
        if found is not None:
            return found
        buildings = None if actor.buildings is None else sorted(actor.buildings)
        async with self.repo.transaction() as tx:
            await self.repo.new_draft(tx, actor.id, buildings)
        return await self.repo.draft_of(actor.id)

    async def draft_get(self, actor: Actor, draft_id: int) -> dict:
        return await self._draft(actor, draft_id)

    async def _set(self, draft: dict, **fields) -> dict:
        async with self.repo.transaction() as tx:
            if not await self.repo.set_draft(tx, draft["id"], **fields):
                raise ButtonProblem(ButtonProblem.STALE)
        return await self.repo.draft(draft["id"], draft["user_id"])

    def _at(self, draft: dict, *steps: str) -> None:
        if draft["step"] not in steps:
            raise ButtonProblem(ButtonProblem.STALE)

    async def draft_toggle(self, actor: Actor, draft_id: int, building_id: int) -> dict:
        """Toggle a building (0: every building, organisers only) in the audience."""
        draft = await self._draft(actor, draft_id)
        self._at(draft, "audience")
        if building_id == 0:
            if actor.buildings is not None:
                raise EventProblem(EventProblem.NOT_YOURS, "0")
            return await self._set(draft, buildings=None)
        if not actor.looks_after(building_id):
            raise EventProblem(EventProblem.NOT_YOURS, str(building_id))
        chosen = set(draft["buildings"] or ()) ^ {building_id}
        if not chosen and actor.buildings is not None:
            chosen = set(actor.buildings)
        return await self._set(draft, buildings=sorted(chosen) if chosen else None)

    async def draft_audience_done(self, actor: Actor, draft_id: int) -> dict:
        draft = await self._draft(actor, draft_id)
        self._at(draft, "audience")
        self._scope(actor, tuple(draft["buildings"]) if draft["buildings"] else None)
        return await self._set(draft, step="title")

    async def draft_title(self, actor: Actor, draft_id: int, text: str) -> dict:
        draft = await self._draft(actor, draft_id)
        self._at(draft, "title")
        local = self.clock().astimezone(self.timezone)
        return await self._set(
            draft, title=clean_line(text), step="date", month=local.strftime("%Y-%m")
        )

    async def draft_month(self, actor: Actor, draft_id: int, month: date) -> dict:
        """Another calendar page: not before this month, at most two years ahead."""
        draft = await self._draft(actor, draft_id)
        self._at(draft, "date", "until")
        today = self.clock().astimezone(self.timezone).date()
        first = today.replace(day=1)
        if not first <= month <= add_months(first, 24):
            raise ButtonProblem(ButtonProblem.STALE)
        return await self._set(draft, month=month.strftime("%Y-%m"))

    async def draft_day(self, actor: Actor, draft_id: int, day: date) -> dict:
        """The day of the event (step 'date') or of the series' end (step 'until')."""
        draft = await self._draft(actor, draft_id)
        self._at(draft, "date", "until")
        today = self.clock().astimezone(self.timezone).date()
        if day < today:
            raise EventProblem(EventProblem.PAST)
        if draft["step"] == "date":
            return await self._set(draft, day=day.isoformat(), step="time")
        starts = self._draft_start(draft)
        rule = Repeat(draft["repeat"], day)
        check_repeat(starts, rule, self.timezone)
        return await self._set(draft, repeat_until=day.isoformat(), step="description")

    def _draft_start(self, draft: dict) -> datetime:
        return parse_moment(draft["day"], draft["time"], self.clock(), self.timezone)

    async def draft_time(self, actor: Actor, draft_id: int, text: str) -> dict:
        """``18:30`` (a button or typed; ``9:00`` too): on the chosen day, in the future."""
        draft = await self._draft(actor, draft_id)
        self._at(draft, "time")
        try:
            hours, minutes = (int(part) for part in text.strip().split(":"))
            moment = time(hours, minutes)
        except ValueError:
            raise EventProblem(EventProblem.BAD_DATE, text.strip()[:20]) from None
        chosen = moment.strftime("%H:%M")
        parse_moment(draft["day"], chosen, self.clock(), self.timezone)
        return await self._set(draft, time=chosen, step="place")

    async def draft_place(self, actor: Actor, draft_id: int, text: str) -> dict:
        draft = await self._draft(actor, draft_id)
        self._at(draft, "place")
        return await self._set(draft, place=clean_line(text), step="capacity")

    async def draft_capacity(self, actor: Actor, draft_id: int, places: str | int) -> dict:
        """A number of places (0 or none: no limit)."""
        draft = await self._draft(actor, draft_id)
        self._at(draft, "capacity")
        value = places if isinstance(places, int) else parse_capacity(places)
        if not 0 <= value <= CAPACITY_MAX:
            raise EventProblem(EventProblem.BAD_CAPACITY)
        return await self._set(draft, capacity=value or None, step="repeat")

    async def draft_repeat(self, actor: Actor, draft_id: int, every: str) -> dict:
        """Once, or every week / month (then the end date, from the calendar)."""
        draft = await self._draft(actor, draft_id)
        self._at(draft, "repeat")
        if every == "once":
            return await self._set(draft, repeat=None, repeat_until=None, step="description")
        start = date.fromisoformat(draft["day"])
        return await self._set(draft, repeat=every, step="until", month=start.strftime("%Y-%m"))

    async def draft_description(self, actor: Actor, draft_id: int, text: str | None) -> dict:
        draft = await self._draft(actor, draft_id)
        self._at(draft, "description")
        return await self._set(draft, description=clean_line(text, 1000) if text else "")

    async def draft_finish(self, actor: Actor, draft_id: int, update_id: int | None) -> EventRow:
        """The draft becomes an event (state 'draft', the same preview as the one-line form);
        every rule is checked again now."""
        draft = await self._draft(actor, draft_id)
        self._at(draft, "description")
        rule = None
        if draft["repeat"]:
            rule = Repeat(draft["repeat"], date.fromisoformat(draft["repeat_until"]))
        made = Draft(
            tuple(draft["buildings"]) if draft["buildings"] else None,
            self._draft_start(draft),
            clean_line(draft["title"]),
            clean_line(draft["place"]),
            draft["capacity"],
            draft["description"] or None,
            rule,
        )
        if rule is not None:
            check_repeat(made.starts_at, rule, self.timezone)
        event = await self._create(actor, update_id, made)
        async with self.repo.transaction() as tx:
            await self.repo.drop_draft(tx, draft["id"])
        return event

    async def draft_cancel(self, actor: Actor, draft_id: int) -> None:
        draft = await self._draft(actor, draft_id)
        async with self.repo.transaction() as tx:
            await self.repo.drop_draft(tx, draft["id"])
