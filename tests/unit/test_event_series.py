"""Series of events (services/events.py): the repetition rule, months of different lengths,
the cap, and the same local wall-clock time across clock changes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.services.events import (
    MAX_OCCURRENCES,
    EventProblem,
    Repeat,
    add_months,
    occurrences,
    parse_new_line,
    parse_repeat,
)

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_the_rule_is_read_and_malformed_ones_refused():
    assert parse_repeat("every  Week until 2027-03-01") == Repeat("week", date(2027, 3, 1))
    assert parse_repeat("every month until 2027-06-30") == Repeat("month", date(2027, 6, 30))
    for bad in ("every day until 2027-01-01", "every week", "every week until 2027-02-30"):
        with pytest.raises(EventProblem) as problem:
            parse_repeat(bad)
        assert problem.value.kind == EventProblem.BAD_REPEAT


def test_the_one_line_form_takes_a_capacity_and_a_rule_in_either_place():
    line = "2 2026-12-05 18:30 | Tenant meeting | Room 1 | 40 | every week until 2027-01-02"
    draft = parse_new_line(line, NOW, NY)
    assert draft.capacity == 40 and draft.repeat == Repeat("week", date(2027, 1, 2))
    draft = parse_new_line("2026-12-05 18:30 | T | R | every month until 2027-02-05", NOW, NY)
    assert draft.capacity is None and draft.repeat.every == "month"
    with pytest.raises(EventProblem) as problem:  # no room for a second date
        parse_new_line("2026-12-05 18:30 | T | R | every week until 2026-12-06", NOW, NY)
    assert problem.value.kind == EventProblem.BAD_REPEAT


def test_months_keep_their_day_or_take_the_last_one():
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2026, 12, 15), 1) == date(2027, 1, 15)
    start = datetime(2027, 1, 31, 23, 0, tzinfo=UTC)  # 18:00 in New York
    days = [
        d.astimezone(NY).date() for d in occurrences(start, Repeat("month", date(2027, 5, 1)), NY)
    ]
    assert days == [date(2027, 1, 31), date(2027, 2, 28), date(2027, 3, 31), date(2027, 4, 30)]


def test_local_time_is_kept_across_the_clock_change_and_the_series_is_capped():
    start = datetime(2027, 3, 1, 23, 30, tzinfo=UTC)  # 18:30 EST
    found = occurrences(start, Repeat("week", date(2027, 3, 22)), NY)
    assert [d.astimezone(NY).strftime("%m-%d %H:%M") for d in found] == [
        "03-01 18:30",
        "03-08 18:30",
        "03-15 18:30",  # summer time since Sunday 14 March 2027
        "03-22 18:30",
    ]
    assert [d.hour for d in found] == [23, 23, 22, 22]  # UTC moved by the hour
    assert len(occurrences(start, Repeat("week", date(2030, 1, 1)), NY)) == MAX_OCCURRENCES
