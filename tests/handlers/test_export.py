"""`python -m bot export` and `stats`: organisers' tables with the small-group rule applied (a
hidden cell is blank exactly like an empty one), and never a person's id, name or unit."""

import csv
import io
import json

from bot.services.export import ExportService, to_csv, to_json, write
from tests.handlers.test_announcements import building, residents


def rows_of(table) -> list[dict]:
    return list(csv.DictReader(io.StringIO(to_csv(table))))


async def test_export_hides_small_groups_like_empty_ones_and_names_nobody(harness, admin, tmp_path):
    maple = await building(harness, "Maple Court")
    birch = await building(harness, "Birch House")
    cedar = await building(harness, "Cedar Row")
    await building(harness, "Elm Yard")  # nobody lives there yet
    await residents(harness, maple, 12, first_id=5000)
    await residents(harness, birch, 3, first_id=6000)
    await residents(harness, cedar, 6, first_id=7000)
    [card] = await harness.send(admin, "/announce all | Water is off on Tuesday 9-12.")
    await harness.press_label(admin, card, "📣 Send now")

    services = harness.app.bot_data["services"]
    tables = await ExportService(services).tables()
    by_name = {t.name: t for t in tables}

    people = {(r["breakdown"], r["group"]): r["residents"] for r in rows_of(by_name["residents"])}
    assert people[("building", "Maple Court")] == "12"
    # 3 is below 5; Cedar's 6 is hidden with it (else 21 - 12 - 6 gives Birch away);
    # Elm is empty: all three read the same
    assert people[("building", "Birch House")] == ""
    assert people[("building", "Cedar Row")] == ""
    assert people[("building", "Elm Yard")] == ""
    assert {people[("language", loc)] for loc in ("en", "es", "fr", "ar", "zh_Hans", "vi")} == {
        ""
    }  # 3 or 4 a language: all small

    sent = [
        r
        for r in rows_of(by_name["announcements"])
        if r["breakdown"] == "all" and r["delivery"] == "sent"
    ]
    assert [(r["announcement"], r["messages"]) for r in sent] == [("1", "21")]

    files = write(tables, tmp_path / "csv", "csv")
    assert sorted(p.name for p in files) == [
        "announcements.csv",
        "events.csv",
        "residents.csv",
        "surveys.csv",
    ]
    [json_file] = write(tables, tmp_path / "json", "json")
    data = json.loads(json_file.read_text(encoding="utf-8"))
    cells = {(r["breakdown"], r["group"]): r["residents"] for r in data["residents"]}
    assert cells[("building", "Birch House")] is None is cells[("building", "Elm Yard")]
    assert cells[("building", "Maple Court")] == 12

    everything = "".join(p.read_text(encoding="utf-8") for p in files) + to_json(tables)
    for person in ("R5000", "R6001", "R7005", "5000", "6001", "7005", "1A", "Water is off"):
        assert person not in everything, person


async def test_stats_gives_totals(harness, admin):
    maple = await building(harness, "Maple Court")
    await residents(harness, maple, 4, first_id=5000)
    await residents(harness, maple, 2, first_id=5100, status="pending")
    stats = dict(await ExportService(harness.app.bot_data["services"]).stats())
    assert stats["buildings"] == "1"
    assert stats["residents"] == "approved 4, pending 2, banned 0"
    assert stats["announcements sent"] == "0"
    assert stats["waiting to be sent"] == "0"


async def test_events_are_exported_by_number_and_date_with_their_answers(harness, admin):
    from datetime import UTC, datetime

    from bot.clock import FixedClock
    from tests.handlers.test_events import answer, published

    harness.app.bot_data["services"].events.clock = FixedClock(
        datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    )
    maple = await building(harness, "Maple Court")
    people = await residents(harness, maple, 12, first_id=5000)
    event_id = await published(harness, admin, "2026-12-05 18:30 | Potluck at Amina's | Room")
    for person in people[:6]:
        await answer(harness, person, event_id, "going")
    for person in people[6:]:
        await answer(harness, person, event_id, "maybe")

    [table] = [t for t in await ExportService(harness.app.bot_data["services"]).tables()
               if t.name == "events"]  # fmt: skip
    rows = {(r["breakdown"], r["group"]): r["people"] for r in rows_of(table)}
    assert rows[("answer", "going")] == rows[("answer", "maybe")] == "6"
    assert rows[("answer", "no")] == rows[("answer", "waitlist")] == ""  # nobody: blank
    assert ("present", "") not in rows  # not started yet
    assert all(r["event"] == str(event_id) and r["starts_on"] == "2026-12-05"
               for r in rows_of(table))  # fmt: skip
    assert "Amina" not in to_csv(table)
