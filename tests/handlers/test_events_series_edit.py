"""/editevent on a series (issue 12): one date, it and its later dates, or every date still to
come, by button or in one line; each changed date's reminders move and its calendar SEQUENCE
rises; everyone who answered is told once, in their language, however many dates changed;
the choice is checked again at the press, audited, and acts once."""

from __future__ import annotations

import itertools
from datetime import timedelta

from icalendar import Calendar

from bot.clock import from_db, local_long, to_db
from bot.services.events import UTC_ZONE
from tests.handlers.test_announcements import LOCALES, building, make_steward, residents
from tests.handlers.test_events_flow import clocked, labels, last, services_of
from tests.support import button_data, plain, tr, trn

SERIES = "2026-12-01 18:30 | Tenant meeting | Room 1 | every week until 2026-12-29"  # 5 dates
TITLE = "Tenant meeting"


async def series(harness, admin, line=SERIES) -> list[int]:
    [preview] = await harness.send(admin, f"/newevent {line}")
    await harness.press_label(admin, preview, "📣 Publish")
    return [e.id for e in await services_of(harness).events.repo.series(1)]


def hhmm(event) -> str:
    return from_db(event.starts_at).strftime("%m-%d %H:%M")  # the community's zone is UTC here


def ics_of(harness, message) -> Calendar:
    return Calendar.from_ical(harness.api.world.files[message["document"]["file_id"]]["content"])


async def test_this_date_and_the_later_ones_by_button_one_message_each_in_six_languages(
    harness, admin
):
    services = services_of(harness)
    clocked(harness)
    bid = await building(harness)
    people = await residents(harness, bid, 6, first_id=9100)
    only_four = (await residents(harness, bid, 1, first_id=9200, locales=("fr",)))[0]
    assert await series(harness, admin) == [1, 2, 3, 4, 5]
    for person in people:  # every language answers dates 2 and 3
        for event_id in (2, 3):
            await services.events.answer(event_id, person["id"], "going")
    await services.events.answer(4, only_four["id"], "maybe")
    before = {e.id: e for e in await services.events.repo.series(1)}
    sent_before = {p["id"]: len(harness.api.bot_messages(p["id"])) for p in [*people, only_four]}

    [question] = await harness.send(admin, "/editevent 2 when 19:00")
    assert "part of a series" in plain(question["text"])
    assert labels(question) == [
        "Only this date",
        "This date and the later ones",
        "Every date still to come",  # date 1 is still to come
    ]
    assert hhmm(await services.events.get(2)) == "12-08 18:30"  # nothing changed yet
    messages, _ = await harness.press_label(admin, question, "This date and the later ones")
    assert "Event #2 is saved: 4 dates changed" in plain(messages[-1]["text"])

    after = {e.id: e for e in await services.events.repo.series(1)}
    assert [hhmm(after[i]) for i in (1, 2, 3, 4, 5)] == [
        "12-01 18:30",  # before the one named: untouched
        "12-08 19:00",
        "12-15 19:00",
        "12-22 19:00",
        "12-29 19:00",
    ]
    assert after[1].sequence == before[1].sequence
    assert all(after[i].sequence == before[i].sequence + 1 for i in (2, 3, 4, 5))
    for i in (2, 3, 4, 5):  # the reminders moved with each date
        start = from_db(after[i].starts_at)
        due = {
            r["lead_minutes"]: (r["due_at"], r["state"]) for r in await services.events.reminders(i)
        }
        assert due == {
            1440: (to_db(start - timedelta(days=1)), "pending"),
            60: (to_db(start - timedelta(hours=1)), "pending"),
        }
    # one message to each resident, in their language, naming both dates they answered
    for person, locale in zip(people, LOCALES, strict=True):
        new = harness.api.bot_messages(person["id"])[sent_before[person["id"]] :]
        assert len(new) == 1, (locale, [m.get("text") for m in new])
        text = plain(new[0]["text"])
        header = trn(
            locale,
            "✏️ {title}: {count} date has changed:",
            "✏️ {title}: {count} dates have changed:",
            2,
            title=TITLE,
        )
        assert text.startswith(plain(header)), (locale, text)
        for event_id, named in ((2, True), (3, True), (4, False)):
            line = tr(locale, "Event #{id}: {when} · 📍 {place}", id=event_id, when="", place="")
            assert (line.split(":")[0].split("：")[0] in text) is named, (locale, text)
        if locale != "en":
            assert not text.startswith(f"✏️ {TITLE}: 2 dates have changed"), locale
        assert labels(new[0]) == [tr(locale, "📅 Add these dates to calendar")]
    # the one who answered one date gets that date's own notice
    [notice] = harness.api.bot_messages(only_four["id"])[sent_before[only_four["id"]] :]
    assert plain(notice["text"]).startswith(plain(tr("fr", "✏️ Event #{id} has changed:", id=4)))
    # the calendar file: every date still to come, each with its own UID and raised SEQUENCE
    es = people[1]
    summary = last(harness, es["id"])
    await harness.press(
        es, summary, button_data(summary, tr("es", "📅 Add these dates to calendar"))
    )
    cal = ics_of(harness, last(harness, es["id"]))
    found = {str(v["UID"]): (int(v["SEQUENCE"]), v.decoded("DTSTART")) for v in cal.walk("VEVENT")}
    assert set(found) == {f"event-{i}@commonground" for i in (1, 2, 3, 4, 5)}
    assert found["event-2@commonground"][0] == before[2].sequence + 1
    assert found["event-1@commonground"][0] == before[1].sequence
    assert found["event-5@commonground"][1].strftime("%H:%M") == "19:00"
    # audited once, with the dates
    rows = await services.db.fetch_all(
        "SELECT details FROM audit_log WHERE action = 'event.edit' AND actor_id = "
        "(SELECT pseudonym FROM person_keys WHERE user_id = ?)",
        (admin["id"],),
    )
    assert len(rows) == 1 and '"scope": "later"' in rows[0][0] and "[2, 3, 4, 5]" in rows[0][0]


async def test_a_second_press_changes_nothing_more(harness, admin):
    services = services_of(harness)
    clocked(harness)
    bid = await building(harness)
    [person] = await residents(harness, bid, 1, first_id=9300, locales=("vi",))
    await series(harness, admin)
    await services.events.answer(1, person["id"], "going")
    [question] = await harness.send(admin, "/editevent 1 place Room 2")
    assert labels(question) == ["Only this date", "This date and the later ones"]  # 1 is first
    await harness.press_label(admin, question, "Only this date")
    sequences = {e.id: e.sequence for e in await services.events.repo.series(1)}
    jobs = "SELECT count(*) FROM outbox_jobs WHERE kind = 'event.edit'"
    assert await services.db.fetch_value(jobs) == 1
    _, answers = await harness.press_label(admin, question, "This date and the later ones")
    assert answers[-1].params["text"] == "This change was already made: nothing more to do."
    assert {e.id: e.sequence for e in await services.events.repo.series(1)} == sequences
    assert await services.db.fetch_value(jobs) == 1
    assert [e.place for e in await services.events.repo.series(1)] == ["Room 2"] + ["Room 1"] * 4


async def test_the_one_line_form_series_and_all(harness, admin):
    services = services_of(harness)
    clock = clocked(harness)
    await building(harness)
    await series(harness, admin)
    [done] = await harness.send(admin, "/editevent 3 series place Room 2")
    assert "Event #3 is saved: 3 dates changed" in plain(done["text"])
    assert [e.place for e in await services.events.repo.series(1)] == [
        "Room 1",
        "Room 1",
        "Room 2",
        "Room 2",
        "Room 2",
    ]
    # a new date moves every date by as many days (Tuesday -> Wednesday), at the new time
    [done] = await harness.send(admin, "/editevent 3 all when 2026-12-16 17:00")
    assert "5 dates changed" in plain(done["text"])
    assert [hhmm(e) for e in await services.events.repo.series(1)] == [
        "12-02 17:00",
        "12-09 17:00",
        "12-16 17:00",
        "12-23 17:00",
        "12-30 17:00",
    ]
    # a later date is still posted when the one before it starts
    posts = [e.id for e in await services.events.repo.series(1)]
    post_at = {r[0]: r[1] for r in await services.db.fetch_all("SELECT id, post_at FROM events")}
    starts = {e.id: e.starts_at for e in await services.events.repo.series(1)}
    assert all(post_at[b] == starts[a] for a, b in itertools.pairwise(posts))
    # once date 1 started, "all" means the dates still to come
    clock.now = from_db(starts[1]) + timedelta(minutes=5)
    [done] = await harness.send(admin, "/editevent 2 all title Tenants' meeting")
    assert "4 dates changed" in plain(done["text"])
    assert (await services.events.get(1)).title == TITLE
    # a date moved into the past is refused, and nothing changes
    [bad] = await harness.send(admin, "/editevent 2 all when 2026-11-20 18:00")
    assert "already passed" in plain(bad["text"])
    assert hhmm(await services.events.get(5)) == "12-30 17:00"
    # "series" on an event that does not repeat
    [preview] = await harness.send(admin, "/newevent 2026-12-05 18:30 | Potluck | Hall")
    await harness.press_label(admin, preview, "📣 Publish")
    [bad] = await harness.send(admin, "/editevent 6 series place Roof")
    assert (await services.events.get(6)).place == "Hall"
    [usage] = await harness.send(admin, "/editevent 2")
    assert "/editevent 4 series when 19:00" in plain(usage["text"])


async def test_the_choice_is_checked_again_at_the_press(harness, admin):
    services = services_of(harness)
    clocked(harness)
    bid = await building(harness)
    steward = harness.api.make_user(9400, "Ana", language_code="en")
    other = harness.api.make_user(9401, "Bo", language_code="en")
    await make_steward(harness, steward, bid)
    await make_steward(harness, other, bid)
    await series(harness, admin, f"{bid} {SERIES}")
    [question] = await harness.send(steward, "/editevent 2 place Room 9")
    data = button_data(question, "This date and the later ones")
    # another steward's press on it is refused: the kept edit is its author's
    _, answers = await harness.press(other, question, data)
    assert "Room 9" not in {e.place for e in await services.events.repo.series(1)}
    assert answers
    # the author, no longer a steward, is refused too
    await services.db.execute("DELETE FROM roles WHERE user_id = ?", (steward["id"],))
    await harness.press(steward, question, data)
    assert "Room 9" not in {e.place for e in await services.events.repo.series(1)}
    assert (
        await services.db.fetch_value("SELECT count(*) FROM audit_log WHERE action = 'event.edit'")
        == 0
    )


async def test_one_event_edited_tells_six_languages_and_each_calendar_file_follows(harness, admin):
    """Not a series: the change applies at once; everyone who answered hears it in their
    language with the new time, and their calendar file (label in their language) has a
    higher SEQUENCE; a time alone keeps the day."""
    services = services_of(harness)
    clocked(harness)
    bid = await building(harness)
    people = await residents(harness, bid, 6, first_id=9500)
    [preview] = await harness.send(admin, "/newevent 2026-12-05 18:30 | Potluck | Hall")
    await harness.press_label(admin, preview, "📣 Publish")
    for person in people:
        await services.events.answer(1, person["id"], "going")
    [done] = await harness.send(admin, "/editevent 1 when 19:45")
    assert "Event #1 is saved" in plain(done["text"])
    event = await services.events.get(1)
    assert hhmm(event) == "12-05 19:45" and event.sequence == 1
    when = {e["lead_minutes"]: e["due_at"] for e in await services.events.reminders(1)}
    assert when[60] == to_db(from_db(event.starts_at) - timedelta(hours=1))
    for person, locale in zip(people, LOCALES, strict=True):
        notice = last(harness, person["id"])
        text = plain(notice["text"])
        assert text.startswith(plain(tr(locale, "✏️ Event #{id} has changed:", id=1))), locale
        assert local_long(event.starts_at, UTC_ZONE, locale) in text, (locale, text)
        messages, _ = await harness.press_label(person, notice, tr(locale, "📅 Add to calendar"))
        [vevent] = ics_of(harness, messages[-1]).walk("VEVENT")
        assert int(vevent["SEQUENCE"]) == 1, locale
        assert vevent.decoded("DTSTART").strftime("%d %H:%M") == "05 19:45", locale
