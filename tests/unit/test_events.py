"""Reading an event's line, its reminder lead times, and its calendar file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from bot.config import ConfigError, load_config, parse_leads
from bot.services.events import (
    EventProblem,
    calendar_file,
    group_language,
    parse_moment,
    parse_new_line,
)
from bot.storage.announcements import Person
from bot.storage.events import EventRow

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
PARIS = ZoneInfo("Europe/Paris")


def test_a_whole_line_is_read_in_the_community_zone():
    line = "2,5 2026-12-05 18:30 | Winter potluck |  Community  room | 40"
    draft = parse_new_line(line, NOW, PARIS)
    assert draft.buildings == (2, 5)
    assert draft.starts_at == datetime(2026, 12, 5, 17, 30, tzinfo=UTC)
    assert (draft.title, draft.place, draft.capacity) == ("Winter potluck", "Community room", 40)
    plain = parse_new_line("2026-12-05 18:30 | Potluck | Room", NOW, PARIS)
    assert plain.buildings is None and plain.capacity is None


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("2026-12-05 18:30 Potluck", EventProblem.BAD_LINE),
        ("2026-12-05 | Potluck | Room", EventProblem.BAD_LINE),
        ("x 2026-12-05 18:30 | Potluck | Room", EventProblem.BAD_LINE),
        ("2026-12-05 18:30 | | Room", EventProblem.BAD_LINE),
        ("2026-12-05 18:30 | a | b | c | d", EventProblem.BAD_LINE),
        ("2026-02-30 18:30 | Potluck | Room", EventProblem.BAD_DATE),
        ("2026-12-05 25:00 | Potluck | Room", EventProblem.BAD_DATE),
        ("05/12/2026 18:30 | Potluck | Room", EventProblem.BAD_DATE),
        ("2026-11-25 12:59 | Potluck | Room", EventProblem.PAST),
        ("2026-12-05 18:30 | Potluck | Room | 0", EventProblem.BAD_CAPACITY),
        ("2026-12-05 18:30 | Potluck | Room | forty", EventProblem.BAD_CAPACITY),
        ("2026-12-05 18:30 | " + "x" * 201 + " | Room", EventProblem.TOO_LONG),
    ],
)
def test_malformed_lines_say_what_is_wrong(line, kind):
    with pytest.raises(EventProblem) as problem:
        parse_new_line(line, NOW, PARIS)
    assert problem.value.kind == kind


def test_a_time_skipped_by_the_clock_change_does_not_exist():
    with pytest.raises(EventProblem) as problem:
        parse_moment("2027-03-28", "02:30", NOW, PARIS)
    assert problem.value.kind == EventProblem.BAD_DATE


def test_reminder_leads():
    assert parse_leads("24h,1h") == (1440, 60)
    assert parse_leads(" 10m , 1m,2d,1h,60m") == (2880, 60, 10, 1)
    for bad in ("", "1x", "0h", "h", "1.5h", "24h;1h", "99d"):
        with pytest.raises(ConfigError) as error:
            parse_leads(bad)
        assert error.value.variable == "BOT_REMINDER_LEADS"
    assert load_config({}, env_file=None).reminder_leads == (1440, 60)
    assert load_config({"BOT_REMIND_MAYBE": "off"}, env_file=None).remind_maybe is False
    with pytest.raises(ConfigError, match="BOT_REMIND_MAYBE"):
        load_config({"BOT_REMIND_MAYBE": "sometimes"}, env_file=None)
    with pytest.raises(ConfigError, match="BOT_REMINDER_LEADS"):
        load_config({"BOT_REMINDER_LEADS": "soon"}, env_file=None)


def event(**changes) -> EventRow:
    values = dict(
        id=4,
        audience={"buildings": None},
        title="Winter potluck",
        place="Community room",
        starts_at="2026-12-05T17:30:00Z",
        capacity=None,
        description=None,
        state="published",
        sequence=3,
        cancel_reason=None,
        created_by=1,
        job_id=None,
        created_at="2026-11-25T12:00:00Z",
    )
    values.update(changes)
    return EventRow(**values)


def test_the_calendar_file_is_rfc5545_with_the_zone():
    cal = Calendar.from_ical(calendar_file(event(), PARIS, NOW))
    assert str(cal["VERSION"]) == "2.0" and str(cal["METHOD"]) == "PUBLISH"
    [zone] = cal.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Europe/Paris"
    [item] = cal.walk("VEVENT")
    assert str(item["UID"]) == "event-4@commonground"
    assert int(item["SEQUENCE"]) == 3
    assert item["DTSTART"].params["TZID"] == "Europe/Paris"
    assert item.decoded("DTSTART") == datetime(2026, 12, 5, 18, 30, tzinfo=PARIS)
    assert item.decoded("DTEND") - item.decoded("DTSTART") == timedelta(hours=2)
    assert (str(item["SUMMARY"]), str(item["LOCATION"])) == ("Winter potluck", "Community room")
    cancelled = Calendar.from_ical(calendar_file(event(state="cancelled", sequence=4), PARIS, NOW))
    assert str(cancelled["METHOD"]) == "CANCEL"
    [item] = cancelled.walk("VEVENT")
    assert str(item["STATUS"]) == "CANCELLED" and int(item["SEQUENCE"]) == 4


def test_a_tie_or_an_empty_building_posts_in_the_community_language():
    def person(uid, locale, status="approved", building_id=1):
        return Person(
            user_id=uid,
            building_id=building_id,
            status=status,
            locale=locale,
            telegram_language=None,
            paused=False,
            unreachable=False,
            tenure=None,
            roles=frozenset(),
        )

    assert group_language([], 1) == "en"
    assert group_language([person(1, "ar"), person(2, "en")], 1) == "en"  # a tie: the default
    assert group_language([person(1, "ar"), person(2, "vi")], 1) == "ar"  # first in LOCALES
    # pending residents and other buildings do not count
    crowd = [person(1, "fr"), person(2, "vi", "pending"), person(3, "vi", building_id=2)]
    assert group_language(crowd, 1) == "fr"
