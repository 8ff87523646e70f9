"""Every button codec (bot/views/buttons.py): it round-trips, fits Telegram's 64 bytes, and
refuses anything that is not one of its buttons with ButtonProblem."""

from __future__ import annotations

import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bot.app import button_families
from bot.handlers.paging import LISTINGS  # filled by bot.app importing every handler
from bot.services.keys import SIGNATURE_LENGTH
from bot.services.problems import ButtonProblem
from bot.views import buttons as b
from bot.views.buttons import (
    MAX_BYTES,
    SEPARATOR,
    Button,
    ProfileTenure,
    ProfileTenures,
    SignupInvited,
    pattern,
    registered,
    unpack,
)
from tests.strategies import field_kinds

FAMILIES = registered()
CLASSES = [cls for family in FAMILIES.values() for cls in family]
LARGEST_INT = 10**16 - 1  # unpack reads at most 16 digits (see the 17-digit garbage below)
# The longest value each free-text field carries in the bot.
LONGEST_TEXT = {"signature": "f" * SIGNATURE_LENGTH, "kind": max(LISTINGS, key=len)}
EXAMPLES = settings(max_examples=30, deadline=None, derandomize=True, database=None)

# Characters that read as digits but are not 0-9: superscripts, circled, Arabic-Indic,
# Persian, Devanagari, fullwidth and mathematical digits.
LOOKALIKE_DIGITS = "⁰¹²³⁴⁵⁶⁷⁸⁹①٠١٢٣۴۵०१२０１２𝟎𝟗"
# Only the form pack() writes: no "#", spaces or leading zeros (one button, one data).
NOT_NUMBERS = ["-1", "+1", "1_000", "1e3", "0x1F", "1.0", "abc", "½", "٣", "²", "１２", "1 2"]
NOT_NUMBERS += ["#12", " 12", "12 ", "012", "00"]


def name(cls: type[Button]) -> str:
    return cls.__name__


def free_text() -> st.SearchStrategy[str]:
    # up to 7 characters (28 bytes), so any button still fits in 64 bytes with 16-digit numbers
    return st.text(
        st.characters(exclude_characters=SEPARATOR, exclude_categories=["Cs"]),
        min_size=1,
        max_size=7,
    )


def button_of(cls: type[Button]) -> st.SearchStrategy[Button]:
    """Any button of ``cls``, with values that respect its field types and choices."""
    values: dict[str, st.SearchStrategy] = {}
    for field_name, kind in field_kinds(cls).items():
        if kind is int:
            values[field_name] = st.integers(0, LARGEST_INT)
        elif kind is str:
            values[field_name] = free_text()
        else:
            values[field_name] = st.sampled_from(sorted(kind))
    return st.builds(cls, **values)


def parts_of(button: Button) -> list[str]:
    return button.pack().split(SEPARATOR)


def refused(data: str | None) -> bool:
    with pytest.raises(ButtonProblem) as problem:
        unpack(data)
    return problem.value.kind == ButtonProblem.STALE


def test_every_family_is_registered_and_routed():
    assert set(FAMILIES) >= {"lang", "forget", "bld", "su", "pf", "mod", "pg"}
    assert all(FAMILIES.values())
    assert set(button_families()) == set(FAMILIES)  # a handler per family, none for no family


# --- round trips -----------------------------------------------------------------------------
@pytest.mark.parametrize("cls", CLASSES, ids=name)
@EXAMPLES
@given(data=st.data())
def test_every_button_round_trips(cls, data):
    button = data.draw(button_of(cls))
    packed = button.pack()
    assert unpack(packed) == button  # same class (dataclass equality) and same values
    assert unpack(packed).pack() == packed
    routed = [family for family in FAMILIES if re.match(pattern(family), packed)]
    assert routed == [cls.FAMILY]


@pytest.mark.parametrize("cls", CLASSES, ids=name)
def test_the_largest_values_fit_in_64_bytes(cls):
    values = {}
    for field_name, kind in field_kinds(cls).items():
        if kind is int:
            values[field_name] = LARGEST_INT
        elif kind is str:
            assert field_name in LONGEST_TEXT, f"{name(cls)}.{field_name}: add its longest value"
            values[field_name] = LONGEST_TEXT[field_name]
        else:
            values[field_name] = max(kind, key=lambda choice: len(choice.encode()))
    button = cls(**values)
    packed = button.pack()
    assert len(packed.encode()) <= MAX_BYTES
    assert unpack(packed) == button


# What buttons already sent to people carry: changing any of these turns them all stale.
WIRE = {
    b.LanguageMenu(): "lang:menu",
    b.LanguageSet("zh_Hans"): "lang:set:zh_Hans",
    b.ForgetConfirm(): "forget:yes",
    b.ForgetCancel(): "forget:no",
    b.BuildingArchive(3): "bld:archive:3",
    b.BuildingCancel(): "bld:cancel",
    b.SignupJoin(): "su:join",
    b.SignupBuilding(3): "su:bld:3",
    b.SignupInvited(3, "0a1b2c3d4e"): "su:grp:3:0a1b2c3d4e",
    b.SignupLanguage("ar"): "su:lang:ar",
    b.SignupLanguages(): "su:langs",
    b.SignupAgree(): "su:yes",
    b.SignupDecline(): "su:no",
    b.SignupUseName(): "su:name",
    b.SignupTenure("assisted"): "su:ten:assisted",
    b.SignupAfford("market"): "su:aff:market",
    b.SignupBack(): "su:back",
    b.SignupResume(): "su:resume",
    b.ProfileEditName(): "pf:name",
    b.ProfileEditUnit(): "pf:unit",
    b.ProfileTenures(): "pf:ten",
    b.ProfileTenure("owner"): "pf:ten:owner",
    b.ProfileAffords(): "pf:aff",
    b.ProfileAfford("unknown"): "pf:aff:unknown",
    b.ProfileLanguages(): "pf:lang",
    b.ProfileCard(): "pf:card",
    b.Approve(2001): "mod:ok:2001",
    b.RejectReasons(2001): "mod:no:2001",
    b.Reject(2001, "notres"): "mod:rj:2001:notres",
    b.PendingCard(2001): "mod:back:2001",
    b.Page("aud", 20, 5): "pg:aud:20:5",
    b.AnnCard(12): "an:card:12",
    b.AnnBuilding(12, 3): "an:b:12:3",
    b.AnnFilter(12, "lang", "es"): "an:f:12:lang:es",
    b.AnnAudienceDone(12): "an:aud:12",
    b.AnnAudience(12): "an:edit:12",
    b.AnnWrite(12, "fr"): "an:w:12:fr",
    b.AnnPreview(12, "vi"): "an:pv:12:vi",
    b.AnnFallback(12): "an:fb:12",
    b.AnnUrgent(12): "an:ur:12",
    b.AnnAskTranslators(12): "an:tr:12",
    b.AnnApproveText(12, "ar"): "an:ta:12:ar",
    b.AnnDropText(12, "ar"): "an:td:12:ar",
    b.AnnSend(12): "an:go:12",
    b.AnnSchedule(12): "an:at:12",
    b.AnnWhen(12, "9am"): "an:when:12:9am",
    b.AnnWhenTyped(12): "an:type:12",
    b.AnnApproveSend(12): "an:ok:12",
    b.AnnControl(12, "pause"): "an:ctl:12:pause",
    b.AnnEdit(12, "es"): "an:ed:12:es",
    b.AnnGotIt(12): "ar:ok:12",
    b.AnnQuestion(12): "ar:q:12",
    b.AnnAnswer(40): "ar:a:40",
    b.TranslatePick(12, "zh_Hans"): "tr:12:zh_Hans",
    b.EvPublish(4): "ev:pub:4",
    b.EvDiscard(4): "ev:del:4",
    b.EvAnswer(4, "going"): "er:a:4:going",
    b.EvCalendar(4): "er:ics:4",
    b.EvCantCome(4): "er:off:4",
    b.EvSeriesCalendar(4): "er:icss:4",
    b.EvEditScope(7, "later"): "ev:sc:7:later",
    b.EvFlowBuilding(7, 2): "en:b:7:2",
    b.EvFlowNext(7): "en:next:7",
    b.EvFlowMonth(7, 202612): "en:m:7:202612",
    b.EvFlowDay(7, 20261205): "en:d:7:20261205",
    b.EvFlowTime(7, 1830): "en:t:7:1830",
    b.EvFlowPlaces(7, 20): "en:c:7:20",
    b.EvFlowRepeat(7, "week"): "en:r:7:week",
    b.EvFlowSkip(7): "en:skip:7",
    b.EvFlowCancel(7): "en:x:7",
    b.EvFlowNoop(7): "en:n:7",
    b.EvOffer(9, "yes"): "eo:9:yes",
    b.EvNeed(4, "stepfree"): "ne:t:4:stepfree",
    b.EvNeedContact(4, "no"): "ne:c:4:no",
    b.EvThere(4): "ne:here:4",
    b.EvRate(4, "5"): "ne:r:4:5",
    b.EvComment(4): "ne:w:4",
    b.EvAttend(4, 2001, 8): "ea:t:4:2001:8",
    b.EvAttendAll(4, 0): "ea:all:4:0",
    b.EvAttendPage(4, 8): "ea:pg:4:8",
    b.SurveyStart(3): "sv:go:3",
    b.SurveyAnswer(3, 2, 5): "sv:a:3:2:5",
    b.SurveyWrite(3, 2): "sv:w:3:2",
    b.SdSave(4): "sd:save:4",
    b.SdCancel(4): "sd:x:4",
    b.SdKind(4, "choice"): "sd:k:4:choice",
    b.SdMore(4): "sd:more:4",
    b.SdDone(4): "sd:done:4",
    b.PollCard(7): "po:card:7",
    b.PollSend(7): "po:go:7",
    b.PollCancel(7): "po:x:7",
    b.PollAudience(7): "po:aud:7",
    b.PollBuilding(7, 3): "po:b:7:3",
    b.PollFilter(7, "lang", "es"): "po:f:7:lang:es",
    b.PollMulti(7): "po:m:7",
    b.PollCloses(7): "po:cl:7",
    b.PollLanguages(7): "po:lang:7",
    b.PollWrite(7, "zh_Hans"): "po:w:7:zh_Hans",
    b.PollResults(7, "affordability"): "po:r:7:affordability",
    b.PollCsv(7): "po:csv:7",
    b.PollStop(7): "po:stop:7",
}


def test_the_data_of_buttons_already_sent_keeps_its_meaning():
    assert sorted(name(type(button)) for button in WIRE) == sorted(map(name, CLASSES))
    for button, data in WIRE.items():
        assert button.pack() == data
        assert unpack(data) == button


def test_pack_refuses_what_unpack_could_not_read_back():
    with pytest.raises(ValueError, match="64 bytes"):
        SignupInvited(1, "é" * 30).pack()
    with pytest.raises(ValueError, match="non-empty"):
        SignupInvited(1, "").pack()
    with pytest.raises(ValueError, match="non-empty"):
        SignupInvited(1, "a:b").pack()


def test_a_tag_shared_by_two_buttons_is_told_apart_by_the_number_of_values():
    assert unpack("pf:ten") == ProfileTenures()
    assert unpack("pf:ten:owner") == ProfileTenure("owner")


# --- garbage ---------------------------------------------------------------------------------
def test_no_data_is_refused():
    for data in (None, "", SEPARATOR, SEPARATOR * 3, " ", "\x00"):
        assert refused(data), data


@pytest.mark.parametrize("cls", CLASSES, ids=name)
@EXAMPLES
@given(data=st.data())
def test_a_wrong_family_is_refused(cls, data):
    parts = parts_of(data.draw(button_of(cls)))
    family = data.draw(
        st.text(max_size=8).filter(lambda f: f not in FAMILIES and SEPARATOR not in f)
        | st.sampled_from([cls.FAMILY.upper(), f" {cls.FAMILY}", cls.FAMILY + "x"])
    )
    assume(family not in FAMILIES)
    assert refused(SEPARATOR.join([family, *parts[1:]]))


TAGGED = [cls for cls in CLASSES if all(c.TAG for c in FAMILIES[cls.FAMILY])]


@pytest.mark.parametrize("cls", TAGGED, ids=name)
@EXAMPLES
@given(data=st.data())
def test_a_wrong_tag_is_refused(cls, data):
    tags = {c.TAG for c in FAMILIES[cls.FAMILY]}
    parts = parts_of(data.draw(button_of(cls)))
    tag = data.draw(
        st.text(max_size=8).filter(lambda t: t not in tags and SEPARATOR not in t)
        | st.sampled_from([cls.TAG.upper(), f"{cls.TAG} ", cls.TAG * 2])
    )
    assume(tag not in tags)
    assert refused(SEPARATOR.join([parts[0], tag, *parts[2:]]))


@pytest.mark.parametrize("cls", CLASSES, ids=name)
@EXAMPLES
@given(data=st.data())
def test_a_wrong_number_of_parts_is_refused(cls, data):
    parts = parts_of(data.draw(button_of(cls)))
    extra = data.draw(st.lists(st.sampled_from(["1", "0", "owner", "dup", "en", "x"]), max_size=4))
    keep = data.draw(st.integers(1, len(parts)))
    changed = parts[:keep] + extra
    # ...unless that is another button of the family ("pf:ten:owner" less a value is "pf:ten")
    known = {(c.TAG, len(field_kinds(c))) for c in FAMILIES[cls.FAMILY]}
    tagged = len(changed) > 1 and (changed[1], len(changed) - 2) in known
    assume(changed != parts and not tagged and ("", len(changed) - 1) not in known)
    assert refused(SEPARATOR.join(changed))


def int_fields(cls: type[Button]) -> list[str]:
    return [f for f, kind in field_kinds(cls).items() if kind is int]


def choice_fields(cls: type[Button]) -> list[str]:
    return [f for f, kind in field_kinds(cls).items() if isinstance(kind, frozenset)]


def replace_value(button: Button, field_name: str, raw: str) -> str:
    """``button``'s data with the value of ``field_name`` written as ``raw``."""
    parts = parts_of(button)
    index = (
        len(parts)
        - len(field_kinds(type(button)))
        + list(field_kinds(type(button))).index(field_name)
    )
    parts[index] = raw
    return SEPARATOR.join(parts)


NUMBERED = [cls for cls in CLASSES if int_fields(cls)]
WITH_CHOICES = [cls for cls in CLASSES if choice_fields(cls)]
WITH_VALUES = [cls for cls in CLASSES if field_kinds(cls)]


@pytest.mark.parametrize("cls", NUMBERED, ids=name)
@EXAMPLES
@given(data=st.data())
def test_a_number_not_written_in_ascii_digits_is_refused(cls, data):
    button = data.draw(button_of(cls))
    field_name = data.draw(st.sampled_from(int_fields(cls)))
    lookalike = st.text(st.sampled_from("0123456789" + LOOKALIKE_DIGITS), min_size=1, max_size=16)
    raw = data.draw(
        lookalike.filter(lambda s: not s.isascii())
        | st.integers(10**16, 10**40).map(str)  # more than 16 digits
        | st.sampled_from(NOT_NUMBERS)
    )
    assert refused(replace_value(button, field_name, raw))


@pytest.mark.parametrize("cls", WITH_CHOICES, ids=name)
@EXAMPLES
@given(data=st.data())
def test_a_value_outside_the_choices_is_refused(cls, data):
    button = data.draw(button_of(cls))
    field_name = data.draw(st.sampled_from(choice_fields(cls)))
    choices = field_kinds(cls)[field_name]
    value = getattr(button, field_name)
    raw = data.draw(
        st.text(min_size=1, max_size=12).filter(lambda s: s not in choices and SEPARATOR not in s)
        | st.sampled_from([value.upper(), value.title(), f" {value}", f"{value} ", value[:-1]])
    )
    assume(raw not in choices)  # a variant of one choice could be another choice some day
    assert refused(replace_value(button, field_name, raw))


@pytest.mark.parametrize("cls", WITH_VALUES, ids=name)
@EXAMPLES
@given(data=st.data())
def test_an_empty_value_is_refused(cls, data):
    button = data.draw(button_of(cls))
    field_name = data.draw(st.sampled_from(list(field_kinds(cls))))
    assert refused(replace_value(button, field_name, ""))


@EXAMPLES
@given(
    st.text(max_size=80)
    | st.lists(st.text(max_size=8), min_size=1, max_size=5).map(SEPARATOR.join)
    | st.tuples(st.sampled_from(sorted(FAMILIES)), st.lists(st.text(max_size=8), max_size=4)).map(
        lambda t: SEPARATOR.join([t[0], *t[1]])
    )
)
def test_any_data_is_a_button_or_refused_never_an_error(data):
    try:
        outcome: object = unpack(data)
    except ButtonProblem as problem:
        outcome = problem.kind
    assert outcome == ButtonProblem.STALE or type(outcome) in CLASSES
