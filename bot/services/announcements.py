"""Announcements: a steward or organiser writes an update once, with a variant per language,
and it reaches the right residents through the delivery engine.

The life of one: ``draft`` (audience and texts can change) -> ``awaiting_approval`` (a large
audience needs a second steward or organiser) or ``scheduled`` (a time chosen, or quiet hours)
-> ``sending`` (an outbox job exists) -> ``sent``; or ``cancelled`` at any point before it is
sent. Every change of state checks the state it expects inside its write's transaction, so of
two presses only one acts. Rendering the message for each resident (their language, the
buttons) belongs to the handlers; this module decides who gets which variant, and when.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from enum import Enum
from zoneinfo import ZoneInfo

from bot import i18n
from bot.clock import Clock, from_db, system_clock, to_db
from bot.config import SUPPORTED_LOCALES
from bot.numbers import parse_int
from bot.services.delivery import DeliveryService
from bot.services.problems import Problem
from bot.services.roles import Actor, Role, RoleService
from bot.services.signup import AFFORDABILITIES, TENURES
from bot.services.smallgroups import hide_small
from bot.storage.announcements import AnnouncementRow, AnnouncementsRepository, Person, Variant
from bot.storage.audit import write_audit
from bot.storage.outbox import Recipient

UTC_ZONE = ZoneInfo("UTC")
BODY_MAX = 12000  # three messages at most
ROLE_FILTERS = ("resident", "steward", "organiser")
# Who gets nothing, and why (the report counts each).
SKIP_PAUSED, SKIP_UNREACHABLE = "paused", "unreachable"
SKIP_BANNED, SKIP_PENDING, SKIP_REJECTED = "banned", "pending", "rejected"
SKIP_NO_TRANSLATION = "no_translation"


class AnnouncementProblem(Problem):
    class Kind(Enum):
        NOT_FOUND = "not_found"
        NO_TEXT = "no_text"
        TOO_LONG = "too_long"
        BAD_AUDIENCE = "bad_audience"  # detail: the word that was not understood
        NOT_YOURS = "not_yours"  # a building the steward does not look after
        EVERYONE_ORGANISERS = "everyone_organisers"
        NOBODY = "nobody"  # the audience has nobody to send to
        CHANGED = "changed"  # detail: the state it is in now
        MISSING_LANGUAGES = "missing_languages"  # detail: the languages
        OWN_APPROVAL = "own_approval"
        NOT_TRANSLATOR = "not_translator"
        BAD_TIME = "bad_time"
        PAST_TIME = "past_time"
        EDIT_TOO_LONG = "edit_too_long"
        NOT_SENT = "not_sent"
        NO_APPROVER = "no_approver"  # a large send, and nobody else who may approve it


@dataclass(frozen=True)
class Audience:
    """Whom an announcement is for: buildings (None: every building), then filters."""

    buildings: tuple[int, ...] | None = None
    locales: tuple[str, ...] = ()
    tenures: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    events: tuple[int, ...] = ()  # only who answered Going, Maybe or the waitlist to these
    surveys: tuple[int, ...] = ()  # only who answered these (closed) survey waves
    affordabilities: tuple[str, ...] = ()  # assisted, market, unknown, undisclosed

    def to_dict(self) -> dict:
        return {
            "buildings": list(self.buildings) if self.buildings is not None else None,
            "locales": list(self.locales),
            "tenures": list(self.tenures),
            "roles": list(self.roles),
            "events": list(self.events),
            "surveys": list(self.surveys),
            "affordabilities": list(self.affordabilities),
        }

    @classmethod
    def from_dict(cls, data: dict) -> Audience:
        buildings = data.get("buildings")
        tenures = tuple(data.get("tenures", ()))
        # drafts from before migration 0017: the one tenure question also held these two
        moved = tuple(t for t in tenures if t in ("assisted", "market"))
        return cls(
            tuple(buildings) if buildings is not None else None,
            tuple(data.get("locales", ())),
            tuple(t for t in tenures if t not in moved),
            tuple(data.get("roles", ())),
            tuple(data.get("events", ())),
            tuple(data.get("surveys", ())),
            tuple(dict.fromkeys((*data.get("affordabilities", ()), *moved))),
        )

    def admits(self, person: Person, locale: str) -> bool:
        if self.locales and locale not in self.locales:
            return False
        if self.tenures and (person.tenure or "undisclosed") not in self.tenures:
            return False
        if (
            self.affordabilities
            and (person.affordability or "undisclosed") not in self.affordabilities
        ):
            return False
        if self.roles:
            held = set(person.roles) or {"resident"}
            if not held & set(self.roles):
                return False
        return True


def parse_audience(words: str) -> Audience:
    """``all``, or ``2`` / ``2,5`` (numbers from /building list), then ``lang:es``,
    ``tenure:renter``, ``afford:assisted``, ``role:steward``, ``event:4`` filters (several
    values with commas)."""
    tokens = words.split()
    if not tokens:
        raise AnnouncementProblem(AnnouncementProblem.BAD_AUDIENCE, "")
    first, rest = tokens[0].lower(), tokens[1:]
    buildings: tuple[int, ...] | None
    if first in ("all", "*"):
        buildings = None
    else:
        numbers = [parse_int(part, max_digits=9) for part in first.split(",") if part]
        if not numbers or any(n is None or n <= 0 for n in numbers):
            raise AnnouncementProblem(AnnouncementProblem.BAD_AUDIENCE, tokens[0])
        buildings = tuple(sorted(set(numbers)))
    filters: dict[str, list[str]] = {"lang": [], "tenure": [], "afford": [], "role": []}
    events: list[int] = []
    surveys: list[int] = []
    for token in rest:
        name, _, values = token.partition(":")
        name = name.lower()
        if name in ("event", "survey"):
            numbers = [parse_int(v.lstrip("#"), max_digits=9) for v in values.split(",") if v]
            if not numbers or any(n is None or n <= 0 for n in numbers):
                raise AnnouncementProblem(AnnouncementProblem.BAD_AUDIENCE, token)
            (events if name == "event" else surveys).extend(numbers)
            continue
        allowed = {
            "lang": SUPPORTED_LOCALES,
            "tenure": TENURES,
            "afford": AFFORDABILITIES,
            "role": ROLE_FILTERS,
        }.get(name)
        picked = [v for v in values.split(",") if v]
        if allowed is None or not picked:
            raise AnnouncementProblem(AnnouncementProblem.BAD_AUDIENCE, token)
        for value in picked:
            match = next((a for a in allowed if a.lower() == value.lower()), None)
            if match is None:
                raise AnnouncementProblem(AnnouncementProblem.BAD_AUDIENCE, token)
            filters[name].append(match)
    return Audience(
        buildings,
        tuple(dict.fromkeys(filters["lang"])),
        tuple(dict.fromkeys(filters["tenure"])),
        tuple(dict.fromkeys(filters["role"])),
        tuple(dict.fromkeys(events)),
        tuple(dict.fromkeys(surveys)),
        tuple(dict.fromkeys(filters["afford"])),
    )


def clean_body(raw: str | None) -> str:
    """What a steward wrote, kept as written (line breaks too), without invisible control or
    direction-override characters; at most ``BODY_MAX`` characters."""
    text = unicodedata.normalize("NFC", raw or "")
    kept = "".join(
        ch
        for ch in text
        if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf") or ch == "\u200d"
    )
    lines = [line.rstrip() for line in kept.replace("\t", " ").split("\n")]
    body = "\n".join(lines).strip()
    if not body:
        raise AnnouncementProblem(AnnouncementProblem.NO_TEXT)
    if len(body) > BODY_MAX:
        raise AnnouncementProblem(AnnouncementProblem.TOO_LONG, str(BODY_MAX))
    return body


@dataclass(frozen=True)
class Planned:
    """One resident of the audience: their language, and the variant they get (or why not)."""

    person: Person
    locale: str
    variant: str | None  # the language of the text they get
    skip: str | None


@dataclass(frozen=True)
class Coverage:
    """Per language of the audience: how many get it (small groups hidden), and its text."""

    by_locale: dict[str, int | None]
    status: dict[str, str]  # 'written', 'waiting' (a translation to approve), 'missing'
    sending: int
    skipped: dict[str, int]
    shown_total: int | None  # ``sending`` as the author may see it (small groups hidden)
    shown_skipped: dict[str, int | None]

    @property
    def missing(self) -> list[str]:
        return [loc for loc, s in self.status.items() if s != "written"]


@dataclass(frozen=True)
class Decision:
    """What pressing Send did: 'go' (the caller launches it), 'approval' (waits for a second
    person: ``approvers``), or 'scheduled' (at ``send_at``, e.g. after quiet hours)."""

    outcome: str
    announcement: AnnouncementRow
    send_at: datetime | None = None
    approvers: list[int] = field(default_factory=list)
    quiet: bool = False  # scheduled because of quiet hours


@dataclass(frozen=True)
class Report:
    announcement: AnnouncementRow
    by_state: dict[str, int]
    skipped: dict[str, int]
    by_locale: dict[str, dict[str, int | None]]  # locale -> state -> count (small hidden)
    by_building: dict[int, dict[str, int | None]]
    replies: dict[str, int]


def quiet_window(now: datetime, quiet: tuple[time, time] | None, zone: ZoneInfo) -> datetime | None:
    """If ``now`` is in quiet hours, when they end (UTC); else None."""
    if quiet is None:
        return None
    start, end = quiet
    local_now = now.astimezone(zone)
    t = local_now.time()
    inside = (start <= t or t < end) if start > end else (start <= t < end)
    if not inside:
        return None
    end_day = local_now.date()
    if start > end and t >= start:
        end_day += timedelta(days=1)
    ends = datetime.combine(end_day, end, tzinfo=zone)
    return ends.astimezone(now.tzinfo)


def parse_when(text: str, now: datetime, zone: ZoneInfo) -> datetime:
    """``2026-12-01 18:30`` (or ``18:30`` for today, or tomorrow if past) in the community's
    time zone."""
    words = text.strip().split()
    try:
        if len(words) == 1:
            hour = datetime.strptime(words[0], "%H:%M").time()
            local_now = now.astimezone(zone)
            moment = datetime.combine(local_now.date(), hour, tzinfo=zone)
            if moment <= local_now:
                moment += timedelta(days=1)
        elif len(words) == 2:
            moment = datetime.strptime(" ".join(words), "%Y-%m-%d %H:%M").replace(tzinfo=zone)
        else:
            raise ValueError(text)
    except ValueError:
        raise AnnouncementProblem(AnnouncementProblem.BAD_TIME) from None
    if moment <= now:
        raise AnnouncementProblem(AnnouncementProblem.PAST_TIME)
    return moment


def check_scope(actor: Actor, audience: Audience) -> Audience:
    """A steward's "all" is their buildings; other buildings are refused."""
    if actor.buildings is None:
        return audience
    if audience.buildings is None:
        if not actor.buildings:
            raise AnnouncementProblem(AnnouncementProblem.EVERYONE_ORGANISERS)
        return replace(audience, buildings=tuple(sorted(actor.buildings)))
    outside = [b for b in audience.buildings if b not in actor.buildings]
    if outside:
        raise AnnouncementProblem(AnnouncementProblem.NOT_YOURS, str(outside[0]))
    return audience


async def audience_members(
    repo: AnnouncementsRepository, audience: dict, q=None
) -> list[tuple[Person, str]]:
    """Every resident (whatever their status) the audience admits, with the language they
    read: what an announcement and a poll are sent to."""
    aud = Audience.from_dict(audience)
    people = await repo.people(list(aud.buildings) if aud.buildings is not None else None, q)
    if aud.events:
        answered = await repo.answered_events(list(aud.events), q)
        people = [p for p in people if p.user_id in answered]
    if aud.surveys:
        answered = await repo.survey_respondents(list(aud.surveys), q)
        people = [p for p in people if p.user_id in answered]
    members = []
    for person in people:
        locale = i18n.resolve_locale(person.locale, person.telegram_language)
        if aud.admits(person, locale):
            members.append((person, locale))
    return members


class AnnouncementService:
    def __init__(
        self,
        repo: AnnouncementsRepository,
        roles: RoleService,
        delivery: DeliveryService,
        *,
        approval_threshold: int = 50,
        quiet_hours: tuple[time, time] | None = None,
        timezone: ZoneInfo = UTC_ZONE,
        min_group: int = 5,
        clock: Clock = system_clock,
    ) -> None:
        self.repo = repo
        self.roles = roles
        self.delivery = delivery
        self.approval_threshold = approval_threshold
        self.quiet_hours = quiet_hours
        self.timezone = timezone
        self.min_group = min_group
        self.clock = clock

    # ---------------------------------------------------------------- scope
    async def _check_events(self, actor: Actor, audience: Audience) -> None:
        """An event's answers are for whoever may manage the event: its buildings."""
        for event_id in audience.events:
            buildings = await self.repo.event_buildings(event_id)
            if buildings is False:
                raise AnnouncementProblem(AnnouncementProblem.BAD_AUDIENCE, f"event:{event_id}")
            if actor.buildings is not None and (
                buildings is None or not set(buildings) <= actor.buildings
            ):
                raise AnnouncementProblem(AnnouncementProblem.BAD_AUDIENCE, f"event:{event_id}")
        for wave_id in audience.surveys:  # "You said, we did": a closed wave of theirs
            buildings = await self.repo.survey_buildings(wave_id)
            if buildings is False or (
                actor.buildings is not None
                and (buildings is None or not set(buildings) <= actor.buildings)
            ):
                raise AnnouncementProblem(AnnouncementProblem.BAD_AUDIENCE, f"survey:{wave_id}")

    def _check_scope(self, actor: Actor, audience: Audience) -> Audience:
        return check_scope(actor, audience)

    def may_manage(self, actor: Actor, ann: AnnouncementRow) -> bool:
        """Organisers manage every announcement; stewards those whose buildings they all
        look after *now* (having written it gives nothing once moved to another building)."""
        return actor.manages(ann.audience.get("buildings"))

    async def get(self, actor: Actor, announcement_id: int) -> AnnouncementRow:
        ann = await self.repo.get(announcement_id)
        if ann is None or not self.may_manage(actor, ann):
            raise AnnouncementProblem(AnnouncementProblem.NOT_FOUND, str(announcement_id))
        return ann

    # ---------------------------------------------------------------- drafts
    async def create(
        self,
        actor: Actor,
        update_id: int | None,
        audience: Audience,
        body: str | None,
        locale: str,
        attachment: dict | None = None,
    ) -> AnnouncementRow:
        audience = self._check_scope(actor, audience)
        await self._check_events(actor, audience)
        text = clean_body(body) if body is not None else None
        announcement_id, _new = await self.repo.create(
            actor.id, update_id, audience.to_dict(), locale, text, attachment
        )
        return await self.repo.get(announcement_id)

    async def set_audience(
        self, actor: Actor, announcement_id: int, audience: Audience
    ) -> AnnouncementRow:
        ann = await self.get(actor, announcement_id)
        audience = self._check_scope(actor, audience)
        async with self.repo.transaction() as tx:
            if not await self.repo.move(
                tx, ann.id, ("draft",), "draft", audience=audience.to_dict()
            ):
                raise AnnouncementProblem(AnnouncementProblem.CHANGED, ann.state)
        return await self.repo.get(ann.id)

    async def set_text(
        self,
        actor: Actor,
        announcement_id: int,
        locale: str,
        body: str,
        attachment: dict | None = None,
    ) -> AnnouncementRow:
        """The author (or a steward or organiser who may manage it) writes a language's text:
        approved at once. The source language's text may carry an attachment."""
        ann = await self.get(actor, announcement_id)
        text = clean_body(body)
        async with self.repo.transaction() as tx:
            if not await self.repo.move(tx, ann.id, ("draft",), "draft"):
                raise AnnouncementProblem(AnnouncementProblem.CHANGED, ann.state)
            await self.repo.put_text(tx, ann.id, locale, text, actor.id, True)
            if attachment is not None and locale == ann.source_locale:
                await self.repo.update(ann.id, tx, attachment=attachment)
        return await self.repo.get(ann.id)

    async def texts(self, announcement_id: int) -> dict[str, Variant]:
        return await self.repo.texts(announcement_id)

    async def set_options(
        self,
        actor: Actor,
        announcement_id: int,
        *,
        urgent: bool | None = None,
        fallback: bool | None = None,
    ) -> AnnouncementRow:
        ann = await self.get(actor, announcement_id)
        changes = {}
        if urgent is not None:
            changes["urgent"] = int(urgent)
        if fallback is not None:
            changes["fallback"] = int(fallback)
        async with self.repo.transaction() as tx:
            if not await self.repo.move(tx, ann.id, ("draft",), "draft", **changes):
                raise AnnouncementProblem(AnnouncementProblem.CHANGED, ann.state)
        return await self.repo.get(ann.id)

    # ---------------------------------------------------------------- audience
    async def plan(self, ann: AnnouncementRow, q=None) -> list[Planned]:
        texts = await self.repo.texts(ann.id, q)
        ready = {loc for loc, v in texts.items() if v.approved}
        planned = []
        for person, locale in await audience_members(self.repo, ann.audience, q):
            variant = (
                locale
                if locale in ready
                else (ann.source_locale if ann.fallback and ann.source_locale in ready else None)
            )
            skip = None
            if person.status != "approved":
                skip = {
                    "banned": SKIP_BANNED,
                    "pending": SKIP_PENDING,
                    "rejected": SKIP_REJECTED,
                }.get(person.status, person.status)
            elif person.paused:
                skip = SKIP_PAUSED
            elif person.unreachable:
                skip = SKIP_UNREACHABLE
            elif variant is None:
                skip = SKIP_NO_TRANSLATION
            planned.append(Planned(person, locale, variant, skip))
        return planned

    async def coverage(self, ann: AnnouncementRow) -> Coverage:
        planned = await self.plan(ann)
        texts = await self.repo.texts(ann.id)
        reached = [p for p in planned if p.skip in (None, SKIP_NO_TRANSLATION)]
        counts = Counter(p.locale for p in reached)
        status = {}
        for locale in counts:
            variant = texts.get(locale)
            status[locale] = (
                "written" if variant and variant.approved else "waiting" if variant else "missing"
            )
        skipped = Counter(p.skip for p in planned if p.skip and p.skip != SKIP_NO_TRANSLATION)
        sending = sum(1 for p in planned if p.skip is None)
        return Coverage(
            by_locale=hide_small(dict(sorted(counts.items())), self.min_group),
            status=status,
            sending=sending,
            skipped=dict(skipped),
            shown_total=self.shown(ann, sending),
            shown_skipped=(
                hide_small(dict(skipped), self.min_group) if self.is_group(ann) else dict(skipped)
            ),
        )

    @staticmethod
    def is_group(ann: AnnouncementRow) -> bool:
        """Whether the audience is a group whose size must not show when small: some
        buildings, languages, tenures or roles (everyone is not a group)."""
        aud = Audience.from_dict(ann.audience)
        return aud.buildings is not None or bool(
            aud.locales
            or aud.tenures
            or aud.roles
            or aud.events
            or aud.surveys
            or aud.affordabilities
        )

    def shown(self, ann: AnnouncementRow, n: int) -> int | None:
        """How many, as the author may see it: None ("fewer than k") for a small group."""
        if not self.is_group(ann):
            return n
        return hide_small({"all": n}, self.min_group)["all"]

    # ---------------------------------------------------------------- sending
    async def request_send(
        self,
        actor: Actor,
        announcement_id: int,
        *,
        urgent: bool | None = None,
        at: datetime | None = None,
    ) -> Decision:
        """Send now (``at`` None) or at ``at``: go, wait for a second person, or wait for the
        time (or the end of quiet hours)."""
        ann = await self.get(actor, announcement_id)
        if ann.state != "draft":
            raise AnnouncementProblem(AnnouncementProblem.CHANGED, ann.state)
        if urgent is not None and bool(urgent) != ann.urgent:
            ann = await self.set_options(actor, ann.id, urgent=urgent)
        await self._check_sendable(ann)
        planned = await self.plan(ann)
        sending = sum(1 for p in planned if p.skip is None)
        if not sending:
            raise AnnouncementProblem(AnnouncementProblem.NOBODY)
        send_at = to_db(at) if at is not None else None
        if self.approval_threshold and sending > self.approval_threshold:
            approvers = await self.approvers(ann, exclude={actor.id} | await self._writers(ann))
            if not approvers:
                raise AnnouncementProblem(AnnouncementProblem.NO_APPROVER)
            async with self.repo.transaction() as tx:
                if not await self.repo.move(
                    tx,
                    ann.id,
                    ("draft",),
                    "awaiting_approval",
                    requested_by=actor.id,
                    send_at=send_at,
                ):
                    raise AnnouncementProblem(AnnouncementProblem.CHANGED, ann.state)
                await write_audit(
                    tx, actor.id, "announcement.ask_approval", details={"announcement": ann.id}
                )
            return Decision("approval", await self.repo.get(ann.id), approvers=approvers)
        async with self.repo.transaction() as tx:
            if not await self.repo.move(
                tx, ann.id, ("draft",), "draft", requested_by=actor.id, send_at=send_at
            ):
                raise AnnouncementProblem(AnnouncementProblem.CHANGED, ann.state)
        return await self._go_or_wait(actor.id, await self.repo.get(ann.id), ("draft",))

    async def _writers(self, ann: AnnouncementRow) -> set[int]:
        """Everyone whose words are in it: the author and whoever wrote a language's text."""
        texts = await self.repo.texts(ann.id)
        return {v.written_by for v in texts.values() if v.written_by} | (
            {ann.author_id} if ann.author_id else set()
        )

    async def approve(self, actor: Actor, announcement_id: int) -> Decision:
        """A second steward or organiser lets a large send go: not its author, not who pressed
        Send, not anyone who wrote part of it."""
        ann = await self.repo.get(announcement_id)
        if ann is None or actor.role < Role.STEWARD or not self.may_approve(actor, ann):
            raise AnnouncementProblem(AnnouncementProblem.NOT_FOUND, str(announcement_id))
        if actor.id in ({ann.requested_by} | await self._writers(ann)):
            raise AnnouncementProblem(AnnouncementProblem.OWN_APPROVAL)
        if ann.state != "awaiting_approval":
            raise AnnouncementProblem(AnnouncementProblem.CHANGED, ann.state)
        async with self.repo.transaction() as tx:
            if not await tx.execute(
                "UPDATE announcements SET approved_by = ? WHERE id = ? "
                "AND state = 'awaiting_approval' AND approved_by IS NULL",
                (actor.id, ann.id),
            ):
                raise AnnouncementProblem(AnnouncementProblem.CHANGED, ann.state)
            await write_audit(
                tx, actor.id, "announcement.approve", details={"announcement": ann.id}
            )
        return await self._go_or_wait(actor.id, await self.repo.get(ann.id), ("awaiting_approval",))

    def may_approve(self, actor: Actor, ann: AnnouncementRow) -> bool:
        targets = ann.audience.get("buildings")
        if actor.buildings is None:
            return True
        return targets is not None and set(targets) <= actor.buildings

    async def approvers(self, ann: AnnouncementRow, exclude: set[int]) -> list[int]:
        targets = ann.audience.get("buildings")
        people: set[int] = set()
        if targets:
            for building_id in targets:
                people |= set(await self.roles.repo.holders("steward", building_id))
        people |= set(await self.roles.repo.holders("organiser")) | set(self.roles.admin_ids)
        people -= exclude
        if targets:  # a steward of only some of the buildings may not approve
            actors = [await self.roles.actor(p) for p in people]
            people = {a.id for a in actors if self.may_approve(a, ann)}
        return sorted(people)

    async def _go_or_wait(
        self, actor_id: int, ann: AnnouncementRow, from_states: tuple[str, ...]
    ) -> Decision:
        """Go now, unless a time was chosen that has not come yet, or it is quiet hours
        (and the announcement is not urgent): then it is scheduled."""
        now = self.clock()
        chosen = from_db(ann.send_at) if ann.send_at else None
        moment = chosen if chosen is not None and chosen > now else now
        ends = None if ann.urgent else quiet_window(moment, self.quiet_hours, self.timezone)
        if ends is None and moment == now:
            return Decision("go", ann)
        at = ends or moment
        async with self.repo.transaction() as tx:
            if not await self.repo.move(tx, ann.id, from_states, "scheduled", send_at=to_db(at)):
                raise AnnouncementProblem(AnnouncementProblem.CHANGED, ann.state)
            await write_audit(
                tx,
                actor_id,
                "announcement.schedule",
                details={"announcement": ann.id, "at": to_db(at)},
            )
        return Decision(
            "scheduled", await self.repo.get(ann.id), send_at=at, quiet=ends is not None
        )

    async def _check_sendable(self, ann: AnnouncementRow) -> None:
        texts = await self.repo.texts(ann.id)
        source = texts.get(ann.source_locale)
        if source is None or not source.approved:
            raise AnnouncementProblem(AnnouncementProblem.NO_TEXT)
        if not ann.fallback:
            coverage = await self.coverage(ann)
            if coverage.missing:
                raise AnnouncementProblem(
                    AnnouncementProblem.MISSING_LANGUAGES, ", ".join(coverage.missing)
                )

    async def schedule(self, actor: Actor, announcement_id: int, when: str) -> Decision:
        """Send at a chosen time (later than now; moved to the end of quiet hours unless
        urgent). A large audience still needs a second person first."""
        moment = parse_when(when, self.clock(), self.timezone)
        return await self.request_send(actor, announcement_id, at=moment)

    async def reload(self, announcement_id: int) -> AnnouncementRow:
        return await self.repo.get(announcement_id)

    async def due(self) -> list[AnnouncementRow]:
        """Scheduled announcements whose time has come (the caller launches each)."""
        return [await self.repo.get(i) for i in await self.repo.due(to_db(self.clock()))]

    async def launch(
        self,
        ann: AnnouncementRow,
        render: Callable[[Planned], dict],
        *,
        by: int | None,
        update_id: int | None,
    ) -> tuple[int, int]:
        """Create the outbox job (one row per resident, skipped ones with their reason) and
        mark the announcement sending, in one transaction. ``render(planned)`` gives the
        payload of one resident. Returns (the job id, how many will get it); a second launch
        of the same announcement finds it moved on and raises."""
        planned = await self.plan(ann)
        recipients = [
            Recipient(
                p.person.user_id,
                p.person.user_id,
                {**(render(p) if p.skip is None else {}), "variant": p.variant},
                skip_reason=p.skip,
                locale=p.locale,
                building_id=p.person.building_id,
            )
            for p in planned
        ]
        extra = {}
        if ann.audience.get("buildings") is None:
            refused = await self.repo.refused_consent()
            if refused:
                extra["consent_refused"] = refused
        async with self.repo.transaction() as tx:
            current = await self.repo.get(ann.id, tx)
            if current.state not in ("draft", "awaiting_approval", "scheduled"):
                raise AnnouncementProblem(AnnouncementProblem.CHANGED, current.state)
            job_id, _new = await self.delivery.start_job(
                "announcement",
                recipients,
                created_by=by,
                update_id=update_id,
                reason=f"announcement:{ann.id}",
                q=tx,
            )
            sending = sum(1 for p in planned if p.skip is None)
            await self.repo.update(
                ann.id,
                tx,
                state="sending" if sending else "sent",  # nobody to send to: done already
                sent_at=None if sending else to_db(self.clock()),
                job_id=job_id,
                extra_skips=extra or None,
            )
            actor_id = by or ann.author_id
            if actor_id is not None:
                await write_audit(
                    tx, actor_id, "announcement.send", details={"announcement": ann.id}
                )
        return job_id, sum(1 for p in planned if p.skip is None)

    async def set_status_message(self, ann_id: int, chat_id: int, message_id: int) -> None:
        await self.repo.update(ann_id, status_chat_id=chat_id, status_message_id=message_id)

    async def finished(self, job_id: int) -> AnnouncementRow | None:
        ann = await self.repo.by_job(job_id)
        if ann is None:
            return None
        async with self.repo.transaction() as tx:
            moved = await self.repo.move(
                tx, ann.id, ("sending",), "sent", sent_at=to_db(self.clock())
            )
        return await self.repo.get(ann.id) if moved else None

    async def by_job(self, job_id: int) -> AnnouncementRow | None:
        return await self.repo.by_job(job_id)

    async def control(self, actor: Actor, announcement_id: int, action: str) -> AnnouncementRow:
        """Pause, resume or cancel: a draft or a waiting one is cancelled outright; a send in
        progress is paused, resumed or stopped (what was not sent yet is skipped)."""
        ann = await self.get(actor, announcement_id)
        if action == "cancel" and ann.state in ("draft", "awaiting_approval", "scheduled"):
            async with self.repo.transaction() as tx:
                if not await self.repo.move(tx, ann.id, (ann.state,), "cancelled"):
                    raise AnnouncementProblem(AnnouncementProblem.CHANGED, ann.state)
                await write_audit(
                    tx, actor.id, "announcement.cancel", details={"announcement": ann.id}
                )
            return await self.repo.get(ann.id)
        if ann.state != "sending" or ann.job_id is None:
            raise AnnouncementProblem(AnnouncementProblem.CHANGED, ann.state)
        if not await self.delivery.control(ann.job_id, action):
            await self.finished(ann.job_id)  # it ended meanwhile
            current = await self.repo.get(ann.id)
            raise AnnouncementProblem(AnnouncementProblem.CHANGED, current.state)
        if action == "cancel":
            async with self.repo.transaction() as tx:
                await self.repo.move(tx, ann.id, ("sending",), "cancelled")
                await write_audit(
                    tx, actor.id, "announcement.cancel", details={"announcement": ann.id}
                )
        return await self.repo.get(ann.id)

    async def reconcile(self) -> list[AnnouncementRow]:
        """Sends whose job ended without the sender's watcher hearing of it (a crash between
        the two, a watcher that failed): marked sent now. Returns them."""
        done = []
        for _ann_id, job_id in await self.repo.sending_jobs():
            state = await self.delivery.job_state(job_id)
            if state is not None and state[0] == "done":
                finished = await self.finished(job_id)
                if finished is not None:
                    done.append(finished)
        return done

    # ---------------------------------------------------------------- reports
    async def progress(self, ann: AnnouncementRow) -> tuple[dict[str, int], str]:
        """(rows by state, the job's state) of a send."""
        if ann.job_id is None:
            return {}, "none"
        state = await self.delivery.job_state(ann.job_id)
        return await self.delivery.repo.counts(ann.job_id), state[0] if state else "none"

    async def report(self, actor: Actor, announcement_id: int) -> Report:
        ann = await self.get(actor, announcement_id)
        if ann.job_id is None:
            raise AnnouncementProblem(AnnouncementProblem.NOT_SENT, str(ann.id))
        rows = await self.repo.breakdown(ann.job_id)
        by_state: Counter = Counter()
        by_locale: dict[str, Counter] = {}
        by_building: dict[int, Counter] = {}
        for locale, building, state, n in rows:
            by_state[state] += n
            by_locale.setdefault(locale or "?", Counter())[state] += n
            by_building.setdefault(building or 0, Counter())[state] += n
        delivery = await self.delivery.report(ann.job_id)
        skipped = dict(delivery.skipped)
        skipped.update(ann.extra_skips)
        return Report(
            ann,
            dict(by_state),
            skipped,
            self._across(by_locale),
            self._across(by_building),
            await self.repo.reply_counts(ann.id),
        )

    def _across(self, table: dict) -> dict:
        """group -> state -> count, with each state's counts hidden across the groups (a
        small cell, and whatever would give it away from the shown total)."""
        states = {state for row in table.values() for state in row}
        shown: dict = {group: {} for group in sorted(table, key=str)}
        for state in states:
            column = hide_small({g: table[g].get(state, 0) for g in table}, self.min_group)
            for group, n in column.items():
                if table[group].get(state, 0) or n:
                    shown[group][state] = n
        return shown

    async def recent(self, actor: Actor) -> list[AnnouncementRow]:
        return await self.repo.recent(actor.buildings, actor.id)

    # ---------------------------------------------------------------- edits
    async def edit_plan(
        self, actor: Actor, announcement_id: int, locale: str, body: str
    ) -> tuple[AnnouncementRow, str, list[dict]]:
        """A correction of one language of a sent (or sending) announcement, not saved yet:
        (the announcement, the cleaned text, every copy in that variant: delivered ones to
        edit, queued ones to rewrite)."""
        ann = await self.get(actor, announcement_id)
        if ann.job_id is None:
            raise AnnouncementProblem(AnnouncementProblem.NOT_SENT, str(ann.id))
        text = clean_body(body)
        copies = await self.repo.copies(ann.job_id)
        return ann, text, [c for c in copies if c["payload"].get("variant") == locale]

    async def edit_commit(
        self,
        actor: Actor,
        ann: AnnouncementRow,
        locale: str,
        text: str,
        queued: list[tuple[int, dict]],
    ) -> int:
        """Save the corrected text, and the new payloads of the copies not sent yet, in one
        transaction (a copy taken by the sender meanwhile is edited like a sent one).
        Returns how many queued copies were rewritten."""
        async with self.repo.transaction() as tx:
            await self.repo.put_text(tx, ann.id, locale, text, actor.id, True)
            rewritten = await self.repo.rewrite_queued(tx, queued)
            await write_audit(
                tx,
                actor.id,
                "announcement.edit",
                details={"announcement": ann.id, "locale": locale},
            )
        return rewritten

    # ---------------------------------------------------------------- replies
    async def reply(self, announcement_id: int, user_id: int, kind: str) -> bool:
        """Got it / a question, counted once, and only from someone it was delivered to."""
        if not await self.repo.received(announcement_id, user_id):
            raise AnnouncementProblem(AnnouncementProblem.NOT_FOUND, str(announcement_id))
        return await self.repo.reply(announcement_id, user_id, kind)

    async def ask(self, announcement_id: int, user_id: int, building_id: int | None) -> int:
        return await self.repo.ask(announcement_id, user_id, building_id)

    async def question(self, question_id: int) -> tuple[int, int, int | None] | None:
        return await self.repo.question(question_id)

    async def reply_counts(self, announcement_id: int) -> dict[str, int]:
        return await self.repo.reply_counts(announcement_id)

    # ---------------------------------------------------------------- translators
    async def translator_scope(self, user_id: int) -> frozenset[int] | bool | None:
        return await self.repo.translator_scope(user_id)

    @staticmethod
    def covers(scope: frozenset[int] | bool | None, ann: AnnouncementRow) -> bool:
        """Whether a translator's scope (None: every building) covers the announcement."""
        if scope is False:
            return False
        targets = ann.audience.get("buildings")
        return scope is None or (targets is not None and set(targets) <= scope)

    async def translators_for(self, ann: AnnouncementRow) -> list[int]:
        people = {user_id for user_id, _b in await self.repo.translators()}
        covering = []
        for person in sorted(people):
            if self.covers(await self.repo.translator_scope(person), ann):
                covering.append(person)
        return covering

    async def translations_wanted(self, user_id: int) -> list[tuple[AnnouncementRow, list[str]]]:
        """Announcements not sent yet that miss a language, within this translator's scope."""
        scope = await self.repo.translator_scope(user_id)
        if scope is False:
            raise AnnouncementProblem(AnnouncementProblem.NOT_TRANSLATOR)
        wanted = []
        for ann in await self.repo.waiting_for_translation():
            if ann.state != "draft" or not self.covers(scope, ann):
                continue
            missing = [
                loc for loc, s in (await self.coverage(ann)).status.items() if s == "missing"
            ]
            if missing:
                wanted.append((ann, missing))
        return wanted

    async def translate(
        self, user_id: int, announcement_id: int, locale: str, body: str
    ) -> AnnouncementRow:
        """A translator's text waits for the author's approval."""
        for ann, missing in await self.translations_wanted(user_id):
            if ann.id == announcement_id and locale in missing:
                await self.repo.save_text(ann.id, locale, clean_body(body), user_id, False)
                return ann
        raise AnnouncementProblem(AnnouncementProblem.CHANGED, "")

    async def approve_text(self, actor: Actor, announcement_id: int, locale: str) -> bool:
        ann = await self.get(actor, announcement_id)
        if ann.state != "draft":
            raise AnnouncementProblem(AnnouncementProblem.CHANGED, ann.state)
        return await self.repo.approve_text(ann.id, locale)

    async def drop_text(self, actor: Actor, announcement_id: int, locale: str) -> bool:
        ann = await self.get(actor, announcement_id)
        if ann.state != "draft":
            raise AnnouncementProblem(AnnouncementProblem.CHANGED, ann.state)
        if locale == ann.source_locale:
            return False
        return await self.repo.drop_text(ann.id, locale)

    async def grant_translator(self, actor: Actor, user_id: int, building_id: int | None) -> bool:
        return await self.repo.grant_translator(actor.id, user_id, building_id)

    async def revoke_translator(self, actor: Actor, user_id: int) -> bool:
        return await self.repo.revoke_translator(actor.id, user_id)

    async def translators(self) -> list[tuple[int, int | None]]:
        return await self.repo.translators()


def scheduled_for(ann: AnnouncementRow) -> datetime | None:
    return from_db(ann.send_at) if ann.send_at else None
