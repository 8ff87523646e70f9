"""Every inline button's callback data, as a typed codec.

A button is a frozen dataclass registered under a family (``su``, ``mod``...) and a tag; its
fields are the values it carries. ``pack()`` gives ``"family:tag:value:..."`` (at most 64 bytes,
Telegram's limit, checked when packed); :func:`unpack` turns data back into the button, checking
the family, the tag, the number of values and each value's type (``int`` fields only in the
form ``pack()`` writes, ASCII digits without a leading zero; a field with ``choices`` in its
metadata accepts only those). Anything else is a
:class:`~bot.services.problems.ButtonProblem`: an old or forged press grants nothing.

Handlers ``match`` on the button classes; ``bot.app`` derives each family's
``CallbackQueryHandler`` pattern with :func:`pattern`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar, get_type_hints

from bot.config import SUPPORTED_LOCALES
from bot.services.announcements import ROLE_FILTERS
from bot.services.moderation import REJECT_REASONS
from bot.services.problems import ButtonProblem
from bot.services.signup import AFFORDABILITIES, LEGACY_TENURES, SKIP, TENURES

MAX_BYTES = 64  # Telegram's limit for callback_data
_NUMBER = re.compile(r"0|[1-9][0-9]{0,15}")  # Telegram ids fit in 52 bits: 16 digits
SEPARATOR = ":"

# family -> (tag, number of values) -> class
_REGISTRY: dict[str, dict[tuple[str, int], type[Button]]] = {}


def choice(*values: str) -> Any:
    """A ``str`` field that accepts only ``values``."""
    return field(metadata={"choices": frozenset(values)})


class Button:
    """Subclass with ``family=`` and ``tag=`` (empty for a family of one untagged kind); the
    subclass becomes a frozen dataclass of its annotated fields and is registered."""

    FAMILY: ClassVar[str] = ""
    TAG: ClassVar[str] = ""

    def __init_subclass__(cls, family: str = "", tag: str = "", **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.FAMILY, cls.TAG = family, tag
        dataclass(frozen=True)(cls)
        register(cls)

    def pack(self) -> str:
        values = [str(getattr(self, f.name)) for f in fields(self)]
        if any(not v or SEPARATOR in v for v in values):
            raise ValueError(f"{self!r}: values must be non-empty and without {SEPARATOR!r}")
        data = SEPARATOR.join([self.FAMILY, *([self.TAG] if self.TAG else []), *values])
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"{data!r} is longer than {MAX_BYTES} bytes")
        return data


def register(cls: type[Button]) -> type[Button]:
    """Make ``cls`` a known button (called for every subclass of :class:`Button`)."""
    key = (cls.TAG, len(fields(cls)))
    family = _REGISTRY.setdefault(cls.FAMILY, {})
    assert key not in family, f"two buttons for {cls.FAMILY}:{key}"
    family[key] = cls
    return cls


def unpack(data: str | None) -> Button:
    """The button behind callback ``data``; raises ``ButtonProblem`` for anything else."""
    parts = (data or "").split(SEPARATOR)
    family = _REGISTRY.get(parts[0], {})
    cls = family.get((parts[1], len(parts) - 2)) if len(parts) > 1 else None
    values = parts[2:]
    if cls is None:  # an untagged family: every part after the family is a value
        cls, values = family.get(("", len(parts) - 1)), parts[1:]
    if cls is None:
        raise ButtonProblem(ButtonProblem.STALE)
    hints = get_type_hints(cls)
    converted: dict[str, Any] = {}
    for spec, raw in zip(fields(cls), values, strict=True):
        if hints[spec.name] is int:  # written exactly as pack() writes it
            value: Any = int(raw) if _NUMBER.fullmatch(raw) else None
        else:
            allowed = spec.metadata.get("choices")
            value = raw if raw and (allowed is None or raw in allowed) else None
        if value is None:
            raise ButtonProblem(ButtonProblem.STALE)
        converted[spec.name] = value
    return cls(**converted)


def button(family: str, tag: str, **values: type | tuple[str, ...]) -> type[Button]:
    """A button class carrying ``values`` (name: ``int``, ``str``, or the tuple of choices of
    a ``str``), or none at all (``su:join``)."""
    namespace: dict[str, Any] = {"__module__": __name__, "__annotations__": {}}
    for value_name, spec in values.items():
        namespace["__annotations__"][value_name] = spec if isinstance(spec, type) else str
        if not isinstance(spec, type):
            namespace[value_name] = choice(*spec)
    name = f"{family.title()}{tag.title()}Button"
    return type(name, (Button,), namespace, family=family, tag=tag)


def buttons(family: str, *tags: str) -> tuple[type[Button], ...]:
    """Several buttons of one family that carry no value, one per tag."""
    return tuple(button(family, tag) for tag in tags)


def pattern(family: str) -> str:
    """The ``CallbackQueryHandler`` pattern of a family."""
    return f"^{re.escape(family)}{SEPARATOR}"


def registered() -> dict[str, list[type[Button]]]:
    return {family: list(by_key.values()) for family, by_key in _REGISTRY.items()}


LOCALE = SUPPORTED_LOCALES


# --- language ---------------------------------------------------------------------------------
LanguageMenu = button("lang", "menu")
LanguageSet = button("lang", "set", locale=LOCALE)


# --- /forget ----------------------------------------------------------------------------------
ForgetConfirm, ForgetCancel = buttons("forget", "yes", "no")


# --- buildings --------------------------------------------------------------------------------
BuildingArchive = button("bld", "archive", building_id=int)
BuildingCancel = button("bld", "cancel")


# --- sign-up ----------------------------------------------------------------------------------
SignupJoin = button("su", "join")  # "Sign up for my building": the listed buildings


# a listed building, chosen by someone without an invite
SignupBuilding = button("su", "bld", building_id=int)
# the invitation sent to someone declined at a building group's door (signed for them)
SignupInvited = button("su", "grp", building_id=int, signature=str)
SignupLanguage = button("su", "lang", locale=LOCALE)
SignupTenure = button("su", "ten", tenure=(*TENURES, SKIP, *LEGACY_TENURES))
SignupAfford = button("su", "aff", affordability=(*AFFORDABILITIES, SKIP))
# the other steps' buttons: another language, consent yes/no, "use my name", back, carry on
SignupLanguages, SignupAgree, SignupDecline, SignupUseName, SignupBack, SignupResume = buttons(
    "su", "langs", "yes", "no", "name", "back", "resume"
)


# --- /profile ---------------------------------------------------------------------------------
ProfileTenure = button("pf", "ten", tenure=TENURES)
ProfileAfford = button("pf", "aff", affordability=AFFORDABILITIES)
# change my name, my unit, my tenure, my kind of unit (the choices), my language; the card
(
    ProfileEditName,
    ProfileEditUnit,
    ProfileTenures,
    ProfileAffords,
    ProfileLanguages,
    ProfileCard,
) = buttons("pf", "name", "unit", "ten", "aff", "lang", "card")


# --- moderation -------------------------------------------------------------------------------
Approve = button("mod", "ok", user_id=int)
RejectReasons = button("mod", "no", user_id=int)
Reject = button("mod", "rj", user_id=int, reason=tuple(REJECT_REASONS))
PendingCard = button("mod", "back", user_id=int)


# --- pages of long lists ----------------------------------------------------------------------
Page = button("pg", "", kind=str, offset=int, arg=int)


# --- announcements (steward or organiser: the draft card, the send's progress) ----------------
AUDIENCE_FILTERS = ("lang", "tenure", "afford", "role")
FILTER_VALUES = tuple(dict.fromkeys((*LOCALE, *TENURES, *AFFORDABILITIES, *ROLE_FILTERS)))
AnnCard = button("an", "card", ann=int)
AnnBuilding = button("an", "b", ann=int, building_id=int)  # toggle a building (0: all)
# toggle a filter (a language, a tenure, a role)
AnnFilter = button("an", "f", ann=int, kind=AUDIENCE_FILTERS, value=FILTER_VALUES)
AnnAudienceDone = button("an", "aud", ann=int)  # audience chosen: now the text
AnnAudience = button("an", "edit", ann=int)  # back to the audience
AnnWrite = button("an", "w", ann=int, locale=LOCALE)  # write (or rewrite) a language's text
AnnPreview = button("an", "pv", ann=int, locale=LOCALE)  # see it as residents will
AnnFallback = button("an", "fb", ann=int)  # missing languages: English (source) / wait
AnnUrgent = button("an", "ur", ann=int)  # may go during quiet hours
AnnAskTranslators = button("an", "tr", ann=int)
AnnApproveText = button("an", "ta", ann=int, locale=LOCALE)  # a translator's text: use it
AnnDropText = button("an", "td", ann=int, locale=LOCALE)  # ... or not
AnnSend = button("an", "go", ann=int)
AnnSchedule = button("an", "at", ann=int)  # the choice of times
AnnWhen = button("an", "when", ann=int, preset=("1h", "3h", "9am"))
AnnWhenTyped = button("an", "type", ann=int)
AnnApproveSend = button("an", "ok", ann=int)  # the second person lets a large send go
AnnControl = button("an", "ctl", ann=int, action=("pause", "resume", "cancel"))
AnnEdit = button("an", "ed", ann=int, locale=LOCALE)  # /editannounce: which language

# --- what residents press on an announcement, and the stewards' answer to a question ----------
AnnGotIt = button("ar", "ok", ann=int)
AnnQuestion = button("ar", "q", ann=int)
AnnAnswer = button("ar", "a", question=int)

# --- /translate --------------------------------------------------------------------------------
TranslatePick = button("tr", "", ann=int, locale=LOCALE)

# --- events: the author's preview (steward or organiser) -------------------------------------
EvPublish = button("ev", "pub", event=int)
EvDiscard = button("ev", "del", event=int)
# /editevent on a date of a series: which dates the kept edit (event_edits.id) is for
EvEditScope = button("ev", "sc", edit=int, scope=("one", "later", "all"))

# --- what residents press on an event post, a reminder, or /myevents --------------------------
EvAnswer = button("er", "a", event=int, answer=("going", "maybe", "no"))
EvCalendar = button("er", "ics", event=int)
EvCantCome = button("er", "off", event=int)  # a reminder's "Can't come after all"
EvSeriesCalendar = button("er", "icss", event=int)  # every date to come of a series, one file

# --- events: the guided /newevent flow (steward or organiser; ``draft`` is event_drafts.id) --
EvFlowBuilding = button("en", "b", draft=int, building_id=int)  # toggle a building (0: all)
EvFlowNext = button("en", "next", draft=int)  # audience chosen: now the title
EvFlowMonth = button("en", "m", draft=int, month=int)  # a calendar page, as YYYYMM
EvFlowDay = button("en", "d", draft=int, day=int)  # a day, as YYYYMMDD
EvFlowTime = button("en", "t", draft=int, time=int)  # a time, as HHMM (1830)
EvFlowPlaces = button("en", "c", draft=int, places=int)  # number of places (0: no limit)
EvFlowRepeat = button("en", "r", draft=int, every=("once", "week", "month"))
EvFlowSkip = button("en", "skip", draft=int)  # no description
EvFlowCancel = button("en", "x", draft=int)
EvFlowNoop = button("en", "n", draft=int)  # a calendar's headers and past days
# --- events after the answer (services/event_attendance.py) -----------------------------------
# residents: a waitlist offer, what they need to take part, "I was there", the follow-up
NEEDS = ("interpret", "childcare", "stepfree", "ride")
EvOffer = button("eo", "", offer=int, take=("yes", "no"))
EvNeed = button("ne", "t", event=int, need=NEEDS)  # toggle one need
EvNeedContact = button("ne", "c", event=int, ok=("yes", "no"))
EvThere = button("ne", "here", event=int)
EvRate = button("ne", "r", event=int, stars=("1", "2", "3", "4", "5"))
EvComment = button("ne", "w", event=int)
# stewards: /attendance, one toggle per Going/Maybe resident, paged
EvAttend = button("ea", "t", event=int, user_id=int, offset=int)
EvAttendAll = button("ea", "all", event=int, offset=int)
EvAttendPage = button("ea", "pg", event=int, offset=int)


# --- surveys (residents: start or carry on, one answer; value 0 is Skip) ----------------------
SurveyStart = button("sv", "go", wave=int)
SurveyAnswer = button("sv", "a", wave=int, question=int, value=int)
SurveyWrite = button("sv", "w", wave=int, question=int)  # type (again) a text question's answer

# --- organisers' own surveys: the preview of a file or of the guided /survey new (``draft`` is
# survey_drafts.id; stewards and organisers, checked at the press) ---------------------------
SdSave = button("sd", "save", draft=int)
SdCancel = button("sd", "x", draft=int)
SdKind = button("sd", "k", draft=int, kind=("choice", "likert", "text"))
SdMore = button("sd", "more", draft=int)  # add a question
SdDone = button("sd", "done", draft=int)  # no more questions: the preview


# --- quick polls (steward or organiser: the preview, the languages, the results) -------------
PollCard = button("po", "card", poll=int)  # back to the preview
PollSend = button("po", "go", poll=int)
PollCancel = button("po", "x", poll=int)
PollAudience = button("po", "aud", poll=int)  # the audience picker
PollBuilding = button("po", "b", poll=int, building_id=int)  # toggle a building (0: all)
PollFilter = button("po", "f", poll=int, kind=AUDIENCE_FILTERS, value=FILTER_VALUES)
PollMulti = button("po", "m", poll=int)  # one answer / several answers
PollCloses = button("po", "cl", poll=int)  # when it closes: never, 2 h, 1 day, 3 days, a week
PollLanguages = button("po", "lang", poll=int)  # "Add a language": the choice of languages
PollWrite = button("po", "w", poll=int, locale=LOCALE)  # write it in one language
BREAKDOWN_CHOICES = ("all", "building", "tenure", "affordability", "language")
PollResults = button("po", "r", poll=int, by=BREAKDOWN_CHOICES)
PollCsv = button("po", "csv", poll=int)
PollStop = button("po", "stop", poll=int)  # close it now
